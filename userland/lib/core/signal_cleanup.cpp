#include "core/signal_cleanup.h"

#include "core/error.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <mutex>
#include <utility>

namespace xperf {

namespace {

// A slot is free (0), being filled or emptied (1), or armed (2): the
// handler reads only armed ones, whose fields were written before.
enum : int { slot_free, slot_busy, slot_armed };

constexpr int path_slots = 16, child_slots = 16;

struct PathEntry {
	std::atomic<int> state;
	pid_t owner;
	ScratchSlot::Kind kind;
	char path[PATH_MAX];
};

struct ChildEntry {
	std::atomic<int> state;
	pid_t owner;
	pid_t pid;
	int first;
};

PathEntry paths[path_slots];
ChildEntry children[child_slots];

constexpr int cleanup_signals[] = { SIGINT, SIGTERM, SIGHUP };
constexpr long grace_ms = 2000, poll_ms = 10;

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

bool owned(const ChildEntry &c, pid_t self)
{
	return c.state.load() == slot_armed && c.owner == self;
}

// Each child of this process gets its first signal; those that have not
// ended within the grace get SIGKILL; all are reaped. Nothing they write
// can then land in a folder about to be removed.
void end_children(pid_t self)
{
	bool any = false;
	for (auto &c : children)
		if (owned(c, self)) {
			::kill(c.pid, c.first);
			any = true;
		}
	if (!any)
		return;
	bool ended[child_slots] = {};
	const timespec poll = { 0, poll_ms * 1000000 };
	for (long waited = 0; waited < grace_ms; waited += poll_ms) {
		bool running = false;
		for (int i = 0; i < child_slots; i++) {
			if (!owned(children[i], self) || ended[i])
				continue;
			pid_t r = ::waitpid(children[i].pid, nullptr, WNOHANG);
			ended[i] = r == children[i].pid || (r < 0 && errno == ECHILD);
			running |= !ended[i];
		}
		if (!running)
			return;
		::nanosleep(&poll, nullptr);
	}
	for (int i = 0; i < child_slots; i++)
		if (owned(children[i], self) && !ended[i]) {
			::kill(children[i].pid, SIGKILL);
			while (::waitpid(children[i].pid, nullptr, 0) < 0 && errno == EINTR)
				;
		}
}

void clean_up(int sig)
{
	int saved = errno;
	pid_t self = ::getpid();
	end_children(self);
	for (auto &p : paths) {
		if (p.state.load() != slot_armed || p.owner != self)
			continue;
		if (p.kind == ScratchSlot::Kind::file)
			::unlink(p.path);
		else
			empty_and_remove(p.path);
	}
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
			sa.sa_handler = clean_up;
			sa.sa_flags = SA_RESETHAND;
			sigemptyset(&sa.sa_mask);
			for (int other : cleanup_signals)
				sigaddset(&sa.sa_mask, other);
			::sigaction(sig, &sa, nullptr);
		}
	});
}

// A free slot, marked busy; -1 when there is none.
template <class Entry, int n>
int take(Entry (&table)[n])
{
	install_handlers();
	for (int i = 0; i < n; i++) {
		int expected = slot_free;
		if (table[i].state.compare_exchange_strong(expected, slot_busy))
			return i;
	}
	return -1;
}

} // namespace

void ScratchSlot::arm(const std::string &path, Kind kind)
{
	disarm();
	if (path.size() >= PATH_MAX || (slot_ = take(paths)) < 0)
		return;
	PathEntry &p = paths[slot_];
	p.owner = ::getpid();
	p.kind = kind;
	std::memcpy(p.path, path.c_str(), path.size() + 1);
	p.state.store(slot_armed);
}

char *ScratchSlot::path() const
{
	return slot_ >= 0 ? paths[slot_].path : nullptr;
}

void ScratchSlot::disarm()
{
	if (slot_ >= 0)
		paths[slot_].state.store(slot_free);
	slot_ = -1;
}

ChildSlot::ChildSlot(pid_t pid, int first) : pid_(pid)
{
	if ((slot_ = take(children)) < 0)
		return;
	ChildEntry &c = children[slot_];
	c.owner = ::getpid();
	c.pid = pid;
	c.first = first;
	c.state.store(slot_armed);
}

ChildSlot::ChildSlot(ChildSlot &&o) noexcept
	: pid_(std::exchange(o.pid_, -1)), slot_(std::exchange(o.slot_, -1))
{
}

ChildSlot &ChildSlot::operator=(ChildSlot &&o) noexcept
{
	if (this != &o) {
		disarm();
		pid_ = std::exchange(o.pid_, -1);
		slot_ = std::exchange(o.slot_, -1);
	}
	return *this;
}

void ChildSlot::disarm()
{
	if (slot_ >= 0)
		children[slot_].state.store(slot_free);
	slot_ = -1;
}

std::optional<int> ChildSlot::reap(bool block)
{
	siginfo_t info{};
	// WNOWAIT: it stays a zombie, its pid its own, until disarmed.
	while (::waitid(P_PID, static_cast<id_t>(pid_), &info,
			WEXITED | WNOWAIT | (block ? 0 : WNOHANG)) != 0)
		if (errno != EINTR)
			throw failed(fmt::format("waitid: {}", std::strerror(errno)));
	if (info.si_pid != pid_)
		return std::nullopt;
	disarm();
	int status = 0;
	while (::waitpid(pid_, &status, 0) < 0)
		if (errno != EINTR)
			throw failed(fmt::format("waitpid: {}", std::strerror(errno)));
	pid_ = -1;
	return status;
}

bool die_with_parent(pid_t parent, int sig)
{
	return ::prctl(PR_SET_PDEATHSIG, sig) == 0 && ::getppid() == parent;
}

} // namespace xperf
