// Reading how a program is linked from its ELF headers: the dynamic loader
// and the libraries of a real dynamic program; none of either for a static
// one; nothing at all for what is not an ELF file or points outside itself.
#include "test_paths.h"

#include "crossings/elf_linking.h"

#include <elf.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <vector>

using namespace xperf;

namespace {

std::string hello_path()
{
	return (std::filesystem::path(XPERF_USER_BIN).parent_path() / "xperf-hello").string();
}

// An x86-64 executable's header with one program header of type type,
// whose contents are text.
std::vector<unsigned char> elf_with(uint32_t type, const std::string &text)
{
	Elf64_Ehdr eh{};
	std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_phoff = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = 1;
	Elf64_Phdr ph{};
	ph.p_type = type;
	ph.p_offset = sizeof(eh) + sizeof(ph);
	ph.p_filesz = text.size() + 1;
	std::vector<unsigned char> out(sizeof(eh) + sizeof(ph) + text.size() + 1);
	std::memcpy(out.data(), &eh, sizeof(eh));
	std::memcpy(out.data() + sizeof(eh), &ph, sizeof(ph));
	std::memcpy(out.data() + ph.p_offset, text.c_str(), text.size() + 1);
	return out;
}

} // namespace

TEST(ElfLinking, XperfHelloNamesItsLoaderAndNeedsLibc)
{
	auto l = elf_linking_of(hello_path());
	ASSERT_TRUE(l) << hello_path();
	EXPECT_NE(l->interpreter.find("ld-linux-x86-64.so"), std::string::npos) << l->interpreter;
	EXPECT_NE(std::find(l->needed.begin(), l->needed.end(), "libc.so.6"), l->needed.end());
}

TEST(ElfLinking, AnInterpreterIsReadAndItsAbsenceMeansStatic)
{
	auto dynamic = elf_linking(elf_with(PT_INTERP, "/lib/ld-test.so"));
	ASSERT_TRUE(dynamic);
	EXPECT_EQ(dynamic->interpreter, "/lib/ld-test.so");
	auto static_one = elf_linking(elf_with(PT_NOTE, "note"));
	ASSERT_TRUE(static_one);
	EXPECT_TRUE(static_one->interpreter.empty());
	EXPECT_TRUE(static_one->needed.empty());
}

TEST(ElfLinking, WhatIsNotAnElfFileOrPointsOutsideItselfIsNothing)
{
	std::vector<unsigned char> script = { '#', '!', '/', 'b', 'i', 'n', '/', 's', 'h', '\n' };
	EXPECT_FALSE(elf_linking(script));
	EXPECT_FALSE(elf_linking({}));
	auto truncated = elf_with(PT_INTERP, "/lib/ld-test.so");
	truncated.resize(truncated.size() - 4); // the name loses its end
	EXPECT_FALSE(elf_linking(truncated));
	auto outside = elf_with(PT_INTERP, "/lib/ld-test.so");
	Elf64_Ehdr eh;
	std::memcpy(&eh, outside.data(), sizeof(eh));
	eh.e_phoff = 1u << 30;
	std::memcpy(outside.data(), &eh, sizeof(eh));
	EXPECT_FALSE(elf_linking(outside));
	EXPECT_FALSE(elf_linking_of("/nonexistent/xperf-hello"));
}
