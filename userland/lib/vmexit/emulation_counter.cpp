#include "vmexit/emulation_counter.h"

#include "core/sysroot.h"

#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace xperf {

namespace {

constexpr const char *event = "events/kvm/kvm_emulate_insn/id";

// The tracepoint's id, from tracefs where it is mounted.
std::optional<uint64_t> tracepoint_id()
{
	for (const char *tracefs : { "sys/kernel/tracing", "sys/kernel/debug/tracing" }) {
		auto text = read_text("/", fmt::format("{}/{}", tracefs, event));
		uint64_t id = 0;
		if (text && std::from_chars(text->data(), text->data() + text->size(), id).ec ==
				    std::errc())
			return id;
	}
	return std::nullopt;
}

} // namespace

std::optional<EmulationCounter> EmulationCounter::open(std::string &why_not)
{
	auto id = tracepoint_id();
	if (!id) {
		why_not = fmt::format("no kvm:kvm_emulate_insn tracepoint in tracefs "
				      "(/sys/kernel/tracing/{}: mount tracefs, as root)",
				      event);
		return std::nullopt;
	}
	perf_event_attr attr{};
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.config = *id;
	long fd = ::syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		why_not = fmt::format("perf_event_open of kvm:kvm_emulate_insn: {}",
				      std::strerror(errno));
		return std::nullopt;
	}
	return EmulationCounter(UniqueFd(static_cast<int>(fd)));
}

uint64_t EmulationCounter::read() const
{
	uint64_t n = 0;
	if (::read(fd_.get(), &n, sizeof(n)) != static_cast<ssize_t>(sizeof(n)))
		return 0;
	return n;
}

} // namespace xperf
