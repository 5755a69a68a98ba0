#include "core/temp_file.h"

#include "core/error.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <cstddef>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <vector>

namespace xperf {

namespace {

// What the signal handler removes: paths written before their slot is
// armed, read only when armed. Fixed storage, so the handler allocates
// nothing and calls only unlink(2), sigaction(2) and raise(3).
constexpr int slots = 8;
std::atomic<int> slot_state[slots]; // 0 free, 1 being filled or emptied, 2 armed
char slot_path[slots][PATH_MAX];

// Folders, the same way: the handler empties them with getdents64(2) and
// unlinkat(2) and removes them with rmdir(2).
std::atomic<int> dir_state[slots];
char dir_path[slots][PATH_MAX];

constexpr int cleanup_signals[] = { SIGINT, SIGTERM, SIGHUP };

// The head of a getdents64(2) record; the name follows it.
struct linux_dirent64 {
	ino64_t d_ino;
	off64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
};

void empty_and_remove(const char *path)
{
	int fd = ::open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		alignas(8) char buf[4096];
		long n;
		while ((n = ::syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
			for (long off = 0; off < n;) {
				auto *d = reinterpret_cast<linux_dirent64 *>(buf + off);
				const char *name = buf + off + offsetof(linux_dirent64, d_type) + 1;
				bool dot = name[0] == '.' &&
					   (name[1] == 0 || (name[1] == '.' && name[2] == 0));
				if (!dot)
					::unlinkat(fd, name, 0);
				off += d->d_reclen;
			}
		::close(fd);
	}
	::rmdir(path);
}

void remove_temporaries(int sig)
{
	int saved = errno;
	for (int i = 0; i < slots; i++)
		if (slot_state[i].load() == 2)
			::unlink(slot_path[i]);
	for (int i = 0; i < slots; i++)
		if (dir_state[i].load() == 2)
			empty_and_remove(dir_path[i]);
	// SA_RESETHAND gave the signal its default action back: delivered
	// again when the handler returns, it ends the process as it would have.
	::raise(sig);
	errno = saved;
}

void install_handlers()
{
	static std::once_flag once;
	std::call_once(once, [] {
		for (int sig : cleanup_signals) {
			struct sigaction old {};
			::sigaction(sig, nullptr, &old);
			// Ignored (nohup ignores SIGHUP) or handled by someone else:
			// leave it so.
			if (old.sa_handler != SIG_DFL || (old.sa_flags & SA_SIGINFO))
				continue;
			struct sigaction sa {};
			sa.sa_handler = remove_temporaries;
			sa.sa_flags = SA_RESETHAND;
			sigemptyset(&sa.sa_mask);
			for (int other : cleanup_signals)
				sigaddset(&sa.sa_mask, other);
			::sigaction(sig, &sa, nullptr);
		}
	});
}

int arm(const std::string &path, std::atomic<int> *state = slot_state,
	char (*where)[PATH_MAX] = slot_path)
{
	if (path.size() >= PATH_MAX)
		return -1;
	install_handlers();
	for (int i = 0; i < slots; i++) {
		int expected = 0;
		if (!state[i].compare_exchange_strong(expected, 1))
			continue;
		std::memcpy(where[i], path.c_str(), path.size() + 1);
		state[i].store(2);
		return i;
	}
	return -1;
}

void disarm(int slot, std::atomic<int> *state = slot_state)
{
	if (slot >= 0)
		state[slot].store(0);
}

std::string temp_name(const std::string &name)
{
	// "." + name + ".XXXXXX" within NAME_MAX.
	constexpr std::size_t room = NAME_MAX - 8;
	return "." + name.substr(0, room) + ".XXXXXX";
}

} // namespace

TempFile::TempFile(const std::string &dir, const std::string &name)
{
	std::string tmpl = (dir.empty() ? std::string(".") : dir) + "/" + temp_name(name);
	std::vector<char> own(tmpl.begin(), tmpl.end());
	own.push_back('\0');
	// Armed before the file exists, and mkostemp writes the name it picked
	// into the handler's own copy before creating it: no signal finds the
	// file unlisted, and unlinking a name not yet created is harmless.
	slot_ = arm(tmpl);
	char *name_buf = slot_ >= 0 ? slot_path[slot_] : own.data();
	int fd = ::mkostemp(name_buf, O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		disarm(slot_);
		throw failed(fmt::format("cannot create a temporary file in {}: {}", dir,
					 std::strerror(err)));
	}
	path_ = name_buf;
	fd_ = UniqueFd(fd);
}

TempFile::~TempFile()
{
	if (!renamed_)
		::unlink(path_.c_str());
	disarm(slot_);
}

bool TempFile::close()
{
	return ::close(fd_.release()) == 0;
}

bool TempFile::rename_to(const std::string &target)
{
	if (::rename(path_.c_str(), target.c_str()))
		return false;
	renamed_ = true;
	disarm(slot_);
	return true;
}

TempDir::TempDir(const std::string &dir, const std::string &name)
{
	std::string base = dir;
	if (base.empty()) {
		const char *tmp = std::getenv("TMPDIR");
		base = tmp && *tmp ? tmp : "/tmp";
	}
	std::string tmpl = base + "/xperf-" + name.substr(0, NAME_MAX - 14) + ".XXXXXX";
	// Armed first, as TempFile is: mkdtemp writes the name into the
	// handler's copy before it creates the folder.
	slot_ = arm(tmpl, dir_state, dir_path);
	std::vector<char> own(tmpl.begin(), tmpl.end());
	own.push_back('\0');
	char *name_buf = slot_ >= 0 ? dir_path[slot_] : own.data();
	if (!::mkdtemp(name_buf)) {
		int err = errno;
		disarm(slot_, dir_state);
		throw failed(fmt::format("cannot make a scratch folder in {}: {}", base,
					 std::strerror(err)),
			     "give a writable folder with --dir");
	}
	path_ = name_buf;
}

TempDir::~TempDir()
{
	std::error_code ec;
	std::filesystem::remove_all(path_, ec);
	disarm(slot_, dir_state);
}

} // namespace xperf
