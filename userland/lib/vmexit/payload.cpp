#include "vmexit/payload.h"

#include "vmexit/exit_kinds.h"

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
	if (payload_exit_table(image, h) != exit_table_text())
		throw std::runtime_error("the embedded VM-exit payload was built with another exit "
					 "table than xperf-user: rebuild xperf");
	return h;
}

std::string_view payload_exit_table(std::span<const unsigned char> image,
				    const xperf_vm_payload_header &header)
{
	const auto *begin = reinterpret_cast<const char *>(image.data());
	const std::size_t at = header.vmexit_table - std::size_t{ XPERF_VM_LOAD_ADDR };
	if (header.vmexit_table < XPERF_VM_LOAD_ADDR || at >= image.size())
		throw std::runtime_error("the embedded VM-exit payload's exit table lies outside "
					 "it: rebuild xperf");
	std::string_view rest(begin + at, image.size() - at);
	std::size_t nul = rest.find('\0');
	if (nul == std::string_view::npos)
		throw std::runtime_error("the embedded VM-exit payload's exit table is not "
					 "terminated: rebuild xperf");
	return rest.substr(0, nul);
}

} // namespace xperf
