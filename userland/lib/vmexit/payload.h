// The VM-exit guest payload (guest/), embedded at build time.
#pragma once

#include "xperf/vmexit_protocol.h"

#include <cstddef>
#include <span>
#include <string_view>

extern "C" const unsigned char xperf_vmexit_payload[];
extern "C" const std::size_t xperf_vmexit_payload_size;

namespace xperf {

// The flat image, loaded at XPERF_VM_LOAD_ADDR by either VMM.
inline std::span<const unsigned char> payload_image()
{
	return { xperf_vmexit_payload, xperf_vmexit_payload_size };
}

// Its header; throws std::runtime_error when the embedded image does not
// speak this protocol version or was built with another exit table than
// xperf-user (a stale build).
xperf_vm_payload_header payload_header(std::span<const unsigned char> image);

// The exit table the image was built with (header.vmexit_table), as
// XPERF_VMEXIT_ROW_TEXT lines; throws std::runtime_error when the header
// points outside the image.
std::string_view payload_exit_table(std::span<const unsigned char> image,
				    const xperf_vm_payload_header &header);

} // namespace xperf
