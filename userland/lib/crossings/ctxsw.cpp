// ctxsw-0k, ctxsw-16k: LMBench's lat_ctx -s 0 2 and -s 16 2. Two processes
// (the peer on the measuring CPU, on another, or free: placement.h) pass a
// token round a ring of two pipes; each, on getting it, sums its own
// working set of 0 or 16 KiB before passing it on. One trip round the ring
// is timed: two switches, and two of each pipe write, pipe read and sum.
// As lat_ctx does, what is not a switch is measured apart (one process
// writing the token to a pipe of its own, reading it back and summing its
// working set) and subtracted: per switch = trip / 2 - that overhead.
#include "core/sampler.h"
#include "core/stats.h"
#include "crossings/crossings.h"
#include "crossings/ipc.h"
#include "crossings/os_child.h"
#include "crossings/placement.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <vector>

namespace xperf {

namespace {

// Reads every int of the working set: brings it into the cache.
class WorkingSet {
public:
	explicit WorkingSet(std::size_t bytes) : data_(bytes / sizeof(int), 1) {}
	void sum()
	{
		int s = 0;
		for (int v : data_)
			s += v;
		sink_ = s;
	}

private:
	std::vector<int> data_;
	volatile int sink_ = 0;
};

// The peer: the token back round the ring after each sum of its own set.
void pass_on(int in, int out, std::size_t bytes)
{
	WorkingSet own(bytes);
	int token = 0;
	while (read_all_or_eof(in, &token, sizeof(token))) {
		own.sum();
		write_all(out, &token, sizeof(token));
	}
}

Result run_ctxsw(const RunContext &ctx, Placement p, const std::string &name, std::size_t bytes)
{
	WorkingSet own(bytes);
	int token = 1;
	auto nothing = [] {};

	Timing overhead;
	{
		auto [self_r, self_w] = make_pipe();
		overhead = measure(ctx, 1, nothing, [&] {
			write_all(self_w.get(), &token, sizeof(token));
			read_all(self_r.get(), &token, sizeof(token));
			own.sum();
		});
	}
	const double overhead_cycles = describe(overhead.cycles).median;

	auto [to_peer_r, to_peer_w] = make_pipe();
	auto [from_peer_r, from_peer_w] = make_pipe();
	OsChild peer = place_peer(ctx, p, [&] {
		to_peer_w.reset();
		from_peer_r.reset();
		pass_on(to_peer_r.get(), from_peer_w.get(), bytes);
	});
	to_peer_r.reset();
	from_peer_w.reset();
	Timing t = measure(ctx, 1, nothing, [&] {
		write_all(to_peer_w.get(), &token, sizeof(token));
		read_all(from_peer_r.get(), &token, sizeof(token));
		own.sum();
	});
	for (double &c : t.cycles)
		c = c / 2 - overhead_cycles;

	Result r = timed_result(ctx, name, fmt::format("2p-{}k", bytes / 1024), t);
	r.method["net"] = "per switch: (trip round the ring - median empty region) / 2 - "
			  "median pipe and sum overhead";
	r.detail = { { "processes", 2 },
		     { "working_set_bytes", bytes },
		     { "pipe_overhead_cycles", overhead_cycles },
		     { "pipe_overhead_ns", ctx.tsc.hz > 0 ? overhead_cycles * 1e9 / ctx.tsc.hz : 0.0 },
		     { "peer", "a forked process, placed as placement says" } };
	r.notes.push_back(fmt::format(
		"timed: one trip of a token round two processes through two pipes, each summing "
		"its {} KiB working set; halved, less the median cost of one pipe write, read and "
		"sum in one process ({:.0f} cycles), as LMBench's lat_ctx subtracts it",
		bytes / 1024, overhead_cycles));
	record_peer(r, ctx, p, peer.pid());
	return r;
}

} // namespace

std::vector<Result> run_ctxsw_0k(const RunContext &ctx)
{
	return for_each_placement(ctx, [&](Placement p) { return run_ctxsw(ctx, p, "ctxsw-0k", 0); });
}

std::vector<Result> run_ctxsw_16k(const RunContext &ctx)
{
	return for_each_placement(
		ctx, [&](Placement p) { return run_ctxsw(ctx, p, "ctxsw-16k", 16 * 1024); });
}

} // namespace xperf
