// The OS suite's file mapping latencies: a page fault on a mapped file
// (LMBench lat_pagefault) and making, touching and breaking down a file
// mapping (LMBench lat_mmap). The files are in the scratch folder.
#include "core/host_setup.h"
#include "core/sampler.h"
#include "crossings/crossings.h"
#include "crossings/os_scratch.h"

#include <sys/mman.h>
#include <unistd.h>

namespace xperf {

namespace {

constexpr std::size_t mmap_bytes = 8 << 20;
constexpr std::size_t mmap_stride = 16 << 10; // lat_mmap's PSIZE
constexpr std::size_t mmap_touched = mmap_bytes / 10;

std::size_t page_size()
{
	return static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
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
	return { r };
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
