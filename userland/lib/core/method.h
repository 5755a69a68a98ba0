// How a result was taken, the part every measurement shares: one builder,
// so that every result's "method" has the same keys whatever took it (the
// sampler, the VM-exit payload, xperf.ko in a guest). Each caller adds what
// is its own after these.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>

namespace xperf {

struct Method {
	std::string timer;	    // how a region is timed
	std::string side;	    // where the timer runs: user, guest, guest kernel
	double overhead_cycles = 0; // the median empty region, taken off every sample
	std::string net;	    // what one sample is, net of that
	std::size_t warmup = 0;	    // untimed iterations first
	int cpu = -1;		    // the CPU the run was pinned to
	std::string tsc_source;	    // where the TSC rate came from

	// {timer, side, overhead_cycles, net, warmup, cpu, tsc_source}
	nlohmann::json to_json() const;
};

} // namespace xperf
