#include "crossings/elf_linking.h"

#include <elf.h>

#include <cstring>
#include <fstream>
#include <iterator>

namespace xperf {

namespace {

// A T at offset of file, when it lies wholly inside it.
template <class T>
std::optional<T> read_at(const std::vector<unsigned char> &file, uint64_t offset)
{
	if (offset > file.size() || file.size() - offset < sizeof(T))
		return std::nullopt;
	T out;
	std::memcpy(&out, file.data() + offset, sizeof(T));
	return out;
}

// The NUL-terminated string at offset, when it ends inside the file.
std::optional<std::string> string_at(const std::vector<unsigned char> &file, uint64_t offset)
{
	if (offset >= file.size())
		return std::nullopt;
	const auto *begin = file.data() + offset;
	const auto *end = static_cast<const unsigned char *>(
		std::memchr(begin, 0, file.size() - offset));
	if (!end)
		return std::nullopt;
	return std::string(begin, end);
}

// The file offset of a virtual address, through the loadable segment that
// holds it.
std::optional<uint64_t> file_offset(const std::vector<Elf64_Phdr> &phdrs, uint64_t vaddr)
{
	for (const auto &ph : phdrs)
		if (ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr && vaddr - ph.p_vaddr < ph.p_filesz)
			return vaddr - ph.p_vaddr + ph.p_offset;
	return std::nullopt;
}

// The DT_NEEDED names of the dynamic section at ph; nothing when it is
// malformed.
std::optional<std::vector<std::string>> needed_libraries(const std::vector<unsigned char> &file,
							 const std::vector<Elf64_Phdr> &phdrs,
							 const Elf64_Phdr &ph)
{
	if (ph.p_filesz > file.size() || ph.p_offset > file.size() - ph.p_filesz)
		return std::nullopt;
	std::vector<uint64_t> names;
	std::optional<uint64_t> strtab;
	for (uint64_t at = ph.p_offset; at + sizeof(Elf64_Dyn) <= ph.p_offset + ph.p_filesz;
	     at += sizeof(Elf64_Dyn)) {
		auto dyn = read_at<Elf64_Dyn>(file, at);
		if (!dyn)
			return std::nullopt;
		if (dyn->d_tag == DT_NULL)
			break;
		if (dyn->d_tag == DT_NEEDED)
			names.push_back(dyn->d_un.d_val);
		else if (dyn->d_tag == DT_STRTAB)
			strtab = file_offset(phdrs, dyn->d_un.d_ptr);
	}
	std::vector<std::string> out;
	if (names.empty())
		return out;
	if (!strtab)
		return std::nullopt;
	for (uint64_t name : names) {
		if (*strtab > file.size() || name > file.size())
			return std::nullopt;
		auto s = string_at(file, *strtab + name);
		if (!s)
			return std::nullopt;
		out.push_back(*s);
	}
	return out;
}

} // namespace

std::optional<ElfLinking> elf_linking(const std::vector<unsigned char> &file)
{
	auto eh = read_at<Elf64_Ehdr>(file, 0);
	if (!eh || std::memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_machine != EM_X86_64 || eh->e_phentsize != sizeof(Elf64_Phdr))
		return std::nullopt;
	if (eh->e_phoff > file.size())
		return std::nullopt;
	std::vector<Elf64_Phdr> phdrs;
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		auto ph = read_at<Elf64_Phdr>(file, eh->e_phoff + uint64_t{ i } * sizeof(Elf64_Phdr));
		if (!ph)
			return std::nullopt;
		phdrs.push_back(*ph);
	}
	ElfLinking out;
	for (const auto &ph : phdrs) {
		if (ph.p_type == PT_INTERP) {
			auto interp = string_at(file, ph.p_offset);
			if (!interp || interp->size() >= ph.p_filesz)
				return std::nullopt;
			out.interpreter = *interp;
		} else if (ph.p_type == PT_DYNAMIC) {
			auto needed = needed_libraries(file, phdrs, ph);
			if (!needed)
				return std::nullopt;
			out.needed = std::move(*needed);
		}
	}
	return out;
}

std::optional<ElfLinking> elf_linking_of(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	if (!in)
		return std::nullopt;
	std::vector<unsigned char> file{ std::istreambuf_iterator<char>(in),
					 std::istreambuf_iterator<char>() };
	return elf_linking(file);
}

} // namespace xperf
