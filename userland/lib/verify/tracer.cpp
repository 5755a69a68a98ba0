#include "verify/tracer.h"
#include "text_list.h"

#include "verify/correlate.h"

#if XPERF_BPF
#include "verify.skel.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#endif

#include <linux/capability.h>
#include <malloc.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstring>
#include <fstream>
#include <mutex>
#include <thread>

namespace xperf::verify {

#if XPERF_BPF

namespace {

bool exists(const std::string &path)
{
	struct stat st;
	return ::stat(path.c_str(), &st) == 0;
}

// Root, or the two capabilities that BPF tracing needs since 5.8.
bool privileged()
{
	if (::geteuid() == 0)
		return true;
	__user_cap_header_struct hdr{ _LINUX_CAPABILITY_VERSION_3, 0 };
	__user_cap_data_struct data[2]{};
	if (::syscall(SYS_capget, &hdr, data))
		return false;
	auto has = [&](unsigned cap) { return data[cap / 32].effective & (1u << (cap % 32)); };
	return has(CAP_SYS_ADMIN) || (has(CAP_BPF) && has(CAP_PERFMON));
}

void check_preconditions()
{
	if (!privileged())
		throw Unavailable("--verify needs root or CAP_BPF+CAP_PERFMON (it loads eBPF "
				  "programs); run it with sudo, or measure without --verify");
	if (!exists("/sys/kernel/btf/vmlinux"))
		throw Unavailable("--verify: /sys/kernel/btf/vmlinux is missing: the kernel was "
				  "built without CONFIG_DEBUG_INFO_BTF, and the CO-RE programs "
				  "need it");
}

// libbpf talks through one callback; keep its last words for the error that
// follows a failure instead of printing them on every probe.
std::mutex libbpf_log_lock;
std::string libbpf_log;

int capture_libbpf(enum libbpf_print_level level, const char *fmt_, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	char buf[1024];
	int n = std::vsnprintf(buf, sizeof(buf), fmt_, ap);
	std::lock_guard<std::mutex> g(libbpf_log_lock);
	libbpf_log += buf;
	if (libbpf_log.size() > 4096)
		libbpf_log.erase(0, libbpf_log.size() - 4096);
	return n;
}

std::string take_libbpf_log()
{
	std::lock_guard<std::mutex> g(libbpf_log_lock);
	return std::exchange(libbpf_log, {});
}

struct SkeletonDeleter {
	void operator()(::verify *s) const { ::verify__destroy(s); }
};
struct LinkDeleter {
	void operator()(bpf_link *l) const { bpf_link__destroy(l); }
};
struct RingBufferDeleter {
	void operator()(ring_buffer *r) const { ring_buffer__free(r); }
};
struct BtfDeleter {
	void operator()(btf *b) const { btf__free(b); }
};
using Skeleton = std::unique_ptr<::verify, SkeletonDeleter>;
using Link = std::unique_ptr<bpf_link, LinkDeleter>;
using RingBuffer = std::unique_ptr<ring_buffer, RingBufferDeleter>;
using Btf = std::unique_ptr<btf, BtfDeleter>;

enum class Type { tp_btf, tracepoint, fentry, kprobe };
constexpr const char *type_names[] = { "tp_btf", "tracepoint", "fentry", "kprobe" };

struct Candidate {
	Type type;
	const char *program;
};

// One observed event and its programs, best attach type first.
struct Slot {
	const char *event; // tracepoint or function name
	const char *category; // tracefs category of the classic tracepoint
	uint32_t kind;
	std::vector<Candidate> candidates;
};

const std::vector<Slot> &slots()
{
	static const std::vector<Slot> s = {
		{ "sys_enter", "raw_syscalls", VERIFY_SYS_ENTER,
		  { { Type::tp_btf, "sys_enter_btf" }, { Type::tracepoint, "sys_enter_tp" } } },
		{ "page_fault_user", "exceptions", VERIFY_PAGE_FAULT_USER,
		  { { Type::tp_btf, "page_fault_user_btf" },
		    { Type::tracepoint, "page_fault_user_tp" } } },
		{ "handle_mm_fault", nullptr, VERIFY_MM_FAULT,
		  { { Type::fentry, "mm_fault_fentry" }, { Type::kprobe, "mm_fault_kprobe" } } },
		{ "irq_handler_entry", "irq", VERIFY_IRQ,
		  { { Type::tp_btf, "irq_handler_btf" }, { Type::tracepoint, "irq_handler_tp" } } },
		{ "local_timer_entry", "irq_vectors", VERIFY_IRQ,
		  { { Type::tp_btf, "local_timer_btf" }, { Type::tracepoint, "local_timer_tp" } } },
		{ "reschedule_entry", "irq_vectors", VERIFY_IRQ,
		  { { Type::tp_btf, "reschedule_btf" }, { Type::tracepoint, "reschedule_tp" } } },
		{ "call_function_entry", "irq_vectors", VERIFY_IRQ,
		  { { Type::tp_btf, "call_function_btf" },
		    { Type::tracepoint, "call_function_tp" } } },
		{ "call_function_single_entry", "irq_vectors", VERIFY_IRQ,
		  { { Type::tp_btf, "call_function_single_btf" },
		    { Type::tracepoint, "call_function_single_tp" } } },
		{ "irq_work_entry", "irq_vectors", VERIFY_IRQ,
		  { { Type::tp_btf, "irq_work_btf" }, { Type::tracepoint, "irq_work_tp" } } },
		{ "sched_switch", "sched", VERIFY_SWITCH_OUT,
		  { { Type::tp_btf, "sched_switch_btf" }, { Type::tracepoint, "sched_switch_tp" } } },
		{ "kvm_exit", "kvm", VERIFY_KVM_EXIT, { { Type::tracepoint, "kvm_exit_tp" } } },
		{ "kvm_entry", "kvm", VERIFY_KVM_ENTRY,
		  { { Type::tp_btf, "kvm_entry_btf" }, { Type::tracepoint, "kvm_entry_tp" } } },
		{ "kvm_cpuid", "kvm", VERIFY_KVM_CPUID,
		  { { Type::tp_btf, "kvm_cpuid_btf" }, { Type::tracepoint, "kvm_cpuid_tp" } } },
		{ "kvm_msr", "kvm", VERIFY_KVM_MSR,
		  { { Type::tp_btf, "kvm_msr_btf" }, { Type::tracepoint, "kvm_msr_tp" } } },
		{ "kvm_hypercall", "kvm", VERIFY_KVM_HYPERCALL,
		  { { Type::tp_btf, "kvm_hypercall_btf" }, { Type::tracepoint, "kvm_hypercall_tp" } } },
		{ "kvm_pio", "kvm", VERIFY_KVM_PIO,
		  { { Type::tp_btf, "kvm_pio_btf" }, { Type::tracepoint, "kvm_pio_tp" } } },
		{ "kvm_userspace_exit", "kvm", VERIFY_KVM_USERSPACE_EXIT,
		  { { Type::tp_btf, "kvm_userspace_exit_btf" },
		    { Type::tracepoint, "kvm_userspace_exit_tp" } } },
		{ "kvm_page_fault", "kvm", VERIFY_KVM_PAGE_FAULT,
		  { { Type::tp_btf, "kvm_page_fault_btf" },
		    { Type::tracepoint, "kvm_page_fault_tp" } } },
	};
	return s;
}

// The program each attach type is probed with: its target exists everywhere.
const char *probe_program(Type t)
{
	switch (t) {
	case Type::tp_btf:
		return "sys_enter_btf";
	case Type::tracepoint:
		return "sys_enter_tp";
	case Type::fentry:
		return "mm_fault_fentry";
	default:
		return "mm_fault_kprobe";
	}
}

Skeleton open_skeleton()
{
	Skeleton s(::verify__open());
	if (!s)
		throw Unavailable(fmt::format("--verify: cannot open the BPF object: {}\n{}",
					      std::strerror(errno), take_libbpf_log()));
	return s;
}

void autoload_only(::verify *s, const std::vector<std::string> &names)
{
	bpf_program *p;
	bpf_object__for_each_program(p, s->obj)
	{
		bool want = false;
		for (const auto &n : names)
			want |= n == bpf_program__name(p);
		bpf_program__set_autoload(p, want);
	}
}

// Loading is the only honest probe: a kernel may know an attach type and
// still refuse it (fentry under some hypervisors and lockdown modes).
// Returns 0, or the errno with libbpf's account of it in log.
int try_load(Type t, std::string &log)
{
	Skeleton s = open_skeleton();
	autoload_only(s.get(), { probe_program(t) });
	bpf_map__set_max_entries(s->maps.events, static_cast<uint32_t>(getpagesize()));
	int err = ::verify__load(s.get());
	log = take_libbpf_log();
	return err ? -err : 0;
}

// "libbpf: prog 'NAME': failed to load": which program the kernel refused.
std::string failed_program(const std::string &log)
{
	const std::string head = "prog '", tail = "': failed to load";
	std::size_t end = log.find(tail);
	if (end == std::string::npos)
		return {};
	std::size_t begin = log.rfind(head, end);
	return begin == std::string::npos ? std::string()
					  : log.substr(begin + head.size(), end - begin - head.size());
}

// The verifier's last words before its statistics line: why it refused.
std::string verifier_verdict(const std::string &log)
{
	std::size_t end = log.find("\nprocessed ");
	if (end == std::string::npos)
		return "see libbpf's log";
	std::size_t begin = log.rfind('\n', end - 1);
	return log.substr(begin == std::string::npos ? 0 : begin + 1,
			  end - (begin == std::string::npos ? 0 : begin + 1));
}

std::string tracefs_root()
{
	for (const char *p : { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" })
		if (exists(std::string(p) + "/events"))
			return p;
	return {};
}

bool kallsyms_has(const std::string &fn)
{
	std::ifstream in("/proc/kallsyms");
	std::string addr, type, name;
	while (in >> addr >> type >> name) {
		if (name == fn && (type == "T" || type == "t"))
			return true;
		in.ignore(256, '\n');
	}
	return false;
}

} // namespace

// The control map's element, mapped into this process.
class ControlMapping {
public:
	ControlMapping() = default;
	explicit ControlMapping(int map_fd)
	{
		len_ = static_cast<std::size_t>(getpagesize());
		void *p = ::mmap(nullptr, len_, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
		if (p == MAP_FAILED)
			throw Unavailable(fmt::format("--verify: cannot map the control map: {}",
						      std::strerror(errno)));
		ctl_ = static_cast<volatile verify_control *>(p);
	}
	ControlMapping(const ControlMapping &) = delete;
	ControlMapping &operator=(const ControlMapping &) = delete;
	ControlMapping &operator=(ControlMapping &&o) noexcept
	{
		std::swap(ctl_, o.ctl_);
		std::swap(len_, o.len_);
		return *this;
	}
	~ControlMapping()
	{
		if (ctl_)
			::munmap(const_cast<verify_control *>(ctl_), len_);
	}
	volatile verify_control *operator->() const { return ctl_; }

private:
	volatile verify_control *ctl_ = nullptr;
	std::size_t len_ = 0;
};

struct Tracer::Impl {
	Skeleton skel;
	ControlMapping control;
	std::vector<Link> links;
	RingBuffer ring;
	std::vector<Attachment> attached;
	std::vector<uint32_t> kinds;
	std::vector<std::string> notes;
	int avoid_cpu = -1;

	std::vector<Event> events;
	std::atomic<bool> draining{ false };
	std::thread drainer;

	static int on_event(void *self, void *data, size_t size)
	{
		auto *impl = static_cast<Impl *>(self);
		if (size >= sizeof(Event)) {
			Event e;
			std::memcpy(&e, data, sizeof(e));
			impl->events.push_back(e);
		}
		return 0;
	}

	uint64_t counter(uint32_t which) const
	{
		int ncpu = libbpf_num_possible_cpus();
		if (ncpu <= 0)
			return 0;
		std::vector<uint64_t> per_cpu(static_cast<std::size_t>(ncpu));
		if (bpf_map__lookup_elem(skel->maps.counters, &which, sizeof(which), per_cpu.data(),
					 per_cpu.size() * sizeof(uint64_t), 0))
			return 0;
		uint64_t sum = 0;
		for (uint64_t v : per_cpu)
			sum += v;
		return sum;
	}
};

Tracer::Tracer(int avoid_cpu, const std::vector<std::string> &refuse)
	: impl_(std::make_unique<Impl>())
{
	check_preconditions();
	libbpf_set_print(capture_libbpf);
	// libbpf reads the kernel's BTF into buffers of megabytes; freeing such
	// an mmapped block raises glibc's dynamic mmap threshold, and the next
	// big buffers then come from the heap and stay there, free. Later large
	// mallocs would be served from them, not mmap: the alloc crossing would
	// take another path with --verify than without. Pinning the threshold at
	// glibc's default keeps the heap as a run without --verify has it.
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	impl_->avoid_cpu = avoid_cpu;

	// Classic tracepoints need tracefs; mount it where the kernel expects.
	std::string tracefs = tracefs_root();
	if (tracefs.empty() &&
	    ::mount("nodev", "/sys/kernel/tracing", "tracefs", 0, nullptr) == 0) {
		tracefs = tracefs_root();
		impl_->notes.push_back("mounted tracefs on /sys/kernel/tracing for the classic "
				       "tracepoints");
	}

	bool allowed[4];
	std::string refused[4], logs;
	for (int t = 0; t < 4; t++) {
		if (std::find(refuse.begin(), refuse.end(), type_names[t]) != refuse.end()) {
			allowed[t] = false;
			refused[t] = fmt::format("{} not used (asked not to)", type_names[t]);
			continue;
		}
		std::string log;
		int err = try_load(static_cast<Type>(t), log);
		allowed[t] = err == 0;
		if (err) {
			refused[t] = fmt::format("{} refused ({})", type_names[t], std::strerror(err));
			logs += fmt::format("--- {}:\n{}", type_names[t], log);
		}
	}
	if (!allowed[static_cast<int>(Type::tp_btf)] && !allowed[static_cast<int>(Type::tracepoint)] &&
	    !allowed[static_cast<int>(Type::kprobe)])
		throw Unavailable(fmt::format("--verify: the kernel refuses BPF tracing programs "
					      "({}; {}; {}): BPF is not allowed here (lockdown, a "
					      "seccomp filter, a container without CAP_BPF) or the "
					      "kernel lacks what they need; libbpf said:\n{}",
					      refused[0], refused[1], refused[3], logs));

	Btf vmlinux(btf__load_vmlinux_btf());
	auto available = [&](const Slot &s, const Candidate &c) -> std::string {
		if (!allowed[static_cast<int>(c.type)])
			return refused[static_cast<int>(c.type)];
		switch (c.type) {
		case Type::tp_btf:
			if (!vmlinux || btf__find_by_name_kind(vmlinux.get(),
							       (std::string("btf_trace_") + s.event).c_str(),
							       BTF_KIND_TYPEDEF) < 0)
				return fmt::format("no tp_btf {} in the kernel's BTF", s.event);
			return {};
		case Type::tracepoint:
			if (tracefs.empty())
				return "tracefs is not mounted (classic tracepoints need it)";
			if (!exists(fmt::format("{}/events/{}/{}", tracefs, s.category, s.event)))
				return fmt::format("no tracepoint {}:{}", s.category, s.event);
			return {};
		case Type::fentry:
			if (!vmlinux || btf__find_by_name_kind(vmlinux.get(), s.event, BTF_KIND_FUNC) < 0)
				return fmt::format("no BTF for function {}", s.event);
			return {};
		default:
			if (!kallsyms_has(s.event))
				return fmt::format("no kernel symbol {}", s.event);
			return {};
		}
	};

	// Load every candidate the kernel can take, so that an attach failure
	// can still fall back; attach the best of each event.
	std::vector<std::vector<std::string>> why_not(slots().size());
	std::vector<std::string> load;
	for (std::size_t i = 0; i < slots().size(); i++)
		for (const auto &c : slots()[i].candidates) {
			std::string why = available(slots()[i], c);
			if (why.empty())
				load.push_back(c.program);
			why_not[i].push_back(why);
		}
	// A kernel can refuse one program of a type it otherwise takes (a tp_btf
	// argument it cannot type, say): leave that one out, say why, load again.
	for (;;) {
		impl_->skel = open_skeleton();
		autoload_only(impl_->skel.get(), load);
		int err = ::verify__load(impl_->skel.get());
		if (!err)
			break;
		std::string log = take_libbpf_log();
		std::string failed = failed_program(log);
		auto it = std::find(load.begin(), load.end(), failed);
		if (it == load.end())
			throw Unavailable(fmt::format("--verify: the kernel refused the BPF programs "
						      "({}); libbpf said:\n{}",
						      std::strerror(-err), log));
		load.erase(it);
		for (std::size_t i = 0; i < slots().size(); i++)
			for (std::size_t k = 0; k < slots()[i].candidates.size(); k++)
				if (failed == slots()[i].candidates[k].program)
					why_not[i][k] = fmt::format(
						"{} refused ({}: {})",
						type_names[static_cast<int>(
							slots()[i].candidates[k].type)],
						std::strerror(-err), verifier_verdict(log));
	}

	for (std::size_t i = 0; i < slots().size(); i++) {
		const Slot &s = slots()[i];
		Attachment a{ s.event, {}, {}, {} };
		std::string fallback;
		for (std::size_t k = 0; k < s.candidates.size() && a.type.empty(); k++) {
			const Candidate &c = s.candidates[k];
			std::string why = why_not[i][k];
			if (why.empty()) {
				bpf_program *p = bpf_object__find_program_by_name(impl_->skel->obj,
										  c.program);
				Link link(p ? bpf_program__attach(p) : nullptr);
				if (link) {
					impl_->links.push_back(std::move(link));
					a.type = type_names[static_cast<int>(c.type)];
					impl_->kinds.push_back(s.kind);
					break;
				}
				int err = errno;
				why = fmt::format("{} attach failed ({})",
						  type_names[static_cast<int>(c.type)],
						  std::strerror(err));
				// libbpf attaches kprobes through the kprobe PMU.
				if (c.type == Type::kprobe &&
				    !exists("/sys/bus/event_source/devices/kprobe"))
					why += ": the kernel has no kprobe PMU (CONFIG_KPROBE_EVENTS)";
				take_libbpf_log();
			}
			append_item(fallback, "; ", why);
		}
		if (a.type.empty())
			a.error = fallback;
		else
			a.fallback = fallback;
		impl_->attached.push_back(std::move(a));
	}

	impl_->control = ControlMapping(bpf_map__fd(impl_->skel->maps.control));
	impl_->ring.reset(ring_buffer__new(bpf_map__fd(impl_->skel->maps.events), Impl::on_event,
					   impl_.get(), nullptr));
	if (!impl_->ring)
		throw Unavailable(fmt::format("--verify: cannot map the ring buffer: {}",
					      std::strerror(errno)));
}

Tracer::~Tracer()
{
	if (impl_ && impl_->draining)
		stop();
}

void Tracer::target(pid_t tid, pid_t tgid)
{
	impl_->control->target_tid = static_cast<uint32_t>(tid);
	impl_->control->target_tgid = static_cast<uint32_t>(tgid);
}

void Tracer::start()
{
	impl_->events.clear();
	impl_->draining = true;
	impl_->drainer = std::thread([impl = impl_.get()] {
		// Off the measured CPU where there is another: the drainer's own
		// work would otherwise be timed.
		cpu_set_t set;
		CPU_ZERO(&set);
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		for (int c = 0; c < n && c < CPU_SETSIZE; c++)
			if (c != impl->avoid_cpu)
				CPU_SET(c, &set);
		if (CPU_COUNT(&set))
			sched_setaffinity(0, sizeof(set), &set);
		// Polled, not woken: the programs submit without a wakeup.
		while (impl->draining) {
			ring_buffer__consume(impl->ring.get());
			std::this_thread::sleep_for(std::chrono::milliseconds(2));
		}
		ring_buffer__consume(impl->ring.get());
	});
}

std::vector<Event> Tracer::stop()
{
	impl_->draining = false;
	if (impl_->drainer.joinable())
		impl_->drainer.join();
	return std::exchange(impl_->events, {});
}

const std::vector<Attachment> &Tracer::attachments() const
{
	return impl_->attached;
}

bool Tracer::observable(uint32_t kind) const
{
	for (uint32_t k : impl_->kinds)
		if (k == kind)
			return true;
	return false;
}

std::vector<std::string> Tracer::notes() const
{
	return impl_->notes;
}

void Tracer::begin_run()
{
	run_++;
	drops_at_begin_[run_] = drops();
}

void Tracer::setup(std::size_t iteration)
{
	impl_->control->mark = make_mark(run_, iteration, false);
}

void Tracer::timed(std::size_t iteration)
{
	impl_->control->mark = make_mark(run_, iteration, true);
}

void Tracer::end_run()
{
	impl_->control->mark = 0;
	drops_in_[run_] = drops() - drops_at_begin_[run_];
}

void Tracer::follow_thread(pid_t tid)
{
	target(tid);
}

uint64_t Tracer::drops() const
{
	return impl_->counter(VERIFY_DROPS);
}

#else // !XPERF_BPF

struct Tracer::Impl {};

Tracer::Tracer(int, const std::vector<std::string> &)
{
	throw Unavailable("--verify: this xperf-user was built without BPF (XPERF_BPF=OFF); "
			  "rebuild with clang, bpftool and libbpf (scripts/install-deps.sh)");
}

Tracer::~Tracer() = default;
void Tracer::target(pid_t, pid_t) {}
void Tracer::start() {}
std::vector<Event> Tracer::stop()
{
	return {};
}
const std::vector<Attachment> &Tracer::attachments() const
{
	static const std::vector<Attachment> none;
	return none;
}
bool Tracer::observable(uint32_t) const
{
	return false;
}
std::vector<std::string> Tracer::notes() const
{
	return {};
}
void Tracer::begin_run() {}
void Tracer::setup(std::size_t) {}
void Tracer::timed(std::size_t) {}
void Tracer::end_run() {}
void Tracer::follow_thread(pid_t) {}
uint64_t Tracer::drops() const
{
	return 0;
}

#endif

uint64_t Tracer::drops_in(uint64_t run) const
{
	auto it = drops_in_.find(run);
	return it == drops_in_.end() ? 0 : it->second;
}

} // namespace xperf::verify
