// The OS suite's simple system calls, as LMBench's lat_syscall and
// lat_select time them: null I/O (one byte read from /dev/zero, one
// written to /dev/null), stat, fstat, open+close of a file, and select on
// 100 file descriptors. Each timed region is one call or a batch of them
// (auto_batch: where the timer is coarse, as many as its step needs).
#include "core/error.h"
#include "core/sampler.h"
#include "crossings/crossings.h"
#include "crossings/os_scratch.h"

#include <fcntl.h>
#include <sys/select.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include <algorithm>

#include <vector>

namespace xperf {

namespace {

UniqueFd open_device(const char *path, int flags)
{
	UniqueFd fd(::open(path, flags | O_CLOEXEC));
	if (!fd)
		throw_errno(std::string("cannot open ") + path);
	return fd;
}

// A checked call in the timed region: a failure stops the run rather
// than timing an error path.
void check_one(ssize_t got, ssize_t want, const char *what)
{
	if (__builtin_expect(got != want, 0))
		throw_errno(what);
}

// One small file in a scratch folder: what stat, fstat and open-close work
// on, as lat_syscall is given a file of the folder lmbench runs in.
struct StatTarget {
	Scratch scratch;
	std::string path;
	UniqueFd fd;
	StatTarget(const RunContext &ctx, const char *entry)
		: scratch(ctx, entry), path(scratch.file("target")), fd(make_file(path, 512))
	{
	}
};

Result syscall_result(const RunContext &ctx, const char *crossing, const char *variant,
		      const Timing &t, const char *timed)
{
	Result r = timed_result(ctx, crossing, variant, t);
	r.notes.push_back(std::string("timed: ") + timed + " (LMBench lat_syscall)");
	return r;
}

} // namespace

std::vector<Result> run_null_read(const RunContext &ctx)
{
	UniqueFd fd = open_device("/dev/zero", O_RDONLY);
	char c;
	Timing t = measure(ctx, auto_batch, [] {},
			   [&] { check_one(::read(fd.get(), &c, 1), 1, "read /dev/zero"); });
	return { syscall_result(ctx, "read", "dev-zero-1b", t, "read(2) of one byte from /dev/zero") };
}

std::vector<Result> run_null_write(const RunContext &ctx)
{
	UniqueFd fd = open_device("/dev/null", O_WRONLY);
	char c = 0;
	Timing t = measure(ctx, auto_batch, [] {},
			   [&] { check_one(::write(fd.get(), &c, 1), 1, "write /dev/null"); });
	return { syscall_result(ctx, "write", "dev-null-1b", t, "write(2) of one byte to /dev/null") };
}

std::vector<Result> run_stat(const RunContext &ctx)
{
	StatTarget target(ctx, "stat");
	struct stat st {};
	const char *path = target.path.c_str();
	Timing t = measure(ctx, auto_batch, [] {},
			   [&] { check_one(::stat(path, &st), 0, "stat"); });
	Result r = syscall_result(ctx, "stat", "scratch-file", t,
				  "stat(2) of a 512-byte file in the scratch folder, by its full path");
	target.scratch.describe(r);
	return { r };
}

std::vector<Result> run_fstat(const RunContext &ctx)
{
	StatTarget target(ctx, "fstat");
	struct stat st {};
	int fd = target.fd.get();
	Timing t = measure(ctx, auto_batch, [] {},
			   [&] { check_one(::fstat(fd, &st), 0, "fstat"); });
	Result r = syscall_result(ctx, "fstat", "scratch-file", t,
				  "fstat(2) of an open 512-byte file in the scratch folder");
	target.scratch.describe(r);
	return { r };
}

std::vector<Result> run_open_close(const RunContext &ctx)
{
	StatTarget target(ctx, "open-close");
	const char *path = target.path.c_str();
	Timing t = measure(ctx, auto_batch, [] {}, [&] {
		int fd = ::open(path, O_RDONLY | O_CLOEXEC);
		if (__builtin_expect(fd < 0, 0))
			throw_errno("open");
		::close(fd);
	});
	Result r = syscall_result(ctx, "open-close", "scratch-file", t,
				  "open(2) read-only of a file in the scratch folder by its full "
				  "path, then close(2)");
	target.scratch.describe(r);
	return { r };
}

std::vector<Result> run_select_file(const RunContext &ctx)
{
	constexpr int count = 100;
	StatTarget target(ctx, "select-file");
	std::vector<UniqueFd> fds;
	fd_set set;
	FD_ZERO(&set);
	int highest = -1;
	for (int i = 0; i < count; i++) {
		UniqueFd fd(::open(target.path.c_str(), O_RDONLY | O_CLOEXEC));
		if (!fd)
			throw_errno("open for select");
		if (fd.get() >= FD_SETSIZE)
			throw failed("select-file: descriptor numbers reach FD_SETSIZE",
				     "run with fewer open descriptors");
		FD_SET(fd.get(), &set);
		highest = std::max(highest, fd.get());
		fds.push_back(std::move(fd));
	}
	timeval zero{};
	Timing t = measure(ctx, auto_batch, [] {}, [&] {
		// select overwrites its set: a fresh copy each call, as lat_select does.
		fd_set ready = set;
		int n = ::select(highest + 1, nullptr, &ready, nullptr, &zero);
		if (__builtin_expect(n != count, 0)) {
			if (n < 0)
				throw_errno("select");
			throw failed(fmt::format("select found {} of the {} files ready", n, count));
		}
	});
	Result r = target.scratch.result(ctx, "select-file", "100-files", t,
				"select(2) with a zero timeout on a write set of 100 descriptors "
				"of a file in the scratch folder, every one ready (LMBench lat_select -n "
				"100 file)");
	r.detail["descriptors"] = count;
	r.detail["nfds"] = highest + 1;
	return { r };
}

} // namespace xperf
