#include "core/tsc.h"

#include <cpuid.h>
#include <ctime>

namespace xperf {

namespace {

// __get_cpuid fails for a leaf above the CPU's maximum.
double from_leaf_15()
{
	unsigned int denom, numer, crystal_hz, edx;
	if (!__get_cpuid(0x15, &denom, &numer, &crystal_hz, &edx) || !denom || !numer ||
	    !crystal_hz)
		return 0;
	return static_cast<double>(crystal_hz) * numer / denom;
}

double from_leaf_16()
{
	unsigned int base_mhz, ebx, ecx, edx;
	if (!__get_cpuid(0x16, &base_mhz, &ebx, &ecx, &edx))
		return 0;
	return (base_mhz & 0xffff) * 1e6;
}

bool invariant_tsc()
{
	unsigned int eax, ebx, ecx, edx;
	if (!__get_cpuid(0x80000007, &eax, &ebx, &ecx, &edx))
		return false;
	return edx & (1u << 8);
}

double now_ns()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

} // namespace

double tsc_calibrate_hz(unsigned calibrate_ms)
{
	double t0 = now_ns();
	uint64_t c0 = tsc_begin();
	double target = t0 + calibrate_ms * 1e6;
	double t1;
	do {
		t1 = now_ns();
	} while (t1 < target);
	uint64_t c1 = tsc_end();
	return static_cast<double>(c1 - c0) * 1e9 / (t1 - t0);
}

TscInfo tsc_info(unsigned calibrate_ms)
{
	TscInfo info;
	info.invariant = invariant_tsc();
	if (double hz = from_leaf_15(); hz > 0) {
		info.hz = hz;
		info.source = "cpuid-0x15";
	} else if (double hz16 = from_leaf_16(); hz16 > 0) {
		info.hz = hz16;
		info.source = "cpuid-0x16";
	} else {
		info.hz = tsc_calibrate_hz(calibrate_ms);
		info.source = "calibrated-monotonic-raw";
	}
	return info;
}

} // namespace xperf
