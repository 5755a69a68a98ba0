// alloc: malloc latency (FlexOS's allocation figure) for a block from the
// small bins, a page, and one above the mmap threshold, which is itself a
// crossing into the kernel.
#include "core/sampler.h"
#include "crossings/crossings.h"

#include <gnu/libc-version.h>
#include <malloc.h>

#include <cstdlib>
#include <string>

namespace xperf {

std::vector<Result> run_alloc(const RunContext &ctx)
{
	constexpr std::size_t mmap_threshold = 128 * 1024;
	// A fixed threshold: glibc otherwise raises it after the first free of
	// an mmapped block, and the large variant would stop calling mmap.
	mallopt(M_MMAP_THRESHOLD, static_cast<int>(mmap_threshold));

	std::vector<Result> out;
	for (std::size_t size : { std::size_t{ 64 }, std::size_t{ 4096 }, 2 * mmap_threshold }) {
		void *block = nullptr;
		auto release = [&block] {
			free(block);
			block = nullptr;
		};
		auto allocate = [&block, size] {
			block = malloc(size);
			asm volatile("" : : "r"(block) : "memory");
		};
		Timing t = measure(ctx, 1, release, allocate);
		release();
		std::string kind = size >= mmap_threshold ? "mmap" : "heap";
		Result r = timed_result(ctx, "alloc", "malloc-" + std::to_string(size), t);
		r.detail = { { "size", size },
			     { "backing", kind },
			     { "allocator", std::string("glibc ") + gnu_get_libc_version() },
			     { "mmap_threshold", mmap_threshold } };
		r.notes.push_back("free() of the previous block runs untimed before each malloc");
		out.push_back(std::move(r));
	}
	return out;
}

} // namespace xperf
