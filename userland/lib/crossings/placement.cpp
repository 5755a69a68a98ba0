#include "crossings/placement.h"

#include "core/affinity.h"
#include "core/error.h"
#include "core/sysroot.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <array>

namespace xperf {

namespace {

struct Choice {
	std::string_view name;
	std::string_view meaning;
};

constexpr std::array<Choice, 4> choices = { {
	{ "both", "same-cpu, then other-cpu" },
	{ "same-cpu", "the peer on the measuring CPU" },
	{ "other-cpu", "the peer pinned to another CPU" },
	{ "free", "nothing pinned, the scheduler places both: LMBench's way" },
} };

std::set<int> online_cpus()
{
	return cpus_other_than(-1);
}

std::vector<Placement> asked_for(const Options &opt)
{
	if (opt.placement == "free")
		return { Placement::free };
	if (opt.placement == "same-cpu")
		return { Placement::same_cpu };
	if (opt.placement == "other-cpu")
		return { Placement::other_cpu };
	return { Placement::same_cpu, Placement::other_cpu };
}

} // namespace

std::string_view placement_name(Placement p)
{
	switch (p) {
	case Placement::same_cpu:
		return "same-cpu";
	case Placement::other_cpu:
		return "other-cpu";
	case Placement::free:
		return "free";
	}
	return "?";
}

std::string placement_choices()
{
	std::string out;
	for (const Choice &c : choices)
		out += fmt::format("{}{} ({})", out.empty() ? "" : ", ", c.name, c.meaning);
	return out;
}

std::vector<std::string> placement_values()
{
	std::vector<std::string> out;
	for (const Choice &c : choices)
		out.emplace_back(c.name);
	return out;
}

std::string placement_problem(const std::string &value)
{
	for (const Choice &c : choices)
		if (value == c.name)
			return "";
	return fmt::format("'{}' is no placement: name one of both, same-cpu, other-cpu, free",
			   value);
}

bool free_placement(const Options &opt)
{
	return opt.placement == "free";
}

std::set<int> peer_cpus(Placement p, int cpu)
{
	switch (p) {
	case Placement::same_cpu:
		return { cpu };
	case Placement::other_cpu: {
		std::set<int> others = cpus_other_than(cpu);
		if (others.empty())
			return {};
		return { *others.begin() };
	}
	case Placement::free:
		return online_cpus();
	}
	return {};
}

OsChild place_peer(const RunContext &ctx, Placement p, const std::function<void()> &body)
{
	ScopedAffinity there(peer_cpus(p, ctx.cpu));
	return OsChild(body);
}

void record_peer(Result &r, const RunContext &ctx, Placement p, pid_t peer)
{
	nlohmann::json place = { { "placement", placement_name(p) },
				 { "measuring_cpu", ctx.cpu },
				 { "peer_cpus", format_cpu_list(peer_cpus(p, ctx.cpu)) } };
	if (auto seen = thread_place(peer, peer)) {
		place["peer_affinity"] = seen->affinity;
		if (seen->cpu)
			place["peer_last_cpu"] = *seen->cpu;
	}
	r.detail["placement"] = std::move(place);
	r.method["placement"] = placement_name(p);
}

std::vector<Result> for_each_placement(const RunContext &ctx, const PlacedMeasure &measure)
{
	std::vector<Result> out;
	bool left_out = false;
	for (Placement p : asked_for(ctx.opt)) {
		if (p == Placement::other_cpu && peer_cpus(p, ctx.cpu).empty()) {
			left_out = true;
			continue;
		}
		// Free: the measuring process goes where the scheduler puts it too.
		ScopedAffinity anywhere(p == Placement::free ? online_cpus() : std::set<int>{});
		Result r = measure(p);
		r.variant += "/";
		r.variant += placement_name(p);
		out.push_back(std::move(r));
	}
	if (left_out) {
		if (out.empty())
			throw unavailable("the peer cannot be pinned to another CPU: this machine "
					  "has one online CPU",
					  "measure with --placement same-cpu or free");
		out.front().notes.push_back(
			"other-cpu: not measured, the measuring CPU is the only online one");
	}
	return out;
}

} // namespace xperf
