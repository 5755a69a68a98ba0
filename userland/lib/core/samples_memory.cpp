#include "core/samples_memory.h"

#include "core/error.h"

#include <sys/resource.h>

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <string>

namespace xperf {

bool sampler_adapts(const Options &o)
{
	return o.ci_width > 0 && (o.verify != Options::Verify::off || o.rounds < 2);
}

double samples_per_result(const Options &o)
{
	double fixed = static_cast<double>(o.samples) * o.rounds;
	return sampler_adapts(o) ? std::max(fixed, static_cast<double>(o.max_samples)) : fixed;
}

std::optional<std::uint64_t> available_memory()
{
	std::optional<std::uint64_t> bytes;
	std::ifstream meminfo("/proc/meminfo");
	for (std::string key; meminfo >> key;) {
		std::uint64_t kib = 0;
		if (key == "MemAvailable:" && meminfo >> kib) {
			bytes = kib * 1024;
			break;
		}
		meminfo.ignore(1 << 10, '\n');
	}
	rlimit as{};
	if (!getrlimit(RLIMIT_AS, &as) && as.rlim_cur != RLIM_INFINITY)
		bytes = std::min<std::uint64_t>(bytes.value_or(as.rlim_cur), as.rlim_cur);
	return bytes;
}

void check_samples_memory(const Options &o, std::size_t crossings,
			  std::optional<std::uint64_t> available)
{
	if (!available)
		return;
	double samples = samples_per_result(o);
	double need = samples * bytes_per_sample * static_cast<double>(std::max<std::size_t>(crossings, 1));
	if (need <= static_cast<double>(*available))
		return;
	constexpr double gib = 1024.0 * 1024 * 1024;
	throw bad_input(fmt::format("{:.3g} samples per result ({}) for {} crossing{} need about "
				    "{:.1f} GiB, and {:.1f} GiB of memory is available",
				    samples,
				    sampler_adapts(o) && o.max_samples > o.samples * o.rounds
					    ? fmt::format("--max-samples {}", o.max_samples)
					    : fmt::format("-n {} x --rounds {}", o.samples, o.rounds),
				    crossings, crossings == 1 ? "" : "s", need / gib,
				    static_cast<double>(*available) / gib),
			"lower -n, --rounds or --max-samples, or measure fewer crossings at once");
}

} // namespace xperf
