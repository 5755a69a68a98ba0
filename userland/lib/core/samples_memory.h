// Whether the samples a run keeps fit in this machine's memory, checked
// before measuring starts: -n 100000000 --rounds 1000 is refused with the
// figures, not met by std::bad_alloc after an hour.
#pragma once

#include "core/run_context.h"

#include <cstdint>
#include <optional>

namespace xperf {

// Bytes one sample costs, about: its net cycles and its timer stamps while
// measuring, its JSON value and its text when written.
inline constexpr double bytes_per_sample = 64;

// Whether --ci-width is the sampler's (each crossing measured whole, its
// rounds growing to --max-samples: with --verify or one round) rather than
// the adaptive passes', which watch the memory as they go
// (run_crossings.h).
bool sampler_adapts(const Options &o);

// The samples one result keeps before any adaptive pass: -n x --rounds, or
// --max-samples when the sampler's adaptive sampling may go that far.
double samples_per_result(const Options &o);

// MemAvailable of /proc/meminfo, lowered to RLIMIT_AS when that is set;
// nothing when neither can be read.
std::optional<std::uint64_t> available_memory();

// Throws a bad_input Error when crossings results of samples_per_result
// samples need more than available bytes.
void check_samples_memory(const Options &o, std::size_t crossings,
			  std::optional<std::uint64_t> available);

} // namespace xperf
