// How a message names scripts/isolate, the fix for most noise: make install
// puts it beside xperf-user as xperf-isolate (as it puts xperf-hello
// there), so where that is beside the running program, the user has it by
// that name; elsewhere (the build tree) it is in the source tree.
#pragma once

#include <filesystem>
#include <string>

namespace xperf {

// "xperf-isolate" installed, else "scripts/isolate"; for this program
// (/proc/self/exe), looked at once.
const std::string &isolate_command();
// The same for a program in programs_dir.
std::string isolate_command(const std::filesystem::path &programs_dir);

} // namespace xperf
