#include "crossings/os_scratch.h"

#include "core/error.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace xperf {

void throw_errno(const std::string &what)
{
	throw failed(what + ": " + std::strerror(errno));
}

namespace {

// A folder in memory where files can be made and programs run: the kernel's
// own path for file operations, with no disk, journal or writeback whose
// state from the last minutes moves the figures.
bool usable_memory_folder(const char *dir)
{
	struct statvfs vfs {};
	return file_system_type(dir) == "tmpfs" && ::statvfs(dir, &vfs) == 0 &&
	       !(vfs.f_flag & (ST_NOEXEC | ST_RDONLY)) && ::access(dir, W_OK | X_OK) == 0;
}

} // namespace

std::string scratch_parent(const Options &opt)
{
	if (!opt.scratch_dir.empty())
		return opt.scratch_dir;
	if (const char *tmp = std::getenv("TMPDIR"); tmp && *tmp)
		return tmp;
	if (usable_memory_folder("/dev/shm"))
		return "/dev/shm";
	return "/tmp";
}

void check_scratch_dir(const std::string &dir)
{
	const char *remedy = "name a folder that exists and that you may write";
	if (dir.empty())
		throw bad_input("--dir: no folder named", remedy);
	struct stat st {};
	if (::stat(dir.c_str(), &st))
		throw bad_input(fmt::format("--dir {}: {}", dir, std::strerror(errno)), remedy);
	if (!S_ISDIR(st.st_mode))
		throw bad_input(fmt::format("--dir {}: {}", dir, std::strerror(ENOTDIR)), remedy);
	// Made and removed again: access(2) says yes to root where the file
	// system says no.
	try {
		TempDir probe(dir, "probe");
	} catch (const Error &e) {
		throw bad_input(fmt::format("--dir {}: {}", dir, e.reason()), remedy);
	}
}

bool memory_file_system(const std::string &type)
{
	return type == "tmpfs" || type == "ramfs";
}

Scratch::Scratch(const RunContext &ctx, const std::string &entry)
	: parent_(scratch_parent(ctx.opt)), dir_(parent_, entry)
{
}

void Scratch::describe(Result &r) const
{
	r.detail["scratch_in"] = parent_;
	r.detail["scratch_fs"] = file_system_type(path());
}

Result Scratch::result(const RunContext &ctx, std::string crossing, std::string variant,
		       const Timing &t, const std::string &timed) const
{
	Result r = timed_result(ctx, std::move(crossing), std::move(variant), t);
	r.notes.push_back("timed: " + timed);
	describe(r);
	return r;
}

UniqueFd make_file(const std::string &path, std::size_t size, std::size_t block)
{
	UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
	if (!fd)
		throw_errno("cannot create " + path);
	// Not zeros only: a file system that compresses or dedups should not
	// get an easy file.
	std::vector<char> data(size);
	for (std::size_t i = 0; i < size; i++)
		data[i] = static_cast<char>(i * 131 + 7);
	if (!block)
		block = size;
	for (std::size_t at = 0; at < size; at += block) {
		std::size_t n = std::min(block, size - at);
		if (::write(fd.get(), data.data() + at, n) != static_cast<ssize_t>(n))
			throw_errno("cannot write " + path);
	}
	return fd;
}

std::string file_system_type(const std::string &dir)
{
	struct statfs s {};
	if (::statfs(dir.c_str(), &s))
		return "unknown";
	struct Known {
		unsigned long magic;
		const char *name;
	};
	static const Known known[] = {
		{ EXT4_SUPER_MAGIC, "ext4" }, // also ext2 and ext3
		{ TMPFS_MAGIC, "tmpfs" },
		{ XFS_SUPER_MAGIC, "xfs" },
		{ BTRFS_SUPER_MAGIC, "btrfs" },
		{ OVERLAYFS_SUPER_MAGIC, "overlay" },
		{ RAMFS_MAGIC, "ramfs" },
		{ NFS_SUPER_MAGIC, "nfs" },
		{ V9FS_MAGIC, "9p" },
		{ FUSE_SUPER_MAGIC, "fuse" },
		{ F2FS_SUPER_MAGIC, "f2fs" },
	};
	for (const auto &k : known)
		if (static_cast<unsigned long>(s.f_type) == k.magic)
			return k.name;
	return fmt::format("0x{:x}", static_cast<unsigned long>(s.f_type));
}

FileMapping::FileMapping(int fd, std::size_t len, int prot, int flags) : len_(len)
{
	addr_ = ::mmap(nullptr, len, prot, flags, fd, 0);
	if (addr_ == MAP_FAILED)
		throw_errno("mmap of a scratch file");
}

FileMapping::~FileMapping()
{
	::munmap(addr_, len_);
}

} // namespace xperf
