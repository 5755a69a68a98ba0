#include "vmexit/vm_run.h"

namespace xperf {

uint64_t guest_memory_bytes(uint32_t records, uint32_t samples)
{
	constexpr uint64_t two_mib = 2u << 20;
	uint64_t need = XPERF_VM_SAMPLES_GPA + uint64_t{ records } * samples * sizeof(uint32_t);
	return (need + two_mib - 1) / two_mib * two_mib;
}

std::chrono::seconds run_deadline(uint32_t records, uint32_t samples, uint32_t warmup)
{
	// 200 us a round trip: several times the slowest seen under nested KVM.
	// Each record runs its samples twice: timed one by one and back to back.
	uint64_t iterations = uint64_t{ records } * (2 * uint64_t{ samples } + warmup);
	return std::chrono::seconds(30 + iterations / 5000);
}

} // namespace xperf
