#include "vmexit/qemu_runner.h"
#include "core/text_list.h"

#include "core/child_process.h"
#include "core/error.h"
#include "core/round_counters.h"
#include "core/temp_file.h"
#include "core/unique_fd.h"
#include "vmexit/payload.h"
#include "vmexit/thread_placement.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace xperf {

namespace {

namespace fs = std::filesystem;

// -accel with its own option and isa-debug-exit's iosize are older, but 4.2
// is the oldest QEMU this has been run against.
constexpr int min_major = 4, min_minor = 2;

std::string read_file(const fs::path &p)
{
	std::ifstream in(p, std::ios::binary);
	std::stringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

// QEMU, started by us: it dies with this process whatever ends it (SIGKILL
// from the kernel when this thread goes; from the signal handler, before
// the scratch folder is removed, on SIGINT, SIGTERM or SIGHUP), and it is
// killed and reaped when this goes.
class Child {
public:
	Child(const std::vector<std::string> &argv, const fs::path &output)
	{
		std::vector<char *> args;
		for (const auto &a : argv)
			args.push_back(const_cast<char *>(a.c_str()));
		args.push_back(nullptr);
		// The child says on it why it could not exec; exec closes it.
		int fds[2];
		if (::pipe2(fds, O_CLOEXEC) != 0)
			throw std::runtime_error(fmt::format("pipe: {}", std::strerror(errno)));
		UniqueFd said(fds[0]), say(fds[1]);
		child_ = ChildProcess::start("QEMU", SIGKILL, [&] {
			return exec_child(args.data(), output.c_str(), say.get());
		});
		say.reset();
		int err = 0;
		ssize_t n;
		while ((n = ::read(said.get(), &err, sizeof(err))) < 0 && errno == EINTR)
			;
		if (n == sizeof(err)) {
			child_.wait();
			throw std::runtime_error(fmt::format("starting {}: {}", argv[0], std::strerror(err)));
		}
	}
	Child(const Child &) = delete;
	Child &operator=(const Child &) = delete;

	// The id of the child's thread whose name (comm) is name, polled for until
	// the deadline; nothing when the deadline passed or the child exited first.
	std::optional<pid_t> find_thread(std::string_view name,
					 std::chrono::steady_clock::time_point deadline) const
	{
		const fs::path tasks = fs::path("/proc") / std::to_string(pid()) / "task";
		for (;;) {
			std::error_code ec;
			for (fs::directory_iterator it(tasks, ec), end; !ec && it != end;
			     it.increment(ec))
				if (read_file(it->path() / "comm") == std::string(name) + "\n")
					return static_cast<pid_t>(std::stol(it->path().filename()));
			if (child_.ended() || std::chrono::steady_clock::now() > deadline)
				return std::nullopt;
			std::this_thread::sleep_for(std::chrono::milliseconds(1));
		}
	}

	// How it ended, or nothing when the deadline passed first; each_poll
	// runs between two looks.
	std::optional<ChildStatus> wait_until(std::chrono::steady_clock::time_point deadline,
					      const std::function<void()> &each_poll = {})
	{
		return child_.wait_until(deadline, std::chrono::milliseconds(20), each_poll);
	}

	pid_t pid() const { return child_.pid(); }

private:
	// In the child: only async-signal-safe calls until exec.
	static int exec_child(char *const *args, const char *output, int say)
	{
		int in = ::open("/dev/null", O_RDONLY);
		int out = ::open(output, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (in >= 0 && out >= 0 && ::dup2(in, 0) >= 0 && ::dup2(out, 1) >= 0 &&
		    ::dup2(out, 2) >= 0)
			::execv(args[0], args);
		int err = errno;
		ssize_t ignored = ::write(say, &err, sizeof(err));
		(void)ignored;
		return 127;
	}

	ChildProcess child_;
};

std::string qemu_path()
{
	if (const char *env = std::getenv("XPERF_QEMU"); env && *env) {
		if (::access(env, X_OK) != 0)
			throw bad_input(fmt::format("XPERF_QEMU={}: {}", env, std::strerror(errno)),
					"point it at qemu-system-x86_64 or unset it");
		return env;
	}
	const char *path = std::getenv("PATH");
	std::stringstream dirs(path ? path : "/usr/bin:/bin");
	for (std::string dir; std::getline(dirs, dir, ':');) {
		fs::path candidate = fs::path(dir.empty() ? "." : dir) / "qemu-system-x86_64";
		if (::access(candidate.c_str(), X_OK) == 0)
			return candidate;
	}
	throw unavailable("qemu-system-x86_64 is not in PATH",
			  "install it (Debian: qemu-system-x86), point XPERF_QEMU at it, or use "
			  "--vmm builtin");
}

std::string tail(const std::string &text, std::size_t lines)
{
	std::size_t at = text.size();
	while (lines-- && at > 0) {
		std::size_t nl = text.rfind('\n', at - 1);
		at = nl == std::string::npos ? 0 : nl;
	}
	std::string t = text.substr(at);
	while (!t.empty() && (t.front() == '\n'))
		t.erase(0, 1);
	return t;
}

// QEMU names its threads when asked (-name debug-threads=on); under KVM
// vCPU n's is "CPU n/KVM", and the payload runs on vCPU 0.
constexpr std::string_view vcpu_thread = "CPU 0/KVM";
// QEMU creates its vCPU threads as it builds the machine, before the
// firmware runs (seconds under nested KVM), long before the payload's first
// timed phase.
constexpr auto vcpu_thread_wait = std::chrono::seconds(5);

// Finds QEMU's vCPU thread, pins it to cpu (-1: leaves it), and has
// --verify (marks) follow it from here on: for the result, the thread, how
// it was found and where it was pinned, or why not; in followed, the thread
// as --verify judges it.
nlohmann::json place_vcpu(const Child &child, IterationMarks *marks, int cpu,
			  std::chrono::steady_clock::time_point started, FollowedThread &followed)
{
	using namespace std::chrono;
	auto tid = child.find_thread(vcpu_thread, started + vcpu_thread_wait);
	double after = duration<double>(steady_clock::now() - started).count();
	nlohmann::json j = { { "name", vcpu_thread } };
	if (!tid) {
		j["tid"] = nullptr;
		j["error"] = fmt::format("QEMU had no thread named '{}' {:.1f} s after it started "
					 "(it exited, or does not name its threads)",
					 vcpu_thread, after);
		followed = { 0, j["error"].get<std::string>() };
		return j;
	}
	if (cpu >= 0) {
		auto error = pin_thread(*tid, cpu);
		j["pinned_to"] = error ? nlohmann::json(nullptr) : nlohmann::json(cpu);
		if (error)
			j["pin_error"] = *error;
	}
	if (marks)
		marks->follow_thread(*tid);
	j["tid"] = *tid;
	j["found_by"] = "its name in /proc/PID/task/*/comm (-name debug-threads=on)";
	j["found_after_s"] = after;
	followed = { static_cast<uint32_t>(*tid),
		     fmt::format("QEMU's '{}', by {}, {:.3f} s after QEMU started", vcpu_thread,
				 j["found_by"].get<std::string>(), after) };
	return j;
}

QemuVersion qemu_version(const std::string &qemu, const fs::path &dir)
{
	Child c({ qemu, "--version" }, dir / "version.txt");
	auto status = c.wait_until(std::chrono::steady_clock::now() + std::chrono::seconds(10));
	if (!status || !status->success())
		throw unavailable(fmt::format("{} --version {}", qemu,
					      status ? status->text() : "did not finish within 10 s"),
				  "is it QEMU? point XPERF_QEMU at qemu-system-x86_64");
	return parse_qemu_version(read_file(dir / "version.txt"));
}

} // namespace

QemuVersion parse_qemu_version(std::string_view version_output)
{
	static const std::regex re(R"(QEMU emulator version (\d+)\.(\d+)(?:\.(\d+))?)");
	std::match_results<std::string_view::const_iterator> m;
	if (!std::regex_search(version_output.begin(), version_output.end(), m, re))
		throw std::runtime_error("no 'QEMU emulator version' in QEMU's --version output");
	QemuVersion v;
	v.major = std::stoi(m[1].str());
	v.minor = std::stoi(m[2].str());
	v.micro = m[3].matched ? std::stoi(m[3].str()) : 0;
	v.text = fmt::format("{}.{}.{}", v.major, v.minor, v.micro);
	return v;
}

bool stream_results(const xperf_vm_params &p)
{
	// Up to XPERF_VM_MAX_RECORDS records of about 5 bytes a sample: 160 KB.
	return p.samples <= 2000;
}

namespace {

// qemu64 offers no XSAVE, which the xsave state needs; x2APIC it has
// under KVM.
std::string qemu_cpu(const xperf_vm_params &p)
{
	return p.state & XPERF_STATE_XSAVE ? "qemu64,+xsave" : "qemu64";
}

} // namespace

std::vector<std::string> qemu_command(const std::string &qemu, const std::string &image,
				      const std::string &debugcon, const std::string &ram,
				      const xperf_vm_params &p)
{
	const std::string mem = fmt::format("{}M", p.mem_bytes >> 20);
	return {
		qemu,
		// KVM with a named model: -cpu host fails under the build machines'
		// nested KVM (QEMU cannot set MSR 0x10a).
		"-accel", "kvm", "-cpu", qemu_cpu(p),
		"-m", mem,
		"-object", fmt::format("memory-backend-file,id=ram,size={},mem-path={},share=on", mem, ram),
		"-machine", "pc,memory-backend=ram",
		// Named threads: --verify finds the vCPU's by its name.
		"-name", "xperf-vmexit,debug-threads=on",
		// Multiboot: QEMU loads the flat image through its header's address fields.
		"-kernel", image, "-append", encode_params(p),
		"-debugcon", "file:" + debugcon,
		"-device", fmt::format("isa-debug-exit,iobase={:#x},iosize=4", XPERF_VM_PORT_EXIT),
		"-nographic", "-no-reboot",
	};
}

QemuInstall find_qemu()
{
	QemuInstall q;
	q.path = qemu_path();
	TempDir dir("", "vmexit");
	q.version = qemu_version(q.path, dir.path());
	if (!q.version.at_least(min_major, min_minor))
		throw unavailable(fmt::format("{} is QEMU {}; --vmm qemu needs {}.{} or later",
					      q.path, q.version.text, min_major, min_minor),
				  "install a newer QEMU, or use --vmm builtin");
	return q;
}

VmRun run_qemu(const QemuInstall &qemu_install, xperf_vm_params p, IterationMarks *marks, int cpu)
{
	const std::string &qemu = qemu_install.path;
	const QemuVersion &version = qemu_install.version;
	// Removed by SIGINT, SIGTERM and SIGHUP too, once QEMU is gone.
	TempDir scratch("", "vmexit");
	const fs::path dir = scratch.path();
	auto image = payload_image();
	payload_header(image);
	const fs::path image_path = dir / "xperf-vmexit.bin";
	{
		std::ofstream f(image_path, std::ios::binary);
		f.write(reinterpret_cast<const char *>(image.data()),
			static_cast<std::streamsize>(image.size()));
		if (!f)
			throw std::runtime_error("writing the payload to " + image_path.string());
	}
	const fs::path debugcon = dir / "debugcon.out", log = dir / "qemu.log";
	const fs::path ram = dir / "guest.ram";
	const bool stream = stream_results(p);
	p.output = stream ? XPERF_OUT_STREAM : XPERF_OUT_MEMORY;
	auto argv = qemu_command(qemu, image_path, debugcon, ram, p);

	VmRun out;
	out.params = encode_params(p);
	auto t0 = std::chrono::steady_clock::now();
	// QEMU's firmware runs emulated under nested KVM: seconds before the payload.
	auto limit = run_deadline(XPERF_VM_MAX_RECORDS, p.samples, p.warmup) + std::chrono::seconds(30);
	// QEMU and this thread wait on the other CPUs while the vCPU thread
	// runs alone on the measuring one; QEMU's threads inherit this affinity.
	std::optional<ScopedAffinity> elsewhere;
	if (cpu >= 0)
		elsewhere.emplace(cpus_other_than(cpu));
	Child child(argv, log);
	out.vcpu.emplace();
	nlohmann::json vcpu = place_vcpu(child, marks, cpu, t0, *out.vcpu);
	ThreadWatch threads(child.pid());
	// The vCPU thread's counters from its first look on the measuring CPU
	// (the pin moves it there at its next schedule; that move is not the
	// run's) to the last look before QEMU exited (after, it is gone).
	std::optional<CounterSnapshot> first, last;
	const pid_t tid = static_cast<pid_t>(out.vcpu->tid);
	// Where KVM cannot go on (an instruction it cannot emulate), QEMU says
	// "KVM internal error", stops the guest and waits: the run ends there.
	bool kvm_stopped = false;
	std::uintmax_t log_seen = 0;
	auto status = child.wait_until(t0 + limit, [&] {
		std::error_code ec;
		const std::uintmax_t size = fs::file_size(log, ec);
		if (!ec && size != log_seen && !kvm_stopped) {
			log_seen = size;
			if (read_file(log).find("KVM internal error") != std::string::npos) {
				kvm_stopped = true;
				::kill(child.pid(), SIGKILL);
			}
		}
		threads.sample();
		if (tid <= 0)
			return;
		CounterSnapshot now = take_thread_snapshot(child.pid(), tid);
		if (now.cpu < 0)
			return;
		if (!first) {
			if (cpu < 0 || now.cpu == cpu)
				first = now;
			return;
		}
		last = now;
	});
	if (first && last)
		out.counters = between(*first, *last);
	elsewhere.reset();
	out.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	if (kvm_stopped)
		throw std::runtime_error(fmt::format(
			"KVM stopped the guest (QEMU reports a KVM internal error: KVM could not go on, "
			"for example at an instruction its emulator lacks); QEMU's output ends:\n{}",
			tail(read_file(log), 8)));
	if (!status)
		throw std::runtime_error(fmt::format(
			"QEMU did not finish within {} s (the payload hung, or QEMU waits on "
			"something); its output ends:\n{}",
			limit.count(), tail(read_file(log), 8)));
	GuestResults g;
	try {
		if (stream) {
			g = decode_stream(read_file(debugcon));
		} else {
			std::string memory = read_file(ram);
			g = read_guest_results({ reinterpret_cast<const unsigned char *>(memory.data()),
						 memory.size() });
		}
	} catch (const std::runtime_error &e) {
		throw std::runtime_error(fmt::format(
			"{} (QEMU {} {}); QEMU's output ends:\n{}", e.what(), version.text,
			status->text(), tail(read_file(log), 8)));
	}
	// isa-debug-exit makes QEMU exit with (value << 1) | 1.
	if (status->exit_code() != static_cast<int>(g.status << 1 | 1))
		throw std::runtime_error(fmt::format("QEMU {}, which does not carry the guest's status {}",
						     status->text(), g.status));
	out.guest = std::move(g);
	// The command without this run's temporary directory.
	std::string cmdline;
	for (const auto &a : argv) {
		std::string arg = a;
		for (std::size_t at; (at = arg.find(dir.string())) != std::string::npos;)
			arg.replace(at, dir.string().size(), "TMPDIR");
		append_item(cmdline, " ", arg);
	}
	out.vmm = { { "name", "qemu" },
		    { "accelerator", "kvm" },
		    { "version", version.text },
		    { "cpu", qemu_cpu(p) },
		    { "command", cmdline },
		    { "results_via", stream ? "the debugcon stream" : "the guest-memory file" },
		    { "memory_bytes", p.mem_bytes } };
	out.vmm["vcpu_thread"] = vcpu;
	out.vmm["threads"] = threads.to_json();
	return out;
}

} // namespace xperf
