#include "payload.h"

#include <fmt/format.h>

#include <cstring>
#include <stdexcept>

namespace xperf {

xperf_vm_payload_header payload_header(std::span<const unsigned char> image)
{
	xperf_vm_payload_header h{};
	if (image.size() < XPERF_VM_HEADER_OFFSET + sizeof(h))
		throw std::runtime_error("the embedded VM-exit payload is truncated: rebuild xperf");
	std::memcpy(&h, image.data() + XPERF_VM_HEADER_OFFSET, sizeof(h));
	if (h.magic != XPERF_VM_HEADER_MAGIC || h.version != XPERF_VM_PROTOCOL_VERSION)
		throw std::runtime_error(fmt::format(
			"the embedded VM-exit payload speaks protocol {:#x}/{}, xperf-user {:#x}/{}: "
			"rebuild xperf",
			h.magic, h.version, XPERF_VM_HEADER_MAGIC, XPERF_VM_PROTOCOL_VERSION));
	return h;
}

} // namespace xperf
