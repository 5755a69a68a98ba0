// The OS suite's bandwidths of files and memory, as LMBench's bw_file_rd
// (io_only), bw_mmap_rd (mmap_only) and bw_mem (rd, wr) move them, in
// 64 KiB chunks, one chunk per timed region. Read bandwidths sum what they
// read, as LMBench's do.
//
// Memory: a 64 MiB buffer, more than the last-level cache a core sees on
// today's x86 parts, on transparent huge pages where the kernel allows, so
// that making it afresh in every round's process takes 32 faults, not
// 16384 (LMBench's malloc'd buffer has them when THP is "always").
// Each memory entry is also timed a whole buffer per sample (variants
// whole-64m), as bw_mem times its passes: a pass lasts milliseconds, so
// where the CPU is shared most passes hold a preemption, and their median
// falls with the load where the 64 KiB chunks' does not.
// Files: 16 MiB, made afresh in every round's scratch folder; a larger one
// costs more to write than to measure.
#include "core/sampler.h"
#include "crossings/crossings.h"
#include "crossings/os_scratch.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <utility>

namespace xperf {

namespace {

constexpr std::size_t memory_bytes = 64 << 20;
constexpr std::size_t file_bytes = 16 << 20;
constexpr std::size_t chunk_bytes = 64 << 10;

using Word = uint64_t;
constexpr std::size_t chunk_words = chunk_bytes / sizeof(Word);
constexpr std::size_t memory_words = memory_bytes / sizeof(Word);

// Where sums go, so that no read is optimised away.
volatile Word sink;

__attribute__((noinline)) Word sum_words(const Word *p, std::size_t n)
{
	Word s = 0;
	for (std::size_t i = 0; i < n; i++)
		s += p[i];
	return s;
}

// One store per word, as bw_mem fwr stores every word; volatile keeps the
// compiler from turning the loop into a call to memset.
__attribute__((noinline)) void store_words(Word *p, std::size_t n, Word value)
{
	volatile Word *v = p;
	for (std::size_t i = 0; i < n; i++)
		v[i] = value;
}

// True once in each process that asks: a round in a process of its own
// does its own preparation there.
class FirstInProcess {
public:
	bool operator()()
	{
		pid_t self = ::getpid();
		return std::exchange(owner_, self) != self;
	}

private:
	pid_t owner_ = 0;
};

// Anonymous memory written by the process that uses it: a round in a
// process of its own would otherwise share its parent's pages copy-on-write
// and take a fault on the first store to each.
class OwnBuffer {
public:
	explicit OwnBuffer(std::size_t bytes) : bytes_(bytes) {}
	Word *get()
	{
		if (first_()) {
			map_.reset();
			map_.emplace(bytes_);
			::madvise(map_->data(), bytes_, MADV_HUGEPAGE);
			store_words(static_cast<Word *>(map_->data()), bytes_ / sizeof(Word), 1);
		}
		return static_cast<Word *>(map_->data());
	}

private:
	std::size_t bytes_;
	std::optional<Mapping> map_;
	FirstInProcess first_;
};

std::string transparent_huge_pages()
{
	std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
	std::string line;
	std::getline(in, line);
	auto open = line.find('['), close = line.find(']');
	return open != std::string::npos && close > open ? line.substr(open + 1, close - open - 1)
							  : "unknown";
}

Result bandwidth_result(const RunContext &ctx, const char *crossing, const char *variant,
			const Timing &t, std::size_t total, const std::string &timed,
			std::size_t per_iteration = chunk_bytes)
{
	Result r = timed_result(ctx, crossing, variant, t);
	r.notes.push_back("timed: " + timed);
	r.detail["bytes_per_iteration"] = per_iteration;
	r.detail["total_bytes"] = total;
	return r;
}

// Offset of chunk n of a region of total bytes, going round.
std::size_t chunk_offset(std::size_t n, std::size_t total)
{
	return n % (total / chunk_bytes) * chunk_bytes;
}

// Variant whole-64m of a memory entry: pass over the whole buffer, a pass
// per sample; as many samples as its chunks would take the same time for,
// at least five, and a warm-up of one pass.
template <class Pass>
Result whole_buffer_result(const RunContext &ctx, OwnBuffer &buf, const char *crossing,
			   const std::string &timed, Pass pass)
{
	constexpr std::size_t chunks = memory_bytes / chunk_bytes;
	RunContext whole = ctx;
	whole.opt.samples = std::max<std::size_t>(5, ctx.opt.samples * 16 / chunks);
	whole.opt.warmup = 1;
	Word *all = nullptr;
	Timing t = measure(whole, 1, [&] { all = buf.get(); }, [&] { pass(all); });
	return bandwidth_result(whole, crossing, "whole-64m", t, memory_bytes, timed,
				memory_bytes);
}

} // namespace

std::vector<Result> run_bw_file_reread(const RunContext &ctx)
{
	Scratch scratch(ctx, "bw-file");
	UniqueFd fd = make_file(scratch.file("data"), file_bytes);
	OwnBuffer buf(chunk_bytes);
	std::size_t next = 0;
	Word *p = nullptr;
	// The file's offset is shared with a round's own process: each read
	// says where it starts.
	auto seek = [&] {
		p = buf.get();
		if (::lseek(fd.get(), static_cast<off_t>(chunk_offset(next++, file_bytes)), SEEK_SET) < 0)
			throw_errno("lseek");
	};
	Timing t = measure(ctx, 1, seek, [&] {
		if (__builtin_expect(::read(fd.get(), p, chunk_bytes) != chunk_bytes, 0))
			throw_errno("read of the cached file");
		sink = sum_words(p, chunk_words);
	});
	Result r = bandwidth_result(ctx, "bw-file-reread", "read-64k", t, file_bytes,
				    "read(2) of 64 KiB of a 16 MiB file in the page cache into a "
				    "buffer, then summing it (LMBench bw_file_rd io_only); the offset "
				    "is set untimed");
	scratch.describe(r);
	return { r };
}

std::vector<Result> run_bw_mmap_reread(const RunContext &ctx)
{
	Scratch scratch(ctx, "bw-mmap");
	UniqueFd fd = make_file(scratch.file("data"), file_bytes);
	FileMapping map(fd.get(), file_bytes, PROT_READ, MAP_SHARED);
	const auto *words = reinterpret_cast<const Word *>(map.data());
	// fork does not copy the page table of a shared file mapping: each
	// process maps the file in, untimed, before its first chunk.
	FirstInProcess first;
	std::size_t next = 0;
	const Word *chunk = words;
	auto next_chunk = [&] {
		if (first())
			sink = sum_words(words, file_bytes / sizeof(Word));
		chunk = words + chunk_offset(next++, file_bytes) / sizeof(Word);
	};
	Timing t = measure(ctx, 1, next_chunk, [&] { sink = sum_words(chunk, chunk_words); });
	Result r = bandwidth_result(ctx, "bw-mmap-reread", "sum-64k", t, file_bytes,
				    "summing 64 KiB of a 16 MiB file mapped shared and read only, "
				    "mapped in untimed (LMBench bw_mmap_rd mmap_only)");
	scratch.describe(r);
	return { r };
}

std::vector<Result> run_bw_mem_read(const RunContext &ctx)
{
	OwnBuffer buf(memory_bytes);
	std::size_t next = 0;
	const Word *chunk = nullptr;
	Timing t = measure(
		ctx, 1, [&] { chunk = buf.get() + chunk_offset(next++, memory_bytes) / sizeof(Word); },
		[&] { sink = sum_words(chunk, chunk_words); });
	Result r = bandwidth_result(ctx, "bw-mem-read", "sum-64k", t, memory_bytes,
				    "summing 64 KiB of a 64 MiB anonymous buffer, chunk after chunk "
				    "(LMBench bw_mem rd)");
	r.detail["transparent_hugepage"] = transparent_huge_pages();

	Result rw = whole_buffer_result(ctx, buf, "bw-mem-read",
					"summing the whole 64 MiB anonymous buffer (LMBench bw_mem "
					"64m frd, a pass per sample)",
					[](Word *all) { sink = sum_words(all, memory_words); });
	rw.detail["transparent_hugepage"] = r.detail["transparent_hugepage"];
	return { r, rw };
}

std::vector<Result> run_bw_mem_write(const RunContext &ctx)
{
	OwnBuffer buf(memory_bytes);
	std::size_t next = 0;
	Word *chunk = nullptr;
	Timing t = measure(
		ctx, 1, [&] { chunk = buf.get() + chunk_offset(next++, memory_bytes) / sizeof(Word); },
		[&] { store_words(chunk, chunk_words, next); });
	Result r = bandwidth_result(ctx, "bw-mem-write", "store-64k", t, memory_bytes,
				    "one 8-byte store to every word of 64 KiB of a 64 MiB anonymous "
				    "buffer, chunk after chunk (LMBench bw_mem wr)");
	r.detail["transparent_hugepage"] = transparent_huge_pages();

	Result rw = whole_buffer_result(ctx, buf, "bw-mem-write",
					"one 8-byte store to every word of the whole 64 MiB anonymous "
					"buffer (LMBench bw_mem 64m fwr, a pass per sample)",
					[&](Word *all) { store_words(all, memory_words, next++); });
	rw.detail["transparent_hugepage"] = r.detail["transparent_hugepage"];
	return { r, rw };
}

} // namespace xperf
