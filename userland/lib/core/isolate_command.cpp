#include "core/isolate_command.h"

#include <unistd.h>

namespace xperf {

std::string isolate_command(const std::filesystem::path &programs_dir)
{
	const std::filesystem::path installed = programs_dir / "xperf-isolate";
	return ::access(installed.c_str(), X_OK) == 0 ? "xperf-isolate" : "scripts/isolate";
}

const std::string &isolate_command()
{
	static const std::string name = [] {
		std::error_code ec;
		std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
		return isolate_command(self.parent_path());
	}();
	return name;
}

} // namespace xperf
