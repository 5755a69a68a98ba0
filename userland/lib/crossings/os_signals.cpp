// The OS suite's signal entries, as LMBench's lat_sig times them: installing
// a handler, sending a signal to oneself and running its handler, and a
// protection fault turned into a signal whose handler fixes it up.
#include "core/error.h"
#include "core/sampler.h"
#include "core/stats.h"
#include "crossings/crossings.h"
#include "crossings/os_scratch.h"

#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdint>

// One store that can fault, and where to resume after it: the SIGSEGV
// handler of prot-fault steps over the store, as the kernel's exception
// tables step over a faulting user access.
asm(".pushsection .text\n"
    ".globl xperf_store_byte\n"
    ".type xperf_store_byte, @function\n"
    "xperf_store_byte:\n"
    "\tmovb $1, (%rdi)\n"
    ".globl xperf_store_byte_resume\n"
    "xperf_store_byte_resume:\n"
    "\tret\n"
    ".size xperf_store_byte, .-xperf_store_byte\n"
    ".popsection\n");
extern "C" void xperf_store_byte(volatile char *p);
extern "C" char xperf_store_byte_resume[];

namespace xperf {

namespace {

// A signal's disposition for as long as it lives; the one before is put back.
class SignalAction {
public:
	SignalAction(int sig, void (*handler)(int, siginfo_t *, void *)) : sig_(sig)
	{
		struct sigaction sa {};
		sa.sa_sigaction = handler;
		sa.sa_flags = SA_SIGINFO;
		sigemptyset(&sa.sa_mask);
		if (::sigaction(sig, &sa, &old_))
			throw_errno("sigaction");
	}
	SignalAction(const SignalAction &) = delete;
	SignalAction &operator=(const SignalAction &) = delete;
	~SignalAction() { ::sigaction(sig_, &old_, nullptr); }

private:
	int sig_;
	struct sigaction old_ {};
};

volatile sig_atomic_t handled;

void count_signal(int, siginfo_t *, void *)
{
	handled = handled + 1;
}

void skip_faulting_store(int sig, siginfo_t *, void *context)
{
	auto *uc = static_cast<ucontext_t *>(context);
	greg_t &rip = uc->uc_mcontext.gregs[REG_RIP];
	if (rip == reinterpret_cast<greg_t>(&xperf_store_byte)) {
		rip = reinterpret_cast<greg_t>(xperf_store_byte_resume);
		return;
	}
	// Not the measured store: a real crash, which the default action ends
	// when the instruction faults again.
	::signal(sig, SIG_DFL);
}

// kill(2) of sig to this process, timed. A round in a process of its own
// has a pid of its own: read untimed.
Timing time_kill(const RunContext &ctx, int sig)
{
	pid_t self = 0;
	return measure(
		ctx, ctx.opt.batch, [&] { self = ::getpid(); },
		[&] {
			if (__builtin_expect(::kill(self, sig) != 0, 0))
				throw_errno("kill");
		});
}

// SIGUSR1 sent to this process and caught by an empty handler.
Timing time_catch(const RunContext &ctx)
{
	SignalAction action(SIGUSR1, count_signal);
	handled = 0;
	::kill(::getpid(), SIGUSR1);
	if (handled != 1)
		throw failed("a signal sent to this process did not reach its handler");
	return time_kill(ctx, SIGUSR1);
}

// What lat_sig prot subtracts from its protection faults: its catch figure,
// the median of a caught SIGUSR1 less that of kill(2) of signal 0 (the
// send: the permission check, no delivery), both measured here.
struct Catch {
	double caught = 0, sent = 0;
	double net() const { return caught - sent; }
};

Catch measure_catch(const RunContext &ctx)
{
	Catch c;
	c.caught = describe(time_catch(ctx).cycles).median;
	c.sent = describe(time_kill(ctx, 0).cycles).median;
	return c;
}

// The round trip's samples less the catch: LMBench's figure, with the
// round trip's distribution.
Result less_catch(const RunContext &ctx, const Scratch &scratch, Timing t, const Catch &c)
{
	const double round_trip = describe(t.cycles).median;
	for (double &x : t.cycles)
		x -= c.net();
	Result r = scratch.result(ctx, "prot-fault", "less-catch", t,
				"the round trip of shared-file-write less LMBench's catch figure "
				"measured in the same entry (detail.catch_cycles, a caught SIGUSR1 "
				"sent to this process, less detail.send_cycles, kill(2) of signal 0), "
				"as lat_sig prot subtracts it: the fault's cost over a caught signal");
	r.method["net"] = "per fault: round trip - median empty region - (median caught SIGUSR1 "
			  "- median kill of signal 0)";
	const double ns_per_cycle = ctx.tsc.hz > 0 ? 1e9 / ctx.tsc.hz : 0.0;
	r.detail["round_trip_cycles"] = round_trip;
	r.detail["catch_cycles"] = c.caught;
	r.detail["send_cycles"] = c.sent;
	r.detail["subtracted_cycles"] = c.net();
	r.detail["subtracted_ns"] = c.net() * ns_per_cycle;
	return r;
}

} // namespace

std::vector<Result> run_sig_install(const RunContext &ctx)
{
	SignalAction keep(SIGUSR1, count_signal); // put back what was there before
	struct sigaction sa {}, old {};
	sa.sa_sigaction = count_signal;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	Timing t = measure(ctx, auto_batch, [] {}, [&] {
		if (__builtin_expect(::sigaction(SIGUSR1, &sa, &old) != 0, 0))
			throw_errno("sigaction");
	});
	Result r = timed_result(ctx, "sig-install", "sigusr1", t);
	r.notes.push_back("timed: sigaction(2) installing a handler for SIGUSR1, the old action "
			  "read back (LMBench lat_sig install)");
	return { r };
}

std::vector<Result> run_sig_handler(const RunContext &ctx)
{
	Timing t = time_catch(ctx);
	Result r = timed_result(ctx, "sig-handler", "sigusr1", t);
	r.notes.push_back("timed: kill(2) of SIGUSR1 to this process, its delivery, an empty "
			  "handler and sigreturn (LMBench lat_sig catch, which then subtracts the "
			  "cost of kill(pid, 0); this figure keeps it)");
	return { r };
}

std::vector<Result> run_prot_fault(const RunContext &ctx)
{
	const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
	Scratch scratch(ctx, "prot-fault");
	UniqueFd fd = make_file(scratch.file("page"), page);
	FileMapping map(fd.get(), page, PROT_READ, MAP_SHARED);
	// Present, as after any read (x86 refuses the store on the mapping's
	// permissions either way, before looking at the page).
	volatile char *p = map.data();
	(void)*p;
	SignalAction action(SIGSEGV, skip_faulting_store);
	Timing t = measure(ctx, auto_batch, [] {}, [p] { xperf_store_byte(p); });
	Result r = scratch.result(ctx, "prot-fault", "shared-file-write", t,
				"a store to a read-only shared mapping of a file page that is "
				"mapped in, the SIGSEGV it raises, a handler that steps over the store, "
				"and sigreturn (LMBench lat_sig prot, which then subtracts its catch "
				"figure; this one keeps it, less-catch does not)");
	r.detail["page_size"] = page;
	Result less = less_catch(ctx, scratch, std::move(t), measure_catch(ctx));
	less.detail["page_size"] = page;
	return { std::move(r), std::move(less) };
}

} // namespace xperf
