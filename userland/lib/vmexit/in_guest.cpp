// vmexit --vmm guest: the six round trips taken from inside a Linux guest.
// xperf-user is the guest user program; xperf.ko's vmexit file
// (module/vmexit.c) is the guest-kernel side; the VMM is whatever runs this
// kernel, out of sight. Rows 1 and 2 are timed here in user mode, rows 3
// and 4 time an ioctl() that makes the guest kernel exit, rows 5 and 6 are
// timed by the guest kernel itself.
#include "vmexit/in_guest.h"

#include "core/child_process.h"
#include "core/cpu_id.h"
#include "core/error.h"
#include "core/method.h"
#include "core/module_session.h"
#include "core/sampler.h"
#include "core/stats.h"
#include "core/unique_fd.h"
#include "vmexit/exit_names.h"
#include "vmexit/exit_notes.h"
#include "vmexit/exit_options.h"
#include "vmexit/guest_protocol.h"
#include "vmexit/hypervisors.h"

#include <xperf/abi.h>

#include <fcntl.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <optional>
#include <stdexcept>

namespace xperf {

namespace {

// xperf.ko's vmexit file, open.
class VmexitFile {
public:
	VmexitFile()
	{
		std::string why = ModuleSession::unavailable_reason();
		if (!why.empty())
			throw unavailable("--vmm guest: the rows through the guest kernel (--from "
					  "user-via-kernel, kernel) need xperf.ko: " + why,
					  "or --from user for rows 1 and 2, which need no module");
		path_ = ModuleSession::default_dir() + "/" + XPERF_DEBUGFS_VMEXIT;
		fd_ = UniqueFd(::open(path_.c_str(), O_RDWR | O_CLOEXEC));
		if (!fd_)
			throw unavailable(fmt::format("--vmm guest: {}: {}", path_, std::strerror(errno)),
					  errno == ENOENT ? "this xperf.ko has no vmexit file: rebuild "
							    "and reload it"
							  : "run as root");
		check_table();
	}

	int fd() const { return fd_.get(); }

	// 0, or the errno the module answered one exit with.
	int try_one(uint32_t exit) const
	{
		return ::ioctl(fd_.get(), XPERF_IOC_VMEXIT_ONE, static_cast<unsigned long>(exit))
			       ? errno
			       : 0;
	}

	std::vector<uint32_t> run(uint32_t exit, uint32_t samples, uint32_t warmup,
				  xperf_vmexit_run &out) const
	{
		std::vector<uint32_t> cycles(samples);
		out = {};
		out.exit = exit;
		out.samples = samples;
		out.warmup = warmup;
		out.cycles = reinterpret_cast<uintptr_t>(cycles.data());
		if (::ioctl(fd_.get(), XPERF_IOC_VMEXIT_RUN, &out))
			throw std::runtime_error(fmt::format("{}: {} round trips of {} in the guest "
							     "kernel: {}",
							     path_, samples, exit_name(exit),
							     std::strerror(errno)));
		return cycles;
	}

private:
	// The module's exit kinds must be this program's: the same ioctl()
	// argument names the same instruction.
	void check_table() const
	{
		std::string table(4096, '\0');
		ssize_t n = ::pread(fd_.get(), table.data(), table.size(), 0);
		table.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
		if (table != exit_table_text())
			throw unavailable(fmt::format("--vmm guest: {}: this xperf.ko was built with "
						      "another VM-exit table than xperf-user",
						      path_),
					  "rebuild xperf.ko from the same tree and reload it");
	}

	std::string path_;
	UniqueFd fd_;
};

// Port I/O from user mode for the one port, given back when done.
class PortAccess {
public:
	explicit PortAccess(unsigned port) : port_(port)
	{
		err_ = ::ioperm(port_, 1, 1) ? errno : 0;
	}
	PortAccess(const PortAccess &) = delete;
	PortAccess &operator=(const PortAccess &) = delete;
	~PortAccess()
	{
		if (!err_)
			::ioperm(port_, 1, 0);
	}
	int error() const { return err_; }

private:
	unsigned port_;
	int err_;
};

inline uint32_t cpuid_leaf0()
{
	uint32_t a = 0, b, c = 0, d;
	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return a;
}

inline uint64_t hypercall(bool vmmcall)
{
	uint64_t ret = XPERF_VMEXIT_HC_NR;
	if (vmmcall)
		asm volatile("vmmcall" : "+a"(ret) : : "memory");
	else
		asm volatile("vmcall" : "+a"(ret) : : "memory");
	return ret;
}

inline void outb_debugcon()
{
	asm volatile("outb %b0, %w1" : : "a"(0), "Nd"(XPERF_VMEXIT_PORT));
}

// A hypervisor may keep a hypercall from ever completing (the build
// machines' PVM-style KVM does that to its own guests' VMCALLs): one goes
// first in a child, which is killed if it is not back in time. Empty when
// it came back.
std::string hypercall_probe(bool vmmcall)
{
	// A hypercall kept for ever must not outlive the run.
	ChildProcess child = ChildProcess::start("a hypercall probe", SIGKILL, [&] {
		hypercall(vmmcall);
		return 0;
	});
	auto status = child.wait_until(std::chrono::steady_clock::now() + std::chrono::seconds(3),
				       std::chrono::milliseconds(10));
	if (!status)
		return "one hypercall from user mode did not come back within 3 s: the "
		       "hypervisor keeps it (left out rather than hang the run)";
	if (status->signal())
		return "one hypercall from user mode " + status->text();
	return "";
}

// What runs this kernel, for the report and for what handles each exit.
struct Hypervisor {
	std::string signature; // "KVMKVMKVM", "TCGTCGTCGTCG", ...
	bool kvm() const { return signature == kvm_signature; }
	bool tcg() const { return signature == tcg_signature; }
	std::string handles(uint32_t exit) const
	{
		if (kvm())
			return handled_by(exit);
		if (tcg())
			return exit_kind(exit).handler == XPERF_HANDLER_VMM
				       ? "QEMU's device model (TCG: no VM exit)"
				       : "QEMU TCG's emulation (no VM exit)";
		return fmt::format("the hypervisor ({})", signature);
	}
};

class InGuest {
public:
	InGuest(const RunContext &ctx, Hypervisor hv, uint32_t exits, uint32_t froms)
		: ctx_(ctx), hv_(std::move(hv)), exits_(exits), froms_(froms),
		  hypercall_(host_hypercall_insn())
	{
		if (froms_ & (1u << XPERF_FROM_USER_VIA_KERNEL | 1u << XPERF_FROM_KERNEL))
			file_.emplace();
	}

	std::vector<Result> run()
	{
		for (uint32_t from = 0; from < XPERF_FROMS; from++)
			if (froms_ & 1u << from)
				for (const ExitKind &k : measured_exit_kinds())
					if (exits_ & 1u << k.id)
						row(k.id, from);
		return std::move(out_);
	}

	const std::vector<std::string> &not_measured() const { return not_measured_; }

private:
	void skip(uint32_t exit, uint32_t from, const std::string &why)
	{
		not_measured_.push_back(
			fmt::format("{}/{} not measured: {}", exit_name(exit), from_name(from), why));
	}

	void row(uint32_t exit, uint32_t from)
	{
		const ExitKind &kind = exit_kind(exit);
		if (!kind.allowed_from(from))
			return skip(exit, from, not_from_reason(exit, from));
		if (kind.hypercall() && !hv_.kvm())
			return skip(exit, from,
				    fmt::format("the hypervisor is {}, not KVM: VMCALL/VMMCALL would "
						"raise #UD",
						hv_.signature.empty() ? "none" : hv_.signature));
		if (kind.hypercall() && from == XPERF_FROM_USER) {
			std::string why = hypercall_probe(hypercall_ == XPERF_HC_VMMCALL);
			if (!why.empty())
				return skip(exit, from, why);
		}
		if (from == XPERF_FROM_USER)
			return user_row(exit);
		if (from == XPERF_FROM_USER_VIA_KERNEL)
			return via_kernel_row(exit);
		kernel_row(exit);
	}

	void user_row(uint32_t exit)
	{
		Timing t;
		uint64_t value = 0;
		switch (static_cast<xperf_vmexit_kind>(exit)) {
		case XPERF_VMEXIT_NONE:
		case XPERF_VMEXIT_RDMSR: // not from CPL3 (row() said so)
		case XPERF_VMEXIT_KINDS:
			throw std::logic_error(fmt::format("{}/user is not a row", exit_name(exit)));
		case XPERF_VMEXIT_CPUID:
			value = cpuid_leaf0();
			t = measure(ctx_, 1, [] {}, [] { cpuid_leaf0(); });
			break;
		case XPERF_VMEXIT_VMCALL: {
			bool vmm = hypercall_ == XPERF_HC_VMMCALL;
			value = hypercall(vmm);
			t = measure(ctx_, 1, [] {}, [vmm] { hypercall(vmm); });
			break;
		}
		case XPERF_VMEXIT_PIO: {
			PortAccess port(XPERF_VMEXIT_PORT);
			if (port.error())
				return skip(exit, XPERF_FROM_USER,
					    fmt::format("ioperm({:#x}): {} ({})", XPERF_VMEXIT_PORT,
							std::strerror(port.error()),
							port.error() == ENOSYS
								? "this kernel is built without "
								  "CONFIG_X86_IOPL_IOPERM"
								: "port I/O from user mode needs root: "
								  "CAP_SYS_RAWIO"));
			t = measure(ctx_, 1, [] {}, [] { outb_debugcon(); });
		}
		}
		Result r = timed_result(ctx_, "vmexit", variant(exit, XPERF_FROM_USER), t,
					"guest user");
		finish(r, exit, XPERF_FROM_USER, value);
	}

	void via_kernel_row(uint32_t exit)
	{
		const int fd = file_->fd();
		if (int err = file_->try_one(exit))
			return skip(exit, XPERF_FROM_USER_VIA_KERNEL,
				    fmt::format("xperf.ko refused it: {}", std::strerror(err)));
		if (!syscall_cycles_) {
			// Untraced: --verify pairs each result with one marked
			// measurement, in order.
			RunContext quiet = ctx_;
			quiet.marks = nullptr;
			Timing none = measure(quiet, 1, [] {}, [fd] {
				::ioctl(fd, XPERF_IOC_VMEXIT_ONE, 0UL);
			});
			syscall_cycles_ = describe(none.cycles).median;
		}
		const unsigned long kind = exit;
		Timing t = measure(ctx_, 1, [] {},
				   [fd, kind] { ::ioctl(fd, XPERF_IOC_VMEXIT_ONE, kind); });
		Result r = timed_result(ctx_, "vmexit", variant(exit, XPERF_FROM_USER_VIA_KERNEL), t,
					"guest user");
		r.method["guest_syscall_cycles"] = *syscall_cycles_;
		r.method["guest_syscall_is"] = "median of the same ioctl() with no instruction "
					       "(XPERF_VMEXIT_NONE), net of the empty region";
		finish(r, exit, XPERF_FROM_USER_VIA_KERNEL, kernel_value(exit));
	}

	void kernel_row(uint32_t exit)
	{
		if (int err = file_->try_one(exit))
			return skip(exit, XPERF_FROM_KERNEL,
				    fmt::format("xperf.ko refused it: {}", std::strerror(err)));
		const auto n = static_cast<uint32_t>(ctx_.opt.samples * ctx_.opt.rounds);
		const auto warmup = static_cast<uint32_t>(ctx_.opt.warmup);
		if (!kernel_overhead_) {
			xperf_vmexit_run none;
			auto c = file_->run(XPERF_VMEXIT_NONE, std::max<uint32_t>(n, 1000), warmup,
					    none);
			kernel_overhead_ = median_cycles(c);
		}
		xperf_vmexit_run k;
		auto c = file_->run(exit, n, warmup, k);

		Result r;
		r.crossing = "vmexit";
		r.variant = variant(exit, XPERF_FROM_KERNEL);
		r.tsc_hz = ctx_.tsc.hz;
		for (uint32_t v : c)
			r.cycles.push_back(static_cast<double>(v) - *kernel_overhead_);
		r.round_sizes.assign(ctx_.opt.rounds, ctx_.opt.samples);
		r.method = Method{ timer_name(k.timer), "guest kernel", *kernel_overhead_,
				   "per round trip: cycles - median empty region, both timed by "
				   "xperf.ko with interrupts off",
				   warmup, ctx_.cpu, ctx_.tsc.source }
				   .to_json();
		if (k.tsc_span && ctx_.tsc.hz > 0 && n)
			r.method["tsc_ns_per_round_trip"] = static_cast<double>(k.tsc_span) /
							    ctx_.tsc.hz * 1e9 / n;
		finish(r, exit, XPERF_FROM_KERNEL, k.value);
	}

	// What the guest kernel's instruction returns, for rows 3 and 4.
	uint64_t kernel_value(uint32_t exit)
	{
		xperf_vmexit_run k;
		file_->run(exit, 1, 0, k);
		return k.value;
	}

	static std::string variant(uint32_t exit, uint32_t from)
	{
		return fmt::format("{}/{}", exit_name(exit), from_name(from));
	}

	void finish(Result &r, uint32_t exit, uint32_t from, uint64_t value)
	{
		r.vm_exit = { VmExitRun::Vmm::guest, exit, from, 0, 0, std::nullopt };
		r.method["vmm"] = { { "name", "guest" },
				    { "is", "the hypervisor running this Linux guest, not "
					    "started or seen by xperf-user" },
				    { "hypervisor_signature", hv_.signature } };
		r.method["accelerator"] = hv_.kvm() ? "kvm" : hv_.tcg() ? "tcg" : hv_.signature;
		r.method["host"] = nullptr;
		r.method["host_is"] = "not seen: the VMM runs outside this guest; only the "
				      "guest's TSC figures";
		r.detail = {
			{ "measurement", measurement_number(exit, from) },
			{ "exit", exit_name(exit) },
			{ "from", from_name(from) },
			{ "instruction", instruction_name(exit, hypercall_) },
			{ "handled_by", hv_.handles(exit) },
			// A hypercall returns a signed status (-KVM_EPERM, -KVM_ENOSYS).
			{ "returned", exit_kind(exit).hypercall()
					      ? nlohmann::json(static_cast<int64_t>(value))
					      : nlohmann::json(value) },
			{ "guest_kernel", "Linux, xperf.ko's debugfs vmexit file" },
			{ "guest_syscall", from == XPERF_FROM_USER_VIA_KERNEL
						   ? "ioctl(XPERF_IOC_VMEXIT_ONE) on xperf.ko's "
						     "vmexit file"
						   : "" },
		};
		r.analyse();
		out_.push_back(std::move(r));
	}

	const RunContext &ctx_;
	Hypervisor hv_;
	uint32_t exits_, froms_, hypercall_;
	std::optional<VmexitFile> file_;
	std::optional<double> syscall_cycles_, kernel_overhead_;
	std::vector<Result> out_;
	std::vector<std::string> not_measured_;
};

} // namespace

void check_vmexit_in_guest(const RunContext &ctx)
{
	const Options &o = ctx.opt;
	if (o.samples * o.rounds > XPERF_VMEXIT_MAX_SAMPLES || o.warmup > XPERF_VMEXIT_MAX_SAMPLES)
		throw bad_input(fmt::format("vmexit --vmm guest: at most {} samples (x rounds) and "
					    "warm-up round trips",
					    XPERF_VMEXIT_MAX_SAMPLES),
				"lower -n, --rounds or --warmup");
	Hypervisor hv{ hypervisor_signature().value_or("") };
	if (hv.signature.empty())
		throw unavailable("--vmm guest measures exits from inside a virtual machine, and "
				  "this kernel runs on bare metal (no hypervisor in CPUID)",
				  "run xperf-user in a guest, or use --vmm builtin or qemu here");
	if (froms_mask(o.vm_from) & (1u << XPERF_FROM_USER_VIA_KERNEL | 1u << XPERF_FROM_KERNEL))
		VmexitFile{}; // opened and closed: says what is missing
}

std::vector<Result> run_vmexit_in_guest(const RunContext &ctx)
{
	const Options &o = ctx.opt;
	check_vmexit_in_guest(ctx);
	Hypervisor hv{ hypervisor_signature().value_or("") };
	// The port and the guest's vmexit file are this process's: its rounds
	// stay in it.
	RunContext here = ctx;
	here.opt.part_processes = false;
	InGuest run(here, hv, exits_mask(o.vm_exit), froms_mask(o.vm_from));
	std::vector<Result> out = run.run();
	if (out.empty())
		throw std::runtime_error("vmexit --vmm guest: nothing was measured" +
					 (run.not_measured().empty()
						  ? std::string()
						  : "; " + run.not_measured().front()));

	// The same CPUID leaf from both privilege levels should reach the same
	// hypervisor and answer the same.
	add_cpuid_level_note(out, "CPUID at guest CPL3 was not answered by the same hypervisor");
	// Under KVM the fast path is set against the round trip once the
	// parts are merged (finish_vmexit).
	if (!hv.kvm())
		out.front().notes.push_back(fmt::format(
			"the hypervisor is {}, not KVM: there is no fast path or userspace round trip "
			"to compare, each row is that hypervisor's way of running the instruction",
			hv.signature));
	add_outer_hypervisor(out);
	for (const auto &n : run.not_measured())
		out.front().notes.push_back(n);
	return out;
}

} // namespace xperf
