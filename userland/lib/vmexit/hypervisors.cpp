#include "vmexit/hypervisors.h"

#include "core/cpu_id.h"

#include <xperf/vmexit_protocol.h>

#include <string>

namespace xperf {

uint32_t host_hypercall_insn()
{
	const std::string v = cpu_vendor();
	return v == "AuthenticAMD" || v == "HygonGenuine" ? XPERF_HC_VMMCALL : XPERF_HC_VMCALL;
}

} // namespace xperf
