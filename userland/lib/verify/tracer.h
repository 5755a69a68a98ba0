// The BPF side of --verify, loaded and attached: verify.bpf.c filtered to
// one thread (or one process), its events drained from the ring buffer on
// another CPU, and the iteration marks written into its control map.
#pragma once

#include "core/error.h"
#include "core/run_context.h"
#include "verify/event.h"

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace xperf::verify {

// --verify cannot run here; what() says why and what to do. An Error of
// kind unavailable like any other.
class Unavailable : public Error {
public:
	explicit Unavailable(std::string why) : Error(ErrorKind::unavailable, std::move(why)) {}
};

// How one event is observed: which program, attached how, or why not.
struct Attachment {
	std::string event;    // "sys_enter", "kvm_cpuid", ...
	std::string type;     // "tp_btf", "tracepoint", "fentry", "kprobe"; empty: none
	std::string fallback; // why a better type was not used, if so
	std::string error;    // why no type attached, if so
};

class Tracer final : public IterationMarks {
public:
	// Loads and attaches everything this kernel allows; throws Unavailable.
	// avoid_cpu: keep the draining thread off the measured CPU. refuse:
	// attach types ("tp_btf", "fentry", ...) not to use, as if the kernel
	// refused them: the fallbacks can be exercised where the best is allowed.
	explicit Tracer(int avoid_cpu, const std::vector<std::string> &refuse = {});
	~Tracer();
	Tracer(const Tracer &) = delete;
	Tracer &operator=(const Tracer &) = delete;

	void target(pid_t tid, pid_t tgid = 0);
	void start();		   // begin draining events
	std::vector<Event> stop(); // stop draining, return what came

	const std::vector<Attachment> &attachments() const;
	bool observable(uint32_t kind) const;
	std::vector<std::string> notes() const; // tracefs mounted, fallbacks, ...

	// The measurements since the last start(), numbered from 1 in marks,
	// with the events each lost.
	uint64_t runs() const { return run_; }
	uint64_t drops_in(uint64_t run) const;
	uint64_t drops() const; // every event lost since the programs were loaded

	void begin_run() override;
	void setup(std::size_t iteration) override;
	void timed(std::size_t iteration) override;
	void end_run() override;
	void follow_thread(pid_t tid) override;

private:
	struct Impl;
	std::unique_ptr<Impl> impl_;
	uint64_t run_ = 0;
	std::map<uint64_t, uint64_t> drops_at_begin_, drops_in_;
};

} // namespace xperf::verify
