#include "app/output_file.h"

#include "core/error.h"
#include "core/temp_file.h"
#include "core/unique_fd.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

namespace xperf {

namespace {

std::string dir_of(const std::string &path)
{
	auto slash = path.rfind('/');
	if (slash == std::string::npos)
		return ".";
	return slash == 0 ? "/" : path.substr(0, slash);
}

std::string name_of(const std::string &path)
{
	auto slash = path.rfind('/');
	return slash == std::string::npos ? path : path.substr(slash + 1);
}

Error cannot_write(const std::string &path, int err)
{
	return bad_input(fmt::format("cannot write output file {}: {}", path, std::strerror(err)),
			 "name a file in a directory that exists and that you may write");
}

// Follows symlinks to the path that is written: the shell's > writes a
// link's target and keeps the link, and so does -o. A link of /proc to a
// pipe ("pipe:[1234]", -o /dev/stdout in a pipeline) names no path: the
// link itself is what opens the pipe.
std::string follow_links(const std::string &path)
{
	std::string at = path;
	for (int hops = 0; hops < 40; hops++) {
		struct stat st {};
		if (::lstat(at.c_str(), &st) || !S_ISLNK(st.st_mode))
			return at;
		char buf[PATH_MAX];
		ssize_t n = ::readlink(at.c_str(), buf, sizeof(buf) - 1);
		if (n < 0)
			throw cannot_write(path, errno);
		std::string link(buf, static_cast<std::size_t>(n));
		if (link.front() != '/' && link.find(":[") != std::string::npos)
			return at;
		at = link.front() == '/' ? link : dir_of(at) + "/" + link;
	}
	throw cannot_write(path, ELOOP);
}

bool write_all(int fd, std::string_view text)
{
	while (!text.empty()) {
		ssize_t n = ::write(fd, text.data(), text.size());
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return false;
		text.remove_prefix(static_cast<std::size_t>(n));
	}
	return true;
}

// Writes all of text from the start of the file.
bool write_all_at_start(int fd, std::string_view text)
{
	for (off_t at = 0; !text.empty();) {
		ssize_t n = ::pwrite(fd, text.data(), text.size(), at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return false;
		text.remove_prefix(static_cast<std::size_t>(n));
		at += n;
	}
	return true;
}

// The first size bytes of path, or nothing when they cannot be read (a
// file xperf may write but not read).
std::optional<std::string> read_start(const std::string &path, std::size_t size)
{
	UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOCTTY | O_CLOEXEC));
	if (!fd)
		return std::nullopt;
	std::string text(size, '\0');
	for (std::size_t at = 0; at < size;) {
		ssize_t n = ::pread(fd.get(), text.data() + at, size - at, static_cast<off_t>(at));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return std::nullopt;
		at += static_cast<std::size_t>(n);
	}
	return text;
}

// The name of the kernel's own file system path is on (proc, sysfs...),
// whose files take no results: /proc/version refuses a write only when it
// comes, after the measuring. nullptr for any other.
const char *kernel_file_system(const std::string &path)
{
	struct statfs fs {};
	if (::statfs(path.c_str(), &fs))
		return nullptr;
	switch (fs.f_type) {
	case PROC_SUPER_MAGIC:
		return "proc";
	case SYSFS_MAGIC:
		return "sysfs";
	case DEBUGFS_MAGIC:
		return "debugfs";
	case TRACEFS_MAGIC:
		return "tracefs";
	case SECURITYFS_MAGIC:
		return "securityfs";
	case CGROUP_SUPER_MAGIC:
	case CGROUP2_SUPER_MAGIC:
		return "cgroup";
	case BPF_FS_MAGIC:
		return "bpf";
	case PSTOREFS_MAGIC:
		return "pstore";
	case EFIVARFS_MAGIC:
		return "efivarfs";
	default:
		return nullptr;
	}
}

// Whether a file can be made in dir: a temporary made and removed again
// (access(2) says yes to root where the file system says no).
std::string cannot_create_in(const std::string &dir)
{
	try {
		TempFile probe(dir, "xperf-probe");
	} catch (const Error &e) {
		return e.reason();
	}
	return {};
}

mode_t new_file_mode()
{
	mode_t mask = ::umask(0);
	::umask(mask);
	return 0666 & ~mask;
}

} // namespace

OutputFile::OutputFile(const std::string &path, std::ostream *say) : path_(path), say_(say)
{
	if (path.empty())
		throw bad_input("-o: no file name", "name the file to write");
	target_ = follow_links(path);
	if (name_of(target_).size() > NAME_MAX)
		throw cannot_write(path, ENAMETOOLONG);
	struct stat st {};
	bool exists = ::stat(target_.c_str(), &st) == 0;
	if (!exists && errno != ENOENT)
		throw cannot_write(path, errno);
	if (const char *fs = kernel_file_system(exists ? target_ : dir_of(target_)))
		throw bad_input(fmt::format("output file {} is on {}, a file system of the kernel's "
					    "own, which takes no results",
					    path, fs),
				"name a file elsewhere");
	if (!exists) {
		// A new file: its directory must exist and take it.
		std::string dir = dir_of(target_);
		struct stat dst {};
		if (::stat(dir.c_str(), &dst))
			throw cannot_write(path, errno);
		if (!S_ISDIR(dst.st_mode))
			throw cannot_write(path, ENOTDIR);
		if (::access(dir.c_str(), W_OK | X_OK))
			throw cannot_write(path, errno);
		if (std::string why = cannot_create_in(dir); !why.empty())
			throw bad_input(fmt::format("cannot write output file {}: {}", path, why),
					"name a file in a directory that exists and that you may write");
		mode_ = new_file_mode();
		return;
	}
	exists_ = true;
	dev_ = st.st_dev;
	ino_ = st.st_ino;
	if (S_ISDIR(st.st_mode))
		throw bad_input(fmt::format("output file {} is a directory", path),
				"name a file, in it or elsewhere");
	if (S_ISSOCK(st.st_mode))
		throw bad_input(fmt::format("output file {} is a socket, which xperf cannot write", path),
				"name a file, a FIFO or a device");
	if (::access(target_.c_str(), W_OK))
		throw cannot_write(path, errno);
	regular_ = S_ISREG(st.st_mode);
	fifo_ = S_ISFIFO(st.st_mode);
	mode_ = st.st_mode & 07777;
	uid_ = st.st_uid;
	gid_ = st.st_gid;
	// Renaming over the file would break its other hard links, and needs
	// a directory xperf may write.
	bool replaceable = regular_ && st.st_nlink == 1 &&
			   !::access(dir_of(target_).c_str(), W_OK | X_OK) &&
			   cannot_create_in(dir_of(target_)).empty();
	how_ = replaceable ? How::replace : How::in_place;
}

bool OutputFile::is(const std::string &path) const
{
	struct stat st {};
	return exists_ && ::stat(path.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_;
}

void OutputFile::commit(std::string_view text)
{
	if (how_ == How::replace && write_replacing(text))
		return;
	write_in_place(text);
}

bool OutputFile::write_replacing(std::string_view text) const
{
	TempFile tmp(dir_of(target_), name_of(target_));
	auto fail = [&](const char *what) {
		return failed(fmt::format("cannot {} {}: {}", what, tmp.path(), std::strerror(errno)),
			      fmt::format("{} was left as it was", path_));
	};
	if (exists_ && ::fchown(tmp.fd(), uid_, gid_)) {
		if (errno == EPERM)
			return false; // not ours to give away: write the file itself
		throw fail("set the owner of");
	}
	if (::fchmod(tmp.fd(), mode_))
		throw fail("set the mode of");
	if (!write_all(tmp.fd(), text))
		throw fail("write");
	if (::fsync(tmp.fd()) || !tmp.close())
		throw fail("write");
	if (!tmp.rename_to(target_))
		throw fail("rename into place");
	return true;
}

void OutputFile::write_in_place(std::string_view text) const
{
	if (regular_)
		return overwrite(text);
	UniqueFd fd = open_stream();
	auto fail = [&] {
		return failed(fmt::format("cannot write {}: {}", path_, std::strerror(errno)),
			      "name another file with -o");
	};
	if (!fd)
		throw fail();
	if (!write_all(fd.get(), text))
		throw fail();
	if (::close(fd.release()))
		throw fail();
}

UniqueFd OutputFile::open_stream() const
{
	// No O_CREAT: a device or FIFO that went away is an error, not a new
	// regular file.
	const int flags = O_WRONLY | O_NOCTTY | O_CLOEXEC;
	if (fifo_) {
		// Without a reader, open(2) waits until one comes: a run that
		// seems to hang at its end says why first.
		UniqueFd fd(::open(target_.c_str(), flags | O_NONBLOCK));
		int status = fd ? ::fcntl(fd.get(), F_GETFL) : -1;
		if (status >= 0 && !::fcntl(fd.get(), F_SETFL, status & ~O_NONBLOCK))
			return fd;
		if (fd || errno != ENXIO)
			return UniqueFd();
		if (say_)
			*say_ << fmt::format("xperf-user: waiting for a reader of the FIFO {}, to write "
					     "the output to it\n",
					     path_)
			      << std::flush;
	}
	return UniqueFd(::open(target_.c_str(), flags));
}

void OutputFile::overwrite(std::string_view text) const
{
	UniqueFd fd(::open(target_.c_str(),
			   O_WRONLY | O_NOCTTY | O_CLOEXEC | (exists_ ? 0 : O_CREAT | O_EXCL), mode_));
	struct stat st {};
	if (!fd || ::fstat(fd.get(), &st))
		throw failed(fmt::format("cannot write {}: {}", path_, std::strerror(errno)),
			     "name another file with -o");
	const auto old_size = static_cast<std::size_t>(st.st_size);
	// Room for the new text before a byte of it is written: a full disk
	// (or quota, or file size limit) refuses it here, with the file as it
	// was. A file system without fallocate(2) goes on without.
	if (!text.empty() && ::fallocate(fd.get(), 0, 0, static_cast<off_t>(text.size())) &&
	    errno != EOPNOTSUPP && errno != ENOSYS)
		throw failed(fmt::format("no room for the {} bytes of output in {}: {}", text.size(),
					 path_, std::strerror(errno)),
			     fmt::format("{} was left as it was: free space, or name another file "
					 "with -o",
					 path_));
	// What the new text covers, to put back if writing fails all the same.
	std::optional<std::string> covered = read_start(target_, std::min(text.size(), old_size));
	if (write_all_at_start(fd.get(), text) &&
	    (text.size() >= old_size || !::ftruncate(fd.get(), static_cast<off_t>(text.size()))) &&
	    !::fsync(fd.get())) {
		if (::close(fd.release()))
			throw failed(fmt::format("cannot close {}: {}", path_, std::strerror(errno)),
				     "look at the file: its text was written");
		return;
	}
	int err = errno;
	bool put_back = covered && write_all_at_start(fd.get(), *covered) &&
			!::ftruncate(fd.get(), static_cast<off_t>(old_size)) && !::fsync(fd.get());
	if (put_back)
		throw failed(fmt::format("cannot write {}: {}", path_, std::strerror(err)),
			     fmt::format("{} was put back as it was: free space, or name another "
					 "file with -o",
					 path_));
	throw damaged(fmt::format("cannot write {}: {}, nor put back what it held: {} is damaged, "
				  "part old and part new",
				  path_, std::strerror(err), path_),
		      "free space and run again, or restore the file from a copy");
}

} // namespace xperf
