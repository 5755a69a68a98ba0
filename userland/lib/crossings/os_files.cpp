// The OS suite's file create and delete, as LMBench's lat_fs times them:
// a file of 0 or 10 KiB created (creat, one write, close) or deleted
// (unlink) in a folder of 100 such files, LMBench's files per folder. The
// other half of the pair runs untimed before each iteration; the files go
// round a ring of 100 names, so the one deleted was made about 100
// iterations before and the folder keeps its 100 entries.
#include "core/sampler.h"
#include "crossings/crossings.h"
#include "crossings/os_scratch.h"

#include <fcntl.h>

#include <fmt/format.h>

#include <cerrno>
#include <string>
#include <vector>

namespace xperf {

namespace {

constexpr std::size_t ring = 100;

enum class FileOp { create, remove };

struct Files {
	Scratch scratch;
	std::vector<std::string> names;
	std::vector<char> data;

	Files(const RunContext &ctx, const char *entry, std::size_t size)
		: scratch(ctx, entry), data(size)
	{
		for (std::size_t i = 0; i < ring; i++) {
			names.push_back(scratch.file(fmt::format("f{:03}", i)));
			make_file(names.back(), size);
		}
		for (std::size_t i = 0; i < size; i++)
			data[i] = static_cast<char>(i * 131 + 7);
	}
	// creat(2), write(2) of the whole file, close(2): lat_fs's mkfile.
	void create(const std::string &name, int extra_flags = O_TRUNC) const
	{
		int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | extra_flags, 0666);
		if (fd < 0) {
			if (errno == EEXIST && (extra_flags & O_EXCL))
				return;
			throw_errno("create " + name);
		}
		ssize_t wrote = data.empty() ? 0 : ::write(fd, data.data(), data.size());
		::close(fd);
		if (wrote != static_cast<ssize_t>(data.size()))
			throw_errno("write " + name);
	}
	void create_if_missing(const std::string &name) const { create(name, O_EXCL); }
	void remove(const std::string &name) const
	{
		if (::unlink(name.c_str()) && errno != ENOENT)
			throw_errno("unlink " + name);
	}
};

std::vector<Result> run_file_op(const RunContext &ctx, FileOp op, std::size_t kib)
{
	const char *crossing = nullptr;
	Files files(ctx, "fs", kib * 1024);
	std::size_t i = 0;
	const std::string *name = &files.names[0];
	Timing t;
	if (op == FileOp::create) {
		crossing = kib ? "file-create-10k" : "file-create-0k";
		// Whatever a round in a process of its own left, each step stands
		// alone: the name is freed, then made.
		t = measure(
			ctx, 1,
			[&] {
				name = &files.names[i++ % ring];
				files.remove(*name);
			},
			[&] { files.create(*name); });
	} else {
		crossing = kib ? "file-delete-10k" : "file-delete-0k";
		t = measure(
			ctx, 1,
			[&] {
				// The one deleted last comes back; this one exists.
				files.create_if_missing(files.names[(i + ring - 1) % ring]);
				name = &files.names[i++ % ring];
				files.create_if_missing(*name);
			},
			[&] {
				if (__builtin_expect(::unlink(name->c_str()) != 0, 0))
					throw_errno("unlink " + *name);
			});
	}
	Result r = files.scratch.result(
		ctx, crossing, fmt::format("{}k", kib), t,
		op == FileOp::create ? "creat(2) of a new file, one write(2) of its bytes, close(2); "
				       "the name is unlinked untimed before (LMBench lat_fs)"
				     : "unlink(2) of a file made about 100 iterations before; files "
				       "are made untimed (LMBench lat_fs)");
	r.detail["file_bytes"] = kib * 1024;
	r.detail["files_in_folder"] = ring;
	if (std::string fs = r.detail.value("scratch_fs", ""); !memory_file_system(fs))
		r.notes.push_back(fmt::format(
			"the scratch folder is on {}, not in memory: creating and deleting files "
			"there depends on what the file system did in the last minutes (its journal, "
			"its allocator, writeback), this run's own files included, and no run "
			"controls that; --dir on a tmpfs (/dev/shm) measures the kernel's own path",
			fs));
	return { r };
}

} // namespace

std::vector<Result> run_file_create_0k(const RunContext &ctx)
{
	return run_file_op(ctx, FileOp::create, 0);
}

std::vector<Result> run_file_delete_0k(const RunContext &ctx)
{
	return run_file_op(ctx, FileOp::remove, 0);
}

std::vector<Result> run_file_create_10k(const RunContext &ctx)
{
	return run_file_op(ctx, FileOp::create, 10);
}

std::vector<Result> run_file_delete_10k(const RunContext &ctx)
{
	return run_file_op(ctx, FileOp::remove, 10);
}

} // namespace xperf
