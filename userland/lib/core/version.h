// Which xperf this is: the -V line, the JSON "version", the report header.
#pragma once

#include <string_view>

namespace xperf {

// "0.1.0", or from git "0.1.0-g6883230-dirty", "0.2.0-3-gabc1234"
// (cmake/version.cmake).
std::string_view version();
// The release a version is of, what the JSON's fields follow: "0.1.0" for
// any of those above.
std::string_view release_of(std::string_view version);

} // namespace xperf
