#include "core/version.h"

// Generated in the build tree at every build (cmake/version.cmake), and
// included by this file alone.
#include <xperf_version.h>

namespace xperf {

std::string_view version()
{
	return XPERF_VERSION;
}

std::string_view release_of(std::string_view version)
{
	if (version.starts_with('v'))
		version.remove_prefix(1);
	return version.substr(0, version.find('-'));
}

} // namespace xperf
