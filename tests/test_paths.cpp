#include "test_paths.h"

namespace xperf::test {
const char *const fixtures_dir = XPERF_FIXTURES_PATH;
const char *const user_bin = XPERF_USER_BIN_PATH;
} // namespace xperf::test
