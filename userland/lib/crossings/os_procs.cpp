// The OS suite's process entries, as LMBench's lat_proc times them: fork
// and a child that exits at once; fork and exec of a tiny program; fork and
// /bin/sh -c of that program. Each timed region runs from fork(2) to the
// parent's wait returning the child's status.
//
// The tiny program is LMBench's hello (write "Hello world\n" to a closed
// standard output, exit) as a static ELF of a few hundred bytes, written to
// the scratch folder by the entry: no libc and no dynamic loader in it, so
// the figure is the kernel's fork, exec and exit (LMBench's hello-s, its
// STATIC build), the same on the host and in the guest whatever
// xperf-user's own size and linking. The dynamic-hello variants run
// xperf-hello instead, the same program dynamically linked (LMBench's
// default hello): the figure adds the dynamic loader and libc's start.
#include "core/child_process.h"
#include "core/error.h"
#include "core/sampler.h"
#include "crossings/crossings.h"
#include "crossings/elf_linking.h"
#include "crossings/os_scratch.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace xperf {

namespace {

constexpr int exec_failed = 127;
constexpr const char *shell = "/bin/sh";

// The image of the tiny program: one loaded segment holding the ELF
// header, its program header and the code.
std::vector<unsigned char> hello_image()
{
	constexpr uint64_t base = 0x400000;
	constexpr uint64_t code_at = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr);
	// write(1, msg, 12); exit_group(0); msg
	const unsigned char code[] = {
		0xbf, 0x01, 0x00, 0x00, 0x00,		  // mov $1, %edi
		0x48, 0x8d, 0x35, 0x15, 0x00, 0x00, 0x00, // lea msg(%rip), %rsi (+21)
		0xba, 0x0c, 0x00, 0x00, 0x00,		  // mov $12, %edx
		0xb8, 0x01, 0x00, 0x00, 0x00,		  // mov $SYS_write, %eax
		0x0f, 0x05,				  // syscall
		0x31, 0xff,				  // xor %edi, %edi
		0xb8, 0xe7, 0x00, 0x00, 0x00,		  // mov $SYS_exit_group, %eax
		0x0f, 0x05,				  // syscall
		'H', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '\n',
	};
	static_assert(sizeof(code) == 33 + 12, "msg follows the 33 bytes of code");

	Elf64_Ehdr eh{};
	std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_ident[EI_OSABI] = ELFOSABI_SYSV;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_entry = base + code_at;
	eh.e_phoff = sizeof(Elf64_Ehdr);
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = 1;

	Elf64_Phdr ph{};
	ph.p_type = PT_LOAD;
	ph.p_flags = PF_R | PF_X;
	ph.p_offset = 0;
	ph.p_vaddr = ph.p_paddr = base;
	ph.p_filesz = ph.p_memsz = code_at + sizeof(code);
	ph.p_align = 0x1000;

	std::vector<unsigned char> image(code_at + sizeof(code));
	std::memcpy(image.data(), &eh, sizeof(eh));
	std::memcpy(image.data() + sizeof(eh), &ph, sizeof(ph));
	std::memcpy(image.data() + code_at, code, sizeof(code));
	return image;
}

std::string write_hello(const Scratch &scratch)
{
	std::string path = scratch.file("hello");
	auto image = hello_image();
	UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700));
	if (!fd)
		throw_errno("cannot create " + path);
	if (::write(fd.get(), image.data(), image.size()) != static_cast<ssize_t>(image.size()))
		throw_errno("cannot write " + path);
	return path;
}

// Waits for pid; a child that did not exit with 0 stops the run.
void reap(pid_t pid, const char *what)
{
	int status = wait_status(pid);
	if (__builtin_expect(!WIFEXITED(status) || WEXITSTATUS(status) != 0, 0))
		throw failed(fmt::format("{}: the child {}", what, describe_status(status)));
}

// fork, child(), wait: one timed region. The child dies with the measuring
// process, and goes at once if that one is already gone (fork_bound). The
// parent's pid is read untimed, in its own process (a round may run in one
// of its own).
template <class Child>
Timing time_fork(const RunContext &ctx, const char *what, Child child)
{
	pid_t parent = 0;
	return measure(
		ctx, 1, [&] { parent = ::getpid(); },
		[&] {
			pid_t pid = fork_bound(parent, SIGKILL, child);
			if (pid < 0)
				throw_errno("fork");
			reap(pid, what);
		});
}

// What fork copies: the parent's resident memory.
long resident_kib()
{
	std::ifstream statm("/proc/self/statm");
	long size = 0, resident = 0;
	statm >> size >> resident;
	return resident * (::sysconf(_SC_PAGESIZE) / 1024);
}

Result fork_result(const RunContext &ctx, const char *crossing, const char *variant,
		   const Timing &t, const std::string &timed)
{
	Result r = timed_result(ctx, crossing, variant, t);
	r.notes.push_back("timed: " + timed +
			  "; the child sets PR_SET_PDEATHSIG and checks its parent first");
	r.detail["parent_rss_kib"] = resident_kib();
	return r;
}

void check_exec_here(const RunContext &ctx)
{
	struct statvfs s {};
	std::string dir = scratch_parent(ctx.opt);
	if (::statvfs(dir.c_str(), &s) == 0 && (s.f_flag & ST_NOEXEC))
		throw unavailable(dir + " is mounted noexec: the tiny program made there cannot run",
				  "give a folder on a file system that allows exec with --dir");
}

// xperf-hello: beside this program unless the options say where.
std::string dynamic_hello_path(const Options &opt)
{
	std::filesystem::path dir = opt.programs_dir;
	if (dir.empty()) {
		std::error_code ec;
		dir = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path();
	}
	return (dir / "xperf-hello").string();
}

struct DynamicHello {
	std::string path;
	ElfLinking linking;
	// Why it cannot run here and what to do; empty when it can.
	std::string not_here;
};

// xperf-hello, and whether it is there, runnable and dynamically linked
// with its loader present. Only the dynamic-hello variants need it: the
// entry runs its other variant without it.
DynamicHello find_dynamic_hello(const Options &opt)
{
	const std::string remedy = "build it with make userland (its target is xperf-hello, next "
				   "to xperf-user) and keep it in the folder of xperf-user when "
				   "installing or copying xperf-user";
	DynamicHello h{ dynamic_hello_path(opt), {}, {} };
	if (::access(h.path.c_str(), X_OK)) {
		h.not_here = fmt::format("{}, the dynamically linked program it runs, cannot run: "
					 "{}; {}",
					 h.path, std::strerror(errno), remedy);
		return h;
	}
	auto linking = elf_linking_of(h.path);
	if (!linking || linking->interpreter.empty()) {
		h.not_here = fmt::format("{} is not a dynamically linked x86-64 program (no ELF "
					 "header, or no PT_INTERP naming its loader); {}",
					 h.path, remedy);
		return h;
	}
	if (::access(linking->interpreter.c_str(), X_OK)) {
		h.not_here = fmt::format("{}: its dynamic loader {} cannot run here: {}; install the "
					 "C library it was built against, or build xperf-hello on "
					 "this system",
					 h.path, linking->interpreter, std::strerror(errno));
		return h;
	}
	h.linking = std::move(*linking);
	return h;
}

// The entry's results without its dynamic-hello variant: the note on the
// variant that ran says why and what to do.
std::vector<Result> without_dynamic_hello(Result r, const DynamicHello &h)
{
	r.notes.push_back("dynamic-hello not measured: " + h.not_here);
	return { std::move(r) };
}

// What ran: the program, and that it is dynamically linked, with what.
void describe(Result &r, const DynamicHello &h)
{
	r.detail["program"] = h.path;
	r.detail["linking"] = "dynamic";
	r.detail["interpreter"] = h.linking.interpreter;
	r.detail["needed"] = h.linking.needed;
}

// fork, execve of program with no environment (as lat_proc exec), wait.
Timing time_exec(const RunContext &ctx, const char *what, const std::string &program)
{
	std::string arg0 = program;
	char *argv[] = { arg0.data(), nullptr };
	char *envp[] = { nullptr };
	return time_fork(ctx, what, [&] {
		::close(1);
		::execve(program.c_str(), argv, envp);
		return exec_failed;
	});
}

// fork, /bin/sh -c program with this process's environment (as lat_proc
// shell), wait.
Timing time_sh(const RunContext &ctx, const char *what, const std::string &program)
{
	return time_fork(ctx, what, [&] {
		::close(1);
		::execl(shell, "sh", "-c", program.c_str(), static_cast<char *>(nullptr));
		return exec_failed;
	});
}

std::string shell_target()
{
	char target[256] = {};
	ssize_t n = ::readlink(shell, target, sizeof(target) - 1);
	return n > 0 ? std::string(target, static_cast<std::size_t>(n)) : shell;
}

} // namespace

std::vector<Result> run_fork_exit(const RunContext &ctx)
{
	Timing t = time_fork(ctx, "fork-exit", [] { return 0; });
	return { fork_result(ctx, "fork-exit", "exit", t,
			     "fork(2), the child's _exit(0), the parent's waitpid (LMBench lat_proc "
			     "fork)") };
}

void check_fork_exec(const RunContext &ctx)
{
	check_exec_here(ctx);
}

std::vector<Result> run_fork_exec(const RunContext &ctx)
{
	Scratch scratch(ctx, "fork-exec");
	std::string hello = write_hello(scratch);
	Timing t = time_exec(ctx, "fork-exec", hello);
	Result r = fork_result(ctx, "fork-exec", "static-hello", t,
			       "fork(2), the child's execve(2) of a static 'hello' of " +
				       std::to_string(hello_image().size()) +
				       " bytes with no environment, its exit, the parent's waitpid "
				       "(LMBench lat_proc exec with hello-s)");
	scratch.describe(r);

	DynamicHello dyn = find_dynamic_hello(ctx.opt);
	if (!dyn.not_here.empty())
		return without_dynamic_hello(std::move(r), dyn);
	Timing td = time_exec(ctx, "fork-exec", dyn.path);
	Result d = fork_result(ctx, "fork-exec", "dynamic-hello", td,
			       "fork(2), the child's execve(2) of xperf-hello, dynamically linked "
			       "(detail.interpreter, detail.needed), with no environment, its "
			       "exit, the parent's waitpid (LMBench lat_proc exec, whose hello is "
			       "dynamically linked too)");
	describe(d, dyn);
	return { std::move(r), std::move(d) };
}

void check_fork_sh(const RunContext &ctx)
{
	if (::access(shell, X_OK))
		throw unavailable(fmt::format("{} is missing here: {}", shell, std::strerror(errno)),
				  "install a shell at /bin/sh");
	check_exec_here(ctx);
}

std::vector<Result> run_fork_sh(const RunContext &ctx)
{
	Scratch scratch(ctx, "fork-sh");
	std::string hello = write_hello(scratch);
	Timing t = time_sh(ctx, "fork-sh", hello);
	Result r = fork_result(ctx, "fork-sh", "sh-c-hello", t,
			       "fork(2), the child's execl of /bin/sh -c with the static 'hello' "
			       "(the shell running it as it does, with the environment of "
			       "xperf-user), their exit, the parent's waitpid (LMBench lat_proc "
			       "shell)");
	r.detail["shell"] = shell_target();
	scratch.describe(r);

	DynamicHello dyn = find_dynamic_hello(ctx.opt);
	if (!dyn.not_here.empty())
		return without_dynamic_hello(std::move(r), dyn);
	Timing td = time_sh(ctx, "fork-sh", dyn.path);
	Result d = fork_result(ctx, "fork-sh", "dynamic-hello", td,
			       "fork(2), the child's execl of /bin/sh -c with xperf-hello, "
			       "dynamically linked (detail.interpreter, detail.needed), the "
			       "environment of xperf-user, their exit, the parent's waitpid "
			       "(LMBench lat_proc shell, whose hello is dynamically linked too)");
	d.detail["shell"] = shell_target();
	describe(d, dyn);
	return { std::move(r), std::move(d) };
}

} // namespace xperf
