// The OS suite's file mapping latencies: a page fault on a mapped file
// (LMBench lat_pagefault) and making, touching and breaking down a file
// mapping (LMBench lat_mmap). The files are in the scratch folder.
#include "core/host_setup.h"
#include "core/sampler.h"
#include "core/stats.h"
#include "core/sysroot.h"
#include "crossings/crossings.h"
#include "crossings/os_scratch.h"

#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <numeric>
#include <optional>
#include <random>
#include <vector>

namespace xperf {

namespace {

constexpr std::size_t mmap_bytes = 8 << 20;
constexpr std::size_t mmap_stride = 16 << 10; // lat_mmap's PSIZE
constexpr std::size_t mmap_touched = mmap_bytes / 10;

// lat_pagefault's file: the lmbench script's, $MB (8 by default) MiB
// written by lmdd in blocks of its default 8 KiB.
constexpr std::size_t per_page_bytes = 8 << 20, per_page_block = 8 << 10;
// Mappings whose touches are counted for faults_per_page, after the timed ones.
constexpr std::size_t counted_mappings = 4;
// An iteration of per-page touches each of the file's 2048 pages: it takes
// a 50th of the entry's samples per round and a 25th of its warm-up (at
// least one of each).
constexpr std::size_t per_page_fewer_samples = 50, per_page_fewer_warmup = 25;

std::size_t page_size()
{
	return static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

// The offset of every page of a file of n pages, shuffled: lat_pagefault
// touches its pages in a random permutation. The seed is fixed, so that
// every part touches them in the same order.
std::vector<std::size_t> shuffled_pages(std::size_t n, std::size_t page)
{
	std::vector<std::size_t> offsets(n);
	std::iota(offsets.begin(), offsets.end(), std::size_t{ 0 });
	for (auto &o : offsets)
		o *= page;
	std::shuffle(offsets.begin(), offsets.end(), std::mt19937_64(n));
	return offsets;
}

long thread_minor_faults()
{
	rusage ru{};
	::getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_minflt;
}

// A mapping of the whole file, made afresh, whose pages are read once each
// in the shuffled order.
class FreshMapping {
public:
	FreshMapping(int fd, std::size_t bytes, std::vector<std::size_t> order)
		: fd_(fd), bytes_(bytes), order_(std::move(order))
	{
	}
	void map()
	{
		map_.emplace(fd_, bytes_, PROT_READ, MAP_SHARED);
		base_ = map_->data();
	}
	void touch_all()
	{
		for (std::size_t offset : order_)
			(void)base_[offset];
	}
	void unmap() { map_.reset(); }
	std::size_t pages() const { return order_.size(); }

private:
	int fd_;
	std::size_t bytes_;
	std::vector<std::size_t> order_;
	std::optional<FileMapping> map_;
	const volatile char *base_ = nullptr;
};

// Minor faults per page touched, counted by getrusage around the touches of
// a few fresh mappings, as the timed iterations make them.
struct FaultCount {
	long faults = 0;
	std::size_t pages = 0;
	double per_page() const { return static_cast<double>(faults) / static_cast<double>(pages); }
};

FaultCount count_faults(FreshMapping &m)
{
	FaultCount c;
	for (std::size_t k = 0; k < counted_mappings; k++) {
		m.map();
		long before = thread_minor_faults();
		m.touch_all();
		c.faults += thread_minor_faults() - before;
		c.pages += m.pages();
		m.unmap();
	}
	return c;
}

// fault_around_bytes, where debugfs is mounted and readable.
std::optional<long> fault_around_bytes()
{
	long bytes = 0;
	auto text = read_text("/", "sys/kernel/debug/fault_around_bytes");
	if (!text || std::from_chars(text->data(), text->data() + text->size(), bytes).ec != std::errc())
		return std::nullopt;
	return bytes;
}

// lat_pagefault's figure: every page of a fresh mapping of an 8 MiB cached
// file read once in a random order, then munmap, less the munmap of a
// mapping left untouched (lat_pagefault subtracts a loop of munmap, mmap
// and msync), divided by the pages.
Result per_page(const RunContext &ctx, const Scratch &scratch)
{
	const std::size_t page = page_size();
	UniqueFd fd = make_file(scratch.file("pages"), per_page_bytes, per_page_block);
	FreshMapping m(fd.get(), per_page_bytes, shuffled_pages(per_page_bytes / page, page));
	// Locked as they fault, the pages would cost the locking too; locked
	// at mmap, they would not fault at all.
	NewMappingsUnlocked unlocked;
	RunContext own = ctx;
	own.opt.samples = std::max<std::size_t>(1, ctx.opt.samples / per_page_fewer_samples);
	own.opt.warmup = std::max<std::size_t>(1, ctx.opt.warmup / per_page_fewer_warmup);
	auto map = [&] { m.map(); };
	const double unmap_untouched =
		describe(measure(own, 1, map, [&] { m.unmap(); }).cycles).median;
	Timing t = measure(own, 1, map, [&] {
		m.touch_all();
		m.unmap();
	});
	const double pages = static_cast<double>(m.pages());
	for (double &c : t.cycles)
		c = (c - unmap_untouched) / pages;
	const FaultCount faults = count_faults(m);
	Result r = scratch.result(
		own, "file-fault", "per-page", t,
		"a read of one byte of every page of a fresh read-only shared mapping of an 8 MiB "
		"file written in 8 KiB blocks and in the page cache, in a random order, and munmap, less the munmap of an "
		"untouched mapping, per page (LMBench lat_pagefault); the kernel maps up to "
		"fault_around_bytes of the file's cached pages around each fault, so a page takes "
		"a share of a fault (detail.faults_per_page)");
	r.method["net"] = "per page: (touches of every page and munmap - median empty region - "
			  "median munmap of an untouched mapping) / pages; mmap untimed";
	r.detail["page_size"] = page;
	r.detail["mapped_bytes"] = per_page_bytes;
	r.detail["written_in_bytes"] = per_page_block;
	r.detail["pages_per_iteration"] = m.pages();
	r.detail["unmap_untouched_cycles"] = unmap_untouched;
	r.detail["minor_faults_counted"] = faults.faults;
	r.detail["pages_counted"] = faults.pages;
	r.detail["faults_per_page"] = faults.per_page();
	if (auto around = fault_around_bytes())
		r.detail["fault_around_bytes"] = *around;
	return r;
}

} // namespace

std::vector<Result> run_file_fault(const RunContext &ctx)
{
	const std::size_t page = page_size();
	Scratch scratch(ctx, "file-fault");
	UniqueFd fd = make_file(scratch.file("mapped"), page);
	// One page mapped, read only and shared as lat_pagefault maps its file:
	// fault-around has no neighbour to map, so a fault is this one page.
	FileMapping map(fd.get(), page, PROT_READ, MAP_SHARED);
	// mlockall(MCL_FUTURE) would lock the page, and MADV_DONTNEED refuses
	// locked pages.
	::munlock(map.data(), page);
	volatile char *p = map.data();
	(void)*p; // in the page cache before the first timed fault
	auto rearm = [&] {
		if (::madvise(map.data(), page, MADV_DONTNEED))
			throw_errno("madvise(MADV_DONTNEED) of the file page");
	};
	Timing t = measure(ctx, 1, rearm, [p] { (void)*p; });
	Result r = scratch.result(ctx, "file-fault", "shared-file-read", t,
				"a read of a page of a file mapped shared and read only, whose "
				"page table entry MADV_DONTNEED dropped untimed; the page stays in the "
				"page cache: a minor fault (LMBench lat_pagefault, which averages over "
				"the pages of a large file and lets fault-around map neighbours)");
	r.detail["page_size"] = page;
	return { r, per_page(ctx, scratch) };
}

std::vector<Result> run_mmap(const RunContext &ctx)
{
	Scratch scratch(ctx, "mmap");
	UniqueFd fd = make_file(scratch.file("mapped"), mmap_bytes);
	const char value = static_cast<char>(mmap_bytes & 0xff);
	// Mappings locked as they fault would add the locking to every store and
	// the unlocking to munmap.
	NewMappingsUnlocked unlocked;
	Timing t = measure(ctx, 1, [] {}, [&] {
		void *where = ::mmap(nullptr, mmap_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
				     fd.get(), 0);
		if (__builtin_expect(where == MAP_FAILED, 0))
			throw_errno("mmap of the scratch file");
		auto *base = static_cast<volatile char *>(where);
		for (std::size_t off = 0; off < mmap_touched; off += mmap_stride)
			base[off] = value;
		::munmap(where, mmap_bytes);
	});
	Result r = scratch.result(ctx, "mmap", "8m", t,
				"mmap(2) of an 8 MiB file shared read-write, a store every 16 KiB "
				"of its first tenth, munmap(2) (LMBench lat_mmap 8m)");
	r.detail["mapped_bytes"] = mmap_bytes;
	r.detail["pages_written"] = (mmap_touched + mmap_stride - 1) / mmap_stride;
	return { r };
}

} // namespace xperf
