// pgfault: the user-visible round trip of a minor fault on a fresh
// anonymous page. Each iteration re-arms the page with MADV_DONTNEED
// (untimed) and writes to it (timed): the kernel allocates and zeroes a page.
#include "core/sampler.h"
#include "core/unique_fd.h"
#include "crossings/crossings.h"
#include "crossings/legs.h"

#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace xperf {

namespace {

// This thread's and those of the parts that ran in processes of their own
// (reaped children count once they are waited for).
long minor_faults()
{
	rusage self{}, children{};
	getrusage(RUSAGE_THREAD, &self);
	getrusage(RUSAGE_CHILDREN, &children);
	return self.ru_minflt + children.ru_minflt;
}

} // namespace

std::vector<Result> run_pgfault(const RunContext &ctx)
{
	const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
	Mapping map(page);
	// mlockall(MCL_FUTURE) would lock the page, and MADV_DONTNEED refuses
	// locked pages; no huge page either, the figure is for one 4 KiB fault.
	munlock(map.data(), page);
	madvise(map.data(), page, MADV_NOHUGEPAGE);
	auto *p = static_cast<volatile char *>(map.data());

	auto rearm = [&] {
		if (madvise(map.data(), page, MADV_DONTNEED))
			throw std::runtime_error(std::string("madvise(MADV_DONTNEED): ") +
						 std::strerror(errno));
	};
	auto touch = [p] { *p = 1; };

	const auto page_addr = reinterpret_cast<uint64_t>(map.data());
	auto this_page = [page_addr, page](const xperf_record &rec) {
		return rec.kind == XPERF_KIND_PGFAULT && (rec.arg & ~(page - 1)) == page_addr;
	};

	long before = minor_faults();
	// One fault per timed region: batching would not re-arm.
	std::vector<Result> out =
		measure_with_legs(ctx, "pgfault", "anon-write", 1, rearm, touch, this_page);
	long faults = minor_faults() - before;

	Result &r = out.front();
	std::size_t expected = ctx.opt.warmup + r.cycles.size();
	r.detail["page_size"] = page;
	r.detail["minor_faults_expected"] = expected;
	r.detail["minor_faults_counted"] = faults;
	if (faults < static_cast<long>(expected))
		r.notes.push_back("fewer minor faults than iterations: some writes did not fault");
	return out;
}

} // namespace xperf
