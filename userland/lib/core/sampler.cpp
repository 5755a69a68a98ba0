#include "core/sampler.h"

#include "core/child_process.h"
#include "core/error.h"
#include "core/method.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <new>
#include <stdexcept>

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <fmt/format.h>

namespace xperf {

namespace detail {

Stamps::Stamps(std::size_t n) : n_(n), start_(nullptr)
{
	void *p = mmap(nullptr, std::max<std::size_t>(2 * n, 1) * sizeof(uint64_t),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		throw std::runtime_error(std::string("mmap of the sample buffer: ") +
					 std::strerror(errno));
	start_ = static_cast<uint64_t *>(p);
	touch();
}

Stamps::~Stamps()
{
	munmap(start_, std::max<std::size_t>(2 * n_, 1) * sizeof(uint64_t));
}

void Stamps::touch()
{
	std::memset(start_, 0, 2 * n_ * sizeof(uint64_t));
}

SharedCounters::SharedCounters() : c_(nullptr)
{
	void *p = mmap(nullptr, sizeof(RoundCounters), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		throw std::runtime_error(std::string("mmap of a round's counters: ") +
					 std::strerror(errno));
	c_ = new (p) RoundCounters{};
}

SharedCounters::~SharedCounters()
{
	c_->~RoundCounters();
	munmap(c_, sizeof(RoundCounters));
}

void run_in_child(const std::function<void()> &part)
{
	// It ends with its parent, with SIGTERM: its own scratch (its slots
	// in the signal handler's table) goes with it.
	ChildProcess child = ChildProcess::start("a part of the measurement", SIGTERM, [&] {
		part();
		return 0;
	});
	ChildStatus status = child.wait();
	// A part that failed said why on standard error.
	if (!status.success())
		throw failed("a part of the measurement (its own process) " + status.text());
}

double median_region(const Stamps &s)
{
	std::vector<uint64_t> v(s.size());
	for (std::size_t i = 0; i < v.size(); i++)
		v[i] = s.end()[i] - s.start()[i];
	if (v.empty())
		return 0;
	auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
	std::nth_element(v.begin(), mid, v.end());
	double hi = static_cast<double>(*mid);
	if (v.size() % 2)
		return hi;
	double lo = static_cast<double>(*std::max_element(v.begin(), mid));
	return (lo + hi) / 2;
}

double wall_ns()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

void sleep_until(double at_ns)
{
	double now = wall_ns();
	if (now >= at_ns)
		return;
	auto ns = static_cast<long long>(at_ns - now);
	timespec ts{ static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000) };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void wait_for_part(double wall0, unsigned round, const Options &opt)
{
	if (opt.span_s <= 0 || opt.rounds < 2 || round == 0)
		return;
	sleep_until(wall0 + opt.span_s * 1e9 * round / opt.rounds);
}

bool ci_within(const std::vector<double> &cycles, const std::vector<std::size_t> &round_sizes,
	       double width)
{
	Result r;
	r.cycles = cycles;
	r.round_sizes = round_sizes;
	r.analyse();
	return r.relative_ci_width() <= width;
}

BatchChoice fixed_batch(const Options &opt, std::size_t batch)
{
	if (batch == batch_on_request)
		return opt.batch ? BatchChoice{ opt.batch, BatchBy::user } : BatchChoice{};
	return BatchChoice{ std::max<std::size_t>(batch, 1), BatchBy::crossing };
}

std::optional<BatchChoice> given_batch(const RunContext &ctx)
{
	const Options &opt = ctx.opt;
	if (opt.batch)
		return BatchChoice{ opt.batch, BatchBy::user };
	if (ctx.marks || opt.verify != Options::Verify::off)
		return BatchChoice{ 1, BatchBy::verify };
	return opt.pilot_batch;
}

PilotStage pilot_stage(const Stamps &empty, const Stamps &full, std::size_t batch,
		       std::vector<double> &lengths)
{
	for (const Stamps *s : { &empty, &full })
		for (std::size_t i = 0; i < s->size(); i++)
			lengths.push_back(static_cast<double>(s->end()[i] - s->start()[i]));
	return { (median_region(full) - median_region(empty)) / static_cast<double>(batch),
		 resolution(lengths) };
}

} // namespace detail

Result timed_result(const RunContext &ctx, std::string crossing, std::string variant,
		    const Timing &t, std::string side)
{
	Result r;
	r.crossing = std::move(crossing);
	r.variant = std::move(variant);
	r.tsc_hz = ctx.tsc.hz;
	r.cycles = t.cycles;
	r.round_sizes = t.round_sizes;
	r.part_counters = t.counters;
	r.method = Method{ "lfence;rdtsc;lfence .. rdtscp;lfence", std::move(side),
			   t.overhead_cycles, "per crossing: (region - median empty region) / batch",
			   ctx.opt.warmup, ctx.cpu, ctx.tsc.source }
			   .to_json();
	r.method["batch"] = t.batching.batch;
	r.method["batch_choice"] = to_json(t.batching);
	r.method["part_processes"] = t.part_processes;
	if (t.injected_adds)
		r.method["injected_adds"] = t.injected_adds;
	if (t.adaptive)
		r.method["adaptive"] = { { "ci_width", ctx.opt.ci_width },
					 { "max_samples", ctx.opt.max_samples },
					 { "reached", t.ci_reached } };
	if (t.span_wall_ns > 0 && ctx.tsc.hz > 0) {
		double seen_hz = static_cast<double>(t.span_tsc) * 1e9 / t.span_wall_ns;
		r.method["clock_check"] = { { "tsc_cycles", t.span_tsc },
					    { "wall_ns", t.span_wall_ns },
					    { "tsc_hz_seen", seen_hz } };
		if (std::fabs(seen_hz / ctx.tsc.hz - 1) > 0.02)
			r.notes.push_back(fmt::format(
				"over the timed rounds the TSC ran at {:.1f} MHz against the wall "
				"clock, not {:.1f} MHz: cycles here are not time (a hypervisor "
				"hiding or scaling time?)",
				seen_hz / 1e6, ctx.tsc.hz / 1e6));
	}
	double step = resolution(t.cycles);
	r.method["resolution_cycles"] = step;
	if (!t.cycles.empty() && median_ci_of(t.cycles).hi < 2 * step)
		r.notes.push_back(fmt::format(
			"the median is within two timer steps ({:.1f} cycles): below what a "
			"single timed region resolves here; batch the crossing where it allows",
			step));
	if (t.adaptive && !t.ci_reached)
		r.notes.push_back("adaptive sampling stopped at --max-samples before the "
				  "median's confidence interval reached the requested width");
	r.analyse();
	return r;
}

} // namespace xperf
