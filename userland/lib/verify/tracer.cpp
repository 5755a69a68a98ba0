#include "verify/tracer.h"

#include "core/affinity.h"
#include "core/text_list.h"
#include "core/unique_fd.h"

#include "verify/correlate.h"

#if XPERF_BPF
#include "verify.skel.h"

#include <bpf/bpf.h>
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
#include <iterator>
#include <map>
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

// glibc's own default, where a process starts.
constexpr int glibc_mmap_threshold = 128 * 1024;

// What the tracer changes for the whole process, for as long as it lives:
// libbpf's print hook, given back as it was found, and malloc's mmap
// threshold, which cannot be.
class ProcessState {
public:
	ProcessState() : previous_print_(libbpf_set_print(capture_libbpf))
	{
		// libbpf reads the kernel's BTF into buffers of megabytes, and the
		// traced runs' events are copied in blocks of megabytes; freeing
		// such an mmapped block raises glibc's dynamic mmap threshold, and
		// the next big buffers then come from the heap and stay there,
		// free. Later large mallocs would be served from them, not mmap:
		// the alloc crossing would take another path with --verify than
		// without. Pinning the threshold at glibc's default keeps the heap
		// as a run without --verify has it. glibc can neither report the
		// threshold nor resume adjusting it, so the pin outlives the
		// tracer: at the value a process starts with.
		mallopt(M_MMAP_THRESHOLD, glibc_mmap_threshold);
	}
	ProcessState(const ProcessState &) = delete;
	ProcessState &operator=(const ProcessState &) = delete;
	~ProcessState() { libbpf_set_print(previous_print_); }

private:
	libbpf_print_fn_t previous_print_;
};

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
constexpr std::size_t types = std::size(type_names);

const char *name_of(Type t)
{
	return type_names[static_cast<std::size_t>(t)];
}

struct Candidate {
	Type type;
	const char *program;
};

// One observed event and its twin programs, best attach type first.
struct Slot {
	const char *event;    // tracepoint or function name
	const char *category; // tracefs category of the classic tracepoint
	uint32_t kind;
	std::vector<Candidate> candidates;
	// The classic tracepoint's context as the BPF side reads it through
	// CO-RE: any of these structs, in vmlinux's BTF or module's.
	std::vector<const char *> context = {};
	const char *module = nullptr;
};

// tp_btf and classic twins of tracepoint EVENT in CATEGORY.
Slot tracepoint(const char *event, const char *category, uint32_t kind, const char *btf,
		const char *tp, std::vector<const char *> context, const char *module = nullptr)
{
	std::vector<Candidate> c;
	if (btf)
		c.push_back({ Type::tp_btf, btf });
	c.push_back({ Type::tracepoint, tp });
	return { event, category, kind, std::move(c), std::move(context), module };
}

const std::vector<Slot> &slots()
{
	static const std::vector<Slot> s = {
		tracepoint("sys_enter", "raw_syscalls", VERIFY_SYS_ENTER, "sys_enter_btf",
			   "sys_enter_tp", { "trace_event_raw_sys_enter" }),
		tracepoint("page_fault_user", "exceptions", VERIFY_PAGE_FAULT_USER,
			   "page_fault_user_btf", "page_fault_user_tp",
			   { "trace_event_raw_exceptions", "trace_event_raw_x86_exceptions" }),
		{ "handle_mm_fault", nullptr, VERIFY_MM_FAULT,
		  { { Type::fentry, "mm_fault_fentry" }, { Type::kprobe, "mm_fault_kprobe" } } },
		tracepoint("irq_handler_entry", "irq", VERIFY_IRQ, "irq_handler_btf",
			   "irq_handler_tp", { "trace_event_raw_irq_handler_entry" }),
		tracepoint("local_timer_entry", "irq_vectors", VERIFY_IRQ, "local_timer_btf",
			   "local_timer_tp", { "trace_event_raw_x86_irq_vector" }),
		tracepoint("reschedule_entry", "irq_vectors", VERIFY_IRQ, "reschedule_btf",
			   "reschedule_tp", { "trace_event_raw_x86_irq_vector" }),
		tracepoint("call_function_entry", "irq_vectors", VERIFY_IRQ, "call_function_btf",
			   "call_function_tp", { "trace_event_raw_x86_irq_vector" }),
		tracepoint("call_function_single_entry", "irq_vectors", VERIFY_IRQ,
			   "call_function_single_btf", "call_function_single_tp",
			   { "trace_event_raw_x86_irq_vector" }),
		tracepoint("irq_work_entry", "irq_vectors", VERIFY_IRQ, "irq_work_btf",
			   "irq_work_tp", { "trace_event_raw_x86_irq_vector" }),
		tracepoint("sched_switch", "sched", VERIFY_SWITCH_OUT, "sched_switch_btf",
			   "sched_switch_tp", { "trace_event_raw_sched_switch" }),
		tracepoint("kvm_exit", "kvm", VERIFY_KVM_EXIT, nullptr, "kvm_exit_tp",
			   { "trace_event_raw_kvm_exit" }, "kvm"),
		tracepoint("kvm_entry", "kvm", VERIFY_KVM_ENTRY, "kvm_entry_btf", "kvm_entry_tp",
			   { "trace_event_raw_kvm_entry" }, "kvm"),
		tracepoint("kvm_cpuid", "kvm", VERIFY_KVM_CPUID, "kvm_cpuid_btf", "kvm_cpuid_tp",
			   { "trace_event_raw_kvm_cpuid" }, "kvm"),
		tracepoint("kvm_msr", "kvm", VERIFY_KVM_MSR, "kvm_msr_btf", "kvm_msr_tp",
			   { "trace_event_raw_kvm_msr" }, "kvm"),
		tracepoint("kvm_hypercall", "kvm", VERIFY_KVM_HYPERCALL, "kvm_hypercall_btf",
			   "kvm_hypercall_tp", { "trace_event_raw_kvm_hypercall" }, "kvm"),
		tracepoint("kvm_pio", "kvm", VERIFY_KVM_PIO, "kvm_pio_btf", "kvm_pio_tp",
			   { "trace_event_raw_kvm_pio" }, "kvm"),
		tracepoint("kvm_userspace_exit", "kvm", VERIFY_KVM_USERSPACE_EXIT,
			   "kvm_userspace_exit_btf", "kvm_userspace_exit_tp",
			   { "trace_event_raw_kvm_userspace_exit" }, "kvm"),
		tracepoint("kvm_page_fault", "kvm", VERIFY_KVM_PAGE_FAULT, "kvm_page_fault_btf",
			   "kvm_page_fault_tp", { "trace_event_raw_kvm_page_fault" }, "kvm"),
	};
	return s;
}

std::string tracefs_root()
{
	for (const char *p : { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" })
		if (exists(std::string(p) + "/events"))
			return p;
	return {};
}

// Classic tracepoints need tracefs; mounts it where the kernel expects,
// and says so in notes.
std::string ensure_tracefs(std::vector<std::string> &notes)
{
	std::string root = tracefs_root();
	if (root.empty() && ::mount("nodev", "/sys/kernel/tracing", "tracefs", 0, nullptr) == 0) {
		root = tracefs_root();
		notes.push_back("mounted tracefs on /sys/kernel/tracing for the classic "
				"tracepoints");
	}
	return root;
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

// ---- probing, the way libbpf-tools' trace_helpers.c does it --------------

// A program that reads each of its first nargs context words and returns
// 0: a kernel that cannot let a program read one of an event's arguments
// (6.12 and kvm_pio's const void *) refuses it as it would the real one.
std::vector<bpf_insn> reading_args(unsigned nargs)
{
	auto insn = [](uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
		bpf_insn i{};
		i.code = code;
		i.dst_reg = dst & 0xf;
		i.src_reg = src & 0xf;
		i.off = off;
		i.imm = imm;
		return i;
	};
	std::vector<bpf_insn> p;
	for (unsigned i = 0; i < nargs; i++) // r2 = *(u64 *)(r1 + 8 * i)
		p.push_back(insn(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_2, BPF_REG_1,
				 static_cast<int16_t>(8 * i), 0));
	p.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0)); // r0 = 0
	p.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
	return p;
}

// The verifier's last words before its statistics line: why it refused.
std::string verdict(const char *log)
{
	std::string l(log);
	for (;;) {
		while (!l.empty() && l.back() == '\n')
			l.pop_back();
		std::size_t nl = l.rfind('\n');
		std::string last = nl == std::string::npos ? l : l.substr(nl + 1);
		if (last.rfind("processed ", 0) != 0)
			return last;
		l.erase(nl == std::string::npos ? 0 : nl);
	}
}

// Loads a tiny program of the type and, for tp_btf and fentry, attaches it
// for a moment: loading alone does not show every refusal (fentry under
// some hypervisors). Empty when the kernel took it, else why not.
std::string try_tiny(bpf_prog_type type, bpf_attach_type attach, int btf_id, unsigned nargs)
{
	std::vector<bpf_insn> insns = reading_args(nargs);
	char log[4096] = "";
	bpf_prog_load_opts opts{};
	opts.sz = sizeof(opts);
	opts.expected_attach_type = attach;
	opts.attach_btf_id = btf_id > 0 ? static_cast<__u32>(btf_id) : 0;
	opts.log_buf = log;
	opts.log_size = sizeof(log);
	UniqueFd prog(bpf_prog_load(type, nullptr, "GPL", insns.data(), insns.size(), &opts));
	if (!prog) {
		int err = errno;
		std::string why = verdict(log);
		return why.empty() ? std::strerror(err)
				   : fmt::format("{}: {}", std::strerror(err), why);
	}
	if (type == BPF_PROG_TYPE_TRACING) {
		UniqueFd link(bpf_raw_tracepoint_open(nullptr, prog.get()));
		if (!link)
			return fmt::format("attaching: {}", std::strerror(errno));
	}
	return {};
}

// How many arguments a program of a tp_btf event (its btf_trace_ typedef)
// or of a function (its FUNC) sees; -1 when the BTF does not say.
int arguments(const btf *b, int id)
{
	const btf_type *t = btf__type_by_id(b, static_cast<__u32>(id));
	bool typedef_ = t && btf_is_typedef(t);
	if (typedef_) { // a pointer to a prototype whose first argument is the tracepoint's own
		t = btf__type_by_id(b, t->type);
		if (!t || !btf_is_ptr(t))
			return -1;
	}
	if (t)
		t = btf__type_by_id(b, t->type);
	if (!t || !btf_is_func_proto(t))
		return -1;
	return btf_vlen(t) - (typedef_ ? 1 : 0);
}

// Tracepoint and kprobe programs have no expected attach type.
constexpr auto untyped = static_cast<bpf_attach_type>(0);

// What this kernel lets each twin do, found with tiny programs and its BTF.
class Probe {
public:
	Probe(const std::vector<std::string> &refuse, std::string tracefs)
		: vmlinux_(btf__load_vmlinux_btf()), tracefs_(std::move(tracefs))
	{
		for (std::size_t t = 0; t < types; t++)
			if (std::find(refuse.begin(), refuse.end(), type_names[t]) != refuse.end())
				refused_[t] = fmt::format("{} not used (asked not to)", type_names[t]);
		refuse_unless(Type::tracepoint,
			      try_tiny(BPF_PROG_TYPE_TRACEPOINT, untyped, 0, 0));
		refuse_unless(Type::kprobe,
			      try_tiny(BPF_PROG_TYPE_KPROBE, untyped, 0, 0));
		take_libbpf_log();
	}

	// Empty when c can observe s here; else why not.
	std::string why_not(const Slot &s, const Candidate &c)
	{
		if (!refused_[static_cast<std::size_t>(c.type)].empty())
			return refused_[static_cast<std::size_t>(c.type)];
		switch (c.type) {
		case Type::tp_btf:
			return tracing(fmt::format("btf_trace_{}", s.event), BTF_KIND_TYPEDEF,
				       BPF_TRACE_RAW_TP, c.type);
		case Type::fentry:
			return tracing(s.event, BTF_KIND_FUNC, BPF_TRACE_FENTRY, c.type);
		case Type::tracepoint:
			return classic(s);
		default:
			return kallsyms_has(s.event) ? ""
						     : fmt::format("no kernel symbol {}", s.event);
		}
	}

private:
	Btf vmlinux_;
	std::map<std::string, Btf> modules_; // split BTF, by module; null: none
	std::string tracefs_;
	std::string refused_[types]; // the type is not used at all, and why

	void refuse_unless(Type t, const std::string &why)
	{
		std::string &r = refused_[static_cast<std::size_t>(t)];
		if (r.empty() && !why.empty())
			r = fmt::format("{} refused ({})", name_of(t), why);
	}

	// tp_btf and fentry: typed by vmlinux's BTF, each target probed.
	std::string tracing(const std::string &name, __u32 kind, bpf_attach_type attach, Type t)
	{
		int id = vmlinux_ ? btf__find_by_name_kind(vmlinux_.get(), name.c_str(), kind) : -1;
		if (id <= 0)
			return fmt::format("no {} in the kernel's BTF", name);
		int nargs = arguments(vmlinux_.get(), id);
		if (nargs < 0)
			return fmt::format("{}'s BTF gives no prototype", name);
		std::string why = try_tiny(BPF_PROG_TYPE_TRACING, attach, id,
					   static_cast<unsigned>(nargs));
		take_libbpf_log();
		return why.empty() ? why : fmt::format("{} refused ({})", name_of(t), why);
	}

	std::string classic(const Slot &s)
	{
		if (tracefs_.empty())
			return "tracefs is not mounted (classic tracepoints need it)";
		if (!exists(fmt::format("{}/events/{}/{}", tracefs_, s.category, s.event)))
			return fmt::format("no tracepoint {}:{}", s.category, s.event);
		for (const char *ctx : s.context)
			if (has_struct(ctx, s.module))
				return {};
		return fmt::format("no {} in the kernel's BTF to read the context by",
				   s.context.front());
	}

	bool has_struct(const char *name, const char *module)
	{
		if (vmlinux_ && btf__find_by_name_kind(vmlinux_.get(), name, BTF_KIND_STRUCT) > 0)
			return true;
		const btf *m = module ? module_btf(module) : nullptr;
		return m && btf__find_by_name_kind(m, name, BTF_KIND_STRUCT) > 0;
	}

	const btf *module_btf(const std::string &module)
	{
		auto it = modules_.find(module);
		if (it == modules_.end()) {
			std::string path = "/sys/kernel/btf/" + module;
			btf *b = vmlinux_ && exists(path) ? btf__parse_split(path.c_str(), vmlinux_.get())
							   : nullptr;
			it = modules_.emplace(module, Btf(b)).first;
		}
		return it->second.get();
	}
};

// The twin each event is observed by, and why no better one (or none).
struct Choice {
	const Slot *slot;
	const Candidate *program = nullptr;
	std::string passed_over;
};

std::vector<Choice> choose(Probe &probe)
{
	std::vector<Choice> out;
	for (const Slot &s : slots()) {
		Choice c{ &s, nullptr, {} };
		for (const Candidate &k : s.candidates) {
			std::string why = probe.why_not(s, k);
			if (why.empty()) {
				c.program = &k;
				break;
			}
			append_item(c.passed_over, "; ", why);
		}
		out.push_back(std::move(c));
	}
	if (std::none_of(out.begin(), out.end(), [](const Choice &c) { return c.program; })) {
		std::string why;
		for (const Choice &c : out)
			append_item(why, "; ", fmt::format("{}: {}", c.slot->event, c.passed_over));
		throw Unavailable(fmt::format("--verify: the kernel lets no BPF program observe "
					      "any event: BPF is not allowed here (lockdown, a "
					      "seccomp filter, a container without CAP_BPF) or the "
					      "kernel lacks what they need ({})",
					      why));
	}
	return out;
}

// One load of the chosen twins.
Skeleton load(const std::vector<Choice> &choices)
{
	Skeleton s(::verify__open());
	if (!s)
		throw Unavailable(fmt::format("--verify: cannot open the BPF object: {}\n{}",
					      std::strerror(errno), take_libbpf_log()));
	bpf_program *p;
	bpf_object__for_each_program(p, s->obj)
	{
		bool chosen = std::any_of(choices.begin(), choices.end(), [p](const Choice &c) {
			return c.program && std::strcmp(c.program->program, bpf_program__name(p)) == 0;
		});
		bpf_program__set_autoload(p, chosen);
	}
	if (int err = ::verify__load(s.get()))
		throw Unavailable(fmt::format("--verify: the kernel refused the BPF programs ({}) "
					      "that the probes found it takes; libbpf said:\n{}",
					      std::strerror(-err), take_libbpf_log()));
	return s;
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
	ProcessState process; // first: restored after every libbpf object is gone
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

	// Each event's chosen twin attached; what did not attach says why.
	void attach(const std::vector<Choice> &choices)
	{
		for (const Choice &c : choices) {
			Attachment a{ c.slot->event, {}, {}, {} };
			if (c.program && attach_one(*c.program)) {
				a.type = name_of(c.program->type);
				a.fallback = c.passed_over;
				kinds.push_back(c.slot->kind);
			} else {
				a.error = c.passed_over;
				if (c.program)
					append_item(a.error, "; ", attach_failure(*c.program));
			}
			attached.push_back(std::move(a));
		}
	}

	bool attach_one(const Candidate &c)
	{
		bpf_program *p = bpf_object__find_program_by_name(skel->obj, c.program);
		Link link(p ? bpf_program__attach(p) : nullptr);
		if (!link)
			return false;
		links.push_back(std::move(link));
		return true;
	}

	static std::string attach_failure(const Candidate &c)
	{
		std::string why = fmt::format("{} attach failed ({})", name_of(c.type),
					      std::strerror(errno));
		// libbpf attaches kprobes through the kprobe PMU.
		if (c.type == Type::kprobe && !exists("/sys/bus/event_source/devices/kprobe"))
			why += ": the kernel has no kprobe PMU (CONFIG_KPROBE_EVENTS)";
		take_libbpf_log();
		return why;
	}

	// The control map and the ring buffer, mapped into this process.
	void map_shared()
	{
		control = ControlMapping(bpf_map__fd(skel->maps.control));
		ring.reset(ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, this,
					    nullptr));
		if (!ring)
			throw Unavailable(fmt::format("--verify: cannot map the ring buffer: {}",
						      std::strerror(errno)));
	}
};

// Probe, load the best twin of each event, attach: throws Unavailable.
Tracer::Tracer(int avoid_cpu, const std::vector<std::string> &refuse)
	: impl_(std::make_unique<Impl>())
{
	check_preconditions();
	impl_->avoid_cpu = avoid_cpu;
	std::vector<Choice> choices;
	{
		// Its BTF goes before anything is measured.
		Probe probe(refuse, ensure_tracefs(impl_->notes));
		choices = choose(probe);
	}
	impl_->skel = load(choices);
	impl_->attach(choices);
	impl_->map_shared();
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
		set_affinity(0, cpus_other_than(impl->avoid_cpu));
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
