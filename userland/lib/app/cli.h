// The xperf-user command line. Exit status: 0 success, 1 a measurement
// failed, 2 bad input (flags, files, CPU), always with a message saying
// what to do.
#pragma once

#include <iosfwd>

namespace xperf {

int run_cli(int argc, char **argv, std::ostream &out, std::ostream &err);

} // namespace xperf
