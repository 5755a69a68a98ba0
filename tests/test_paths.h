// Where the tests find their fixtures and the xperf-user they run. The
// absolute paths of this build are compiled into test_paths.cpp alone, so
// that every other object of the tests is the same in any clone and a
// compiler cache can share it between them.
#pragma once

namespace xperf::test {
extern const char *const fixtures_dir;
extern const char *const user_bin;
} // namespace xperf::test

#define XPERF_FIXTURES (::xperf::test::fixtures_dir)
#define XPERF_USER_BIN (::xperf::test::user_bin)
