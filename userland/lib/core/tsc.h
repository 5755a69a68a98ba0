// Serialized TSC reads and the TSC's frequency.
#pragma once

#include <cstdint>
#include <string>

#include <x86intrin.h>

namespace xperf {

// Start of a timed region: the fence keeps earlier instructions from
// drifting past the read.
static inline __attribute__((always_inline)) uint64_t tsc_begin()
{
	_mm_lfence();
	uint64_t t = __rdtsc();
	_mm_lfence();
	return t;
}

// End of a timed region: rdtscp waits for earlier instructions to retire,
// the fence keeps later ones from starting before the read.
static inline __attribute__((always_inline)) uint64_t tsc_end()
{
	unsigned int aux;
	uint64_t t = __rdtscp(&aux);
	_mm_lfence();
	return t;
}

struct TscInfo {
	double hz = 0;          // ticks per second
	std::string source;     // "cpuid-0x15", "cpuid-0x16", "calibrated"
	bool invariant = false; // CPUID 0x80000007 EDX[8]
};

// Frequency from CPUID leaf 0x15 (crystal ratio), else 0x16 (base MHz),
// else calibrated against CLOCK_MONOTONIC_RAW over calibrate_ms.
TscInfo tsc_info(unsigned calibrate_ms = 200);

// Calibration alone, for checking a CPUID-derived figure.
double tsc_calibrate_hz(unsigned calibrate_ms);

} // namespace xperf
