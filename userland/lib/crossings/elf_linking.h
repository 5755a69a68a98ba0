// How a program file asks to be loaded, read from its ELF headers: the
// dynamic loader it names (PT_INTERP) and the libraries it needs
// (DT_NEEDED). What fork-exec's dynamic variant says of the program it runs.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace xperf {

struct ElfLinking {
	std::string interpreter;	 // empty: statically linked
	std::vector<std::string> needed; // in the order of its dynamic section
};

// Of the bytes of an x86-64 ELF file; nothing when they are not one, or
// their headers point outside them.
std::optional<ElfLinking> elf_linking(const std::vector<unsigned char> &file);

// Of the file at path: nothing when it cannot be read or is not such a file.
std::optional<ElfLinking> elf_linking_of(const std::string &path);

} // namespace xperf
