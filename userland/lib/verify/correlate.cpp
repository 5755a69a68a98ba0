#include "verify/correlate.h"

#include "core/text_list.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>

namespace xperf::verify {

namespace {

constexpr std::size_t max_examples = 5;
constexpr uint64_t kvm_exit_intr = 10; // KVM_EXIT_INTR

// A stretch of the time-ordered stream where the BPF side dropped events.
struct Loss {
	std::size_t lo, hi; // received events on either side (indices)
	uint64_t missing;
};

// Per CPU the sequence counts every event, dropped or not: a jump between
// two received events says how many were lost there. (Within a CPU, time
// order and sequence order can differ by an interrupt's nested event, so
// the jumps are found in sequence order.)
std::vector<Loss> find_losses(const std::vector<Event> &ev)
{
	std::map<uint32_t, std::vector<std::pair<uint64_t, std::size_t>>> by_cpu;
	for (std::size_t i = 0; i < ev.size(); i++)
		by_cpu[ev[i].cpu].emplace_back(ev[i].seq, i);
	std::vector<Loss> out;
	for (auto &[cpu, seqs] : by_cpu) {
		std::sort(seqs.begin(), seqs.end());
		for (std::size_t k = 1; k < seqs.size(); k++) {
			uint64_t jump = seqs[k].first - seqs[k - 1].first;
			if (jump > 1)
				out.push_back({ std::min(seqs[k - 1].second, seqs[k].second),
						std::max(seqs[k - 1].second, seqs[k].second), jump - 1 });
		}
	}
	return out;
}

bool is_fault(uint32_t kind)
{
	return kind == VERIFY_PAGE_FAULT_USER || kind == VERIFY_MM_FAULT ||
	       kind == VERIFY_KVM_PAGE_FAULT;
}

struct Window {
	std::vector<std::size_t> events; // indices into the stream
	std::size_t first = 0, last = 0; // span in the stream, for losses
	bool lost = false;
};

class Correlator {
public:
	Correlator(std::vector<Event> ev, Expectation x, PathReport &r)
		: ev_(std::move(ev)), x_(std::move(x)), r_(r)
	{
		std::stable_sort(ev_.begin(), ev_.end(),
				 [](const Event &a, const Event &b) { return a.ts_ns < b.ts_ns; });
	}

	void run(uint64_t run, std::size_t iterations, uint64_t drops)
	{
		r_.iterations = iterations;
		r_.drops = drops;
		r_.thread = x_.thread;
		r_.problems = x_.problems;
		auto losses = find_losses(ev_);
		for (const auto &l : losses)
			r_.located_losses += l.missing;

		std::vector<Window> w = x_.anchor ? anchored(iterations, losses)
						  : marked(run, iterations, losses);
		drop_silent(w);
		// Drops the stream cannot place (before the first or after the last
		// received event) could be anywhere: nothing is verified then.
		bool unplaced = drops > r_.located_losses;
		if (unplaced)
			r_.problems.push_back(fmt::format(
				"{} events lost (ring buffer full) where they cannot be placed: "
				"no iteration is verified", drops - r_.located_losses));
		if (x_.anchor && r_.anchors_found != iterations)
			r_.problems.push_back(fmt::format("{} iterations, but {} {} in the timed "
							  "phase",
							  iterations, *r_.anchors_found,
							  kind_name(x_.anchor->kind)));

		std::map<uint64_t, std::size_t> pages;
		r_.clean.assign(iterations, false);
		for (std::size_t i = 0; i < w.size(); i++)
			r_.clean[i] = judge(i, w[i], unplaced, pages);
		if (x_.one_page) {
			r_.fault_pages = pages.size();
			if (pages.size() > 1)
				r_.problems.push_back(fmt::format("the expected faults hit {} "
								  "different pages, not one",
								  pages.size()));
		}
		exit_to_entry(w);
	}

private:
	std::vector<Event> ev_;
	Expectation x_;
	PathReport &r_;
	std::size_t phase_begin_ = 0, phase_end_ = 0; // anchored: the timed phase

	// Whether an event is evidence: the followed thread's, when one is.
	bool evidence(const Event &e) const { return !x_.thread || e.tid == x_.thread->tid; }

	// The host-side time from each exit to the next entry of the same
	// thread, within the timed phase (anchored) or the timed regions.
	void exit_to_entry(const std::vector<Window> &w)
	{
		std::vector<std::size_t> timed;
		if (x_.anchor)
			for (std::size_t i = phase_begin_; i < phase_end_; i++)
				timed.push_back(i);
		else
			for (const auto &win : w)
				timed.insert(timed.end(), win.events.begin(), win.events.end());
		std::map<uint32_t, const Event *> open; // by tid
		for (std::size_t i : timed) {
			const Event &e = ev_[i];
			if (!evidence(e))
				continue;
			if (e.kind == VERIFY_KVM_EXIT)
				open[e.tid] = &e;
			else if (e.kind == VERIFY_KVM_ENTRY && open[e.tid]) {
				const Event &x = *open[e.tid];
				uint64_t ns = e.ts_ns - x.ts_ns;
				unsigned bucket = ns ? 1u << (std::bit_width(ns) - 1) : 0;
				r_.exit_to_entry[exit_reason_name(x.arg[1], x.arg[0])][bucket]++;
				open[e.tid] = nullptr;
			}
		}
	}

	// Host crossings: the marks say which iteration's timed region each
	// event fell in. Iterations without events have empty windows.
	std::vector<Window> marked(uint64_t run, std::size_t iterations,
				   const std::vector<Loss> &losses)
	{
		std::vector<Window> w(iterations);
		std::optional<std::size_t> first, last; // this measurement's events
		for (std::size_t i = 0; i < ev_.size(); i++) {
			uint64_t m = ev_[i].mark;
			if (mark_run(m) != run || !evidence(ev_[i]))
				continue;
			if (!first)
				first = i;
			last = i;
			std::size_t it = mark_iteration(m);
			if (!mark_timed(m) || it >= iterations)
				continue;
			if (w[it].events.empty())
				w[it].first = i;
			w[it].last = i;
			w[it].events.push_back(i);
		}
		// A window without events still ran: a loss next to it in the
		// stream, or anywhere when the measurement left no event at all,
		// may have taken its events.
		for (const auto &l : losses) {
			if (!first || (l.lo <= *last && l.hi >= *first)) {
				std::size_t lo = !first || l.lo < *first ? 0 : mark_iteration(ev_[l.lo].mark);
				std::size_t hi = !first || l.hi > *last ? iterations
									  : mark_iteration(ev_[l.hi].mark) + 1;
				for (std::size_t it = lo; it < std::min(hi, iterations); it++)
					w[it].lost = true;
			}
		}
		return w;
	}

	// VM exits: from the begin mark to the end mark, a new iteration at
	// every anchor, so that an iteration holds its exit's handling, the
	// guest's next loop turn and the exit that ends it.
	std::vector<Window> anchored(std::size_t iterations, const std::vector<Loss> &losses)
	{
		std::vector<Window> w;
		std::size_t i = 0;
		if (x_.begin) {
			i = ev_.size();
			for (std::size_t k = ev_.size(); k-- > 0;)
				if (evidence(ev_[k]) && x_.begin->matches(ev_[k])) {
					i = k + 1;
					break;
				}
			if (i == ev_.size())
				r_.problems.push_back(fmt::format(
					"the {} that begins the timed phase is not among {}",
					kind_name(x_.begin->kind),
					x_.thread ? fmt::format("thread {}'s events", x_.thread->tid)
						  : std::string("the events")));
		}
		phase_begin_ = i;
		for (; i < ev_.size(); i++) {
			if (!evidence(ev_[i]))
				continue;
			if (x_.end && x_.end->matches(ev_[i]))
				break;
			if (x_.anchor->matches(ev_[i])) {
				if (!w.empty())
					w.back().last = i - 1;
				w.emplace_back();
				w.back().first = i;
			}
			if (!w.empty())
				w.back().events.push_back(i);
		}
		phase_end_ = i;
		if (!w.empty())
			w.back().last = i ? i - 1 : 0;
		r_.anchors_found = w.size();
		if (w.size() > iterations)
			w.resize(iterations);
		for (const auto &l : losses)
			for (auto &win : w)
				win.lost |= l.hi >= win.first && l.lo <= win.last;
		return w;
	}

	void drop_silent(const std::vector<Window> &w)
	{
		std::vector<Expected> keep;
		for (const auto &ex : x_.events) {
			bool fired = false;
			for (const auto &win : w)
				for (std::size_t i : win.events)
					fired |= ex.what.matches(ev_[i]);
			if (ex.where_it_fires && !fired)
				r_.unobservable.push_back(ex.name + " (attached, never fired)");
			else
				keep.push_back(ex);
		}
		x_.events = std::move(keep);
	}

	const Expected *expected_for(const Event &e) const
	{
		for (const auto &ex : x_.events)
			if (ex.what.matches(e))
				return &ex;
		return nullptr;
	}

	// What one iteration's timed region held, sorted by what each event
	// means for the path.
	struct Tally {
		std::vector<unsigned> counts; // of each expected event
		std::vector<std::string> others, interrupts;
		std::vector<uint64_t> fault_pages; // of the expected faults
		std::vector<std::size_t> second_exits; // kvm_exit events before the last expected
		bool irq = false, preempt = false, fault = false;
		unsigned userspace = 0;
	};

	Tally classify(const Window &w) const
	{
		Tally t;
		t.counts.assign(x_.events.size(), 0);
		std::vector<std::size_t> exits; // kvm_exit events, in order
		for (std::size_t i : w.events) {
			const Event &e = ev_[i];
			// KVM_RUN returned for a signal, not for the exit: an interruption.
			if (e.kind == VERIFY_KVM_USERSPACE_EXIT && e.arg[0] == kvm_exit_intr) {
				t.irq = true;
				t.interrupts.push_back("signal (KVM_EXIT_INTR)");
				continue;
			}
			if (e.kind == VERIFY_KVM_USERSPACE_EXIT)
				t.userspace++;
			if (const Expected *ex = expected_for(e)) {
				t.counts[static_cast<std::size_t>(ex - x_.events.data())]++;
				if (x_.one_page && is_fault(e.kind))
					t.fault_pages.push_back(e.arg[0] >> 12);
				if (e.kind == VERIFY_KVM_EXIT)
					exits.push_back(i);
				continue;
			}
			bool tolerated = std::any_of(x_.tolerated.begin(), x_.tolerated.end(),
						     [&](const Match &m) { return m.matches(e); });
			if (tolerated)
				continue;
			if (e.kind == VERIFY_IRQ) {
				t.irq = true;
				t.interrupts.push_back(interrupt_name(e));
			} else if (e.kind == VERIFY_SWITCH_OUT) {
				t.preempt = true;
			} else if (e.kind == VERIFY_KVM_EXIT) {
				exits.push_back(i);
			} else if (is_fault(e.kind)) {
				t.fault = true;
			} else {
				t.others.push_back(describe(e));
			}
		}
		// Every exit but the one that ends the iteration is a second exit.
		std::size_t expected_exits = 0;
		for (std::size_t k = 0; k < x_.events.size(); k++)
			if (x_.events[k].what.kind == VERIFY_KVM_EXIT) {
				expected_exits = x_.events[k].per_iteration;
				t.counts[k] = std::min<unsigned>(t.counts[k],
								 static_cast<unsigned>(expected_exits));
			}
		for (std::size_t k = 0; k + expected_exits < exits.size(); k++) {
			t.second_exits.push_back(exits[k]);
			const Event &e = ev_[exits[k]];
			t.fault |= exit_is_page_fault(e.arg[1], e.arg[0]);
		}
		return t;
	}

	// Why the iteration is not the expected path; empty when it is.
	std::string mismatch(const Tally &t) const
	{
		std::string why;
		for (std::size_t k = 0; k < x_.events.size(); k++)
			if (t.counts[k] != x_.events[k].per_iteration)
				append_item(why, ", ",
					    fmt::format("{} x{} (expected {})", x_.events[k].name,
							t.counts[k], x_.events[k].per_iteration));
		for (const auto &o : t.others)
			append_item(why, ", ", "unexpected " + o);
		return why;
	}

	// Counts the iteration in; true when it is clean: verified, the
	// expected path and nothing beside it.
	bool judge(std::size_t iteration, const Window &w, bool unplaced,
		   std::map<uint64_t, std::size_t> &pages)
	{
		const Tally t = classify(w);
		for (std::size_t i : w.events)
			r_.timed_events[kind_name(ev_[i].kind)]++;
		for (const auto &name : t.interrupts)
			r_.interrupts[name]++;
		for (uint64_t page : t.fault_pages)
			pages[page]++;
		for (std::size_t i : t.second_exits)
			r_.second_exits[exit_reason_name(ev_[i].arg[1], ev_[i].arg[0])]++;
		if (unplaced || w.lost) {
			r_.unverified++;
			return false;
		}
		std::string why = mismatch(t);
		if (why.empty()) {
			r_.as_expected++;
		} else {
			r_.mismatched++;
			if (r_.examples.size() < max_examples) {
				MismatchExample m{ iteration, why, {} };
				for (std::size_t i : w.events)
					m.events.push_back(describe(ev_[i]));
				r_.examples.push_back(std::move(m));
			}
		}
		bool second = !t.second_exits.empty();
		r_.with_interrupt += t.irq;
		r_.preempted += t.preempt;
		r_.with_page_fault += t.fault;
		r_.with_second_exit += second;
		if (x_.vm) {
			if (t.irq || t.fault || second || t.preempt || t.userspace > 1)
				r_.other_path++;
			else if (t.userspace == 1)
				r_.userspace_round_trip++;
			else
				r_.fast_path++;
		}
		return why.empty() && !t.irq && !t.preempt && !t.fault && !second;
	}
};

std::string plural(std::size_t n, const char *one, const char *many)
{
	return fmt::format("{} {}", n, n == 1 ? one : many);
}

} // namespace

PathReport correlate(std::vector<Event> events, uint64_t run, std::size_t iterations,
		     const Expectation &x, uint64_t drops)
{
	PathReport r;
	r.path = x.path;
	r.vm = x.vm;
	Correlator c(std::move(events), x, r);
	c.run(run, iterations, drops);
	return r;
}

std::string PathReport::summary() const
{
	std::string s = fmt::format("path: {} of {} iterations took {}", as_expected, iterations,
				    path);
	auto by_kind = [](const std::map<std::string, std::size_t> &m) {
		std::string out;
		for (const auto &[k, n] : m)
			out += fmt::format("{}{} {}", out.empty() ? "" : ", ", n, k);
		return out;
	};
	if (vm)
		s += fmt::format("; by iteration: {} the fast path alone, {} the userspace round "
				 "trip alone, {} with something else",
				 fast_path, userspace_round_trip, other_path);
	if (with_interrupt)
		s += fmt::format("; {} had an extra interrupt ({})",
				 with_interrupt, by_kind(interrupts));
	if (with_second_exit)
		s += fmt::format("; {} had a second exit ({})", with_second_exit,
				 by_kind(second_exits));
	if (with_page_fault)
		s += fmt::format("; {} had an extra page fault", with_page_fault);
	if (preempted)
		s += fmt::format("; {} preempted", plural(preempted, "was", "were"));
	if (mismatched)
		s += fmt::format("; {} did not (iteration {}: {})", mismatched,
				 examples.front().iteration, examples.front().why);
	if (unverified)
		s += fmt::format("; {} unverified: {} events lost (ring buffer full)", unverified,
				 drops);
	for (const auto &p : problems)
		s += "; " + p;
	if (!unobservable.empty())
		s += fmt::format(" (not observable here: {})", fmt::join(unobservable, ", "));
	return s;
}

nlohmann::json PathReport::to_json() const
{
	nlohmann::json j = {
		{ "expected", path },
		{ "iterations", iterations },
		{ "as_expected", as_expected },
		{ "mismatched", mismatched },
		{ "unverified", unverified },
		{ "ok", ok() },
		{ "extras", { { "interrupt", with_interrupt },
			      { "preempted", preempted },
			      { "page_fault", with_page_fault },
			      { "second_exit", with_second_exit } } },
		{ "interrupts", interrupts },
		{ "timed_events", timed_events },
		{ "lost", { { "drops", drops }, { "located", located_losses } } },
		{ "problems", problems },
		{ "unobservable", unobservable },
	};
	if (vm) {
		j["paths"] = { { "fast", fast_path },
			       { "userspace_round_trip", userspace_round_trip },
			       { "other", other_path } };
		j["second_exits"] = second_exits;
	}
	if (anchors_found)
		j["anchors_found"] = *anchors_found;
	if (thread)
		j["thread"] = { { "tid", thread->tid ? nlohmann::json(thread->tid) : nullptr },
				{ "found", thread->found } };
	if (fault_pages)
		j["fault_pages"] = fault_pages;
	nlohmann::json ex = nlohmann::json::array();
	for (const auto &m : examples)
		ex.push_back({ { "iteration", m.iteration }, { "why", m.why }, { "events", m.events } });
	j["mismatch_examples"] = ex;
	if (!exit_to_entry.empty()) {
		nlohmann::json h = nlohmann::json::object();
		for (const auto &[reason, buckets] : exit_to_entry) {
			nlohmann::json b = nlohmann::json::object();
			for (const auto &[lo, n] : buckets)
				b[std::to_string(lo)] = n;
			h[reason] = b;
		}
		j["exit_to_entry_ns_log2"] = h;
	}
	return j;
}

} // namespace xperf::verify
