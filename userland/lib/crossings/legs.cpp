#include "crossings/legs.h"

#include "crossings/syscall_probe.h"


#include <algorithm>
#include <numeric>

#include <fmt/format.h>

namespace xperf {

Legs split_legs(const std::vector<uint64_t> &starts, const std::vector<uint64_t> &ends,
		std::vector<xperf_record> records)
{
	Legs legs;
	legs.iterations = std::min(starts.size(), ends.size());
	std::vector<std::size_t> order(legs.iterations);
	std::iota(order.begin(), order.end(), 0);
	std::sort(order.begin(), order.end(),
		  [&](std::size_t a, std::size_t b) { return starts[a] < starts[b]; });
	std::sort(records.begin(), records.end(),
		  [](const xperf_record &a, const xperf_record &b) {
			  return a.kernel_entry_tsc < b.kernel_entry_tsc;
		  });

	auto rec = records.begin();
	for (std::size_t i : order) {
		while (rec != records.end() && rec->kernel_entry_tsc < starts[i])
			++rec; // warm-up crossings, or another region's leftovers
		auto first = rec;
		while (rec != records.end() && rec->kernel_entry_tsc <= ends[i])
			++rec;
		std::size_t inside = static_cast<std::size_t>(rec - first);
		if (inside > 1)
			legs.ambiguous++;
		if (inside != 1 || !(first->flags & XPERF_REC_KEXIT) ||
		    first->kernel_exit_tsc > ends[i])
			continue;
		if (first->flags & XPERF_REC_MIGRATED) {
			legs.migrated++;
			continue;
		}
		legs.matched++;
		const xperf_record &r = *first;
		legs.user_kernel.push_back(static_cast<double>(r.kernel_entry_tsc - starts[i]));
		legs.kernel.push_back(static_cast<double>(r.kernel_exit_tsc - r.kernel_entry_tsc));
		legs.kernel_user.push_back(static_cast<double>(ends[i] - r.kernel_exit_tsc));
		if ((r.flags & XPERF_REC_ENTRY) && r.entry_tsc >= starts[i]) {
			legs.hardware_entry.push_back(static_cast<double>(r.entry_tsc - starts[i]));
			legs.entry_code.push_back(static_cast<double>(r.kernel_entry_tsc - r.entry_tsc));
		}
		if ((r.flags & XPERF_REC_EXIT) && r.exit_tsc <= ends[i]) {
			legs.exit_code.push_back(static_cast<double>(r.exit_tsc - r.kernel_exit_tsc));
			legs.hardware_exit.push_back(static_cast<double>(ends[i] - r.exit_tsc));
		}
	}
	return legs;
}

namespace {

Result leg_result(const Result &round_trip, const char *leg,
		  const std::vector<double> &cycles, const char *what)
{
	Result r;
	r.crossing = round_trip.crossing;
	r.variant = round_trip.variant + "/" + leg;
	r.tsc_hz = round_trip.tsc_hz;
	r.cycles = cycles;
	r.round_sizes = { cycles.size() };
	r.method = round_trip.method;
	r.method["side"] = "user region stamps + kernel stamps (xperf.ko)";
	r.method["net"] = "as stamped; the empty timed region's cost is inside the "
			  "user_to_kernel and kernel_to_user legs";
	r.method["leg"] = what;
	r.analyse();
	return r;
}

double median(std::vector<double> v)
{
	return describe(v).median;
}

} // namespace

std::vector<Result> results_with_legs(Result round_trip, const Legs &legs,
				      const nlohmann::json &module_detail)
{
	nlohmann::json d = module_detail;
	d["iterations"] = legs.iterations;
	d["matched"] = legs.matched;
	d["ambiguous"] = legs.ambiguous;
	d["migrated"] = legs.migrated;
	// The asm stamps split each leg: the timer edge and the hardware
	// transition on one side, the entry code with KPTI's CR3 switch on the other.
	for (auto [name, v] : { std::pair{ "hardware_entry_median_cycles", &legs.hardware_entry },
				{ "entry_code_median_cycles", &legs.entry_code },
				{ "exit_code_median_cycles", &legs.exit_code },
				{ "hardware_exit_median_cycles", &legs.hardware_exit } })
		if (!v->empty())
			d[name] = median(*v);
	round_trip.detail["legs"] = d;
	if (legs.matched == 0) {
		round_trip.notes.push_back(
			"xperf.ko recorded no crossing inside the timed regions: round trip only");
		return { round_trip };
	}
	if (legs.matched < legs.iterations)
		round_trip.notes.push_back(fmt::format(
			"legs from {} of {} iterations: the others had no single kernel record "
			"(ring full: {} dropped; or another crossing inside the region)",
			legs.matched, legs.iterations, module_detail.value("dropped", 0)));
	std::vector<Result> out;
	out.push_back(leg_result(round_trip, "user_to_kernel", legs.user_kernel,
				 "region start -> kernel C handler"));
	out.push_back(leg_result(round_trip, "in_kernel", legs.kernel,
				 "kernel C handler -> kernel exit work done"));
	out.push_back(leg_result(round_trip, "kernel_to_user", legs.kernel_user,
				 "kernel exit work done -> region end"));
	out.insert(out.begin(), std::move(round_trip));
	return out;
}

std::string legs_unavailable_reason()
{
	SyscallProbe probe = probe_nop_syscall();
	if (probe.path != SyscallProbe::Path::xperf_nop)
		return "kernel without the xperf patch (syscall 500 is not the xperf no-op)";
	std::string why = ModuleSession::unavailable_reason();
	return why.empty() ? ModuleSession::stamps_off_reason() : why;
}

} // namespace xperf
