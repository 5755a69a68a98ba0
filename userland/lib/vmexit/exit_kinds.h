// The VM-exit kinds and starting points of xperf/abi.h's table, for C++:
// every name, instruction and handler xperf-user reports comes from here.
#pragma once

#include <xperf/abi.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace xperf {

struct ExitKind {
	uint32_t id;		      // enum xperf_vmexit_kind
	std::string_view name;	      // "cpuid"
	std::string_view instruction; // "cpuid (leaf 0)"
	uint32_t handler;	      // XPERF_HANDLER_*
	uint32_t froms;		      // bit per XPERF_FROM_*
	uint32_t flags;		      // XPERF_VMEXIT_F_*

	bool fast_path() const { return handler == XPERF_HANDLER_KVM; }
	bool hypercall() const { return flags & XPERF_VMEXIT_F_HYPERCALL; }
	bool allowed_from(uint32_t from) const { return froms >> from & 1; }
};

// Every row, NONE (the empty timed region) first.
std::span<const ExitKind> exit_kinds();
// The row of exit; throws std::out_of_range for a number not in the table.
const ExitKind &exit_kind(uint32_t exit);
// The rows a run can ask for: all but NONE.
std::span<const ExitKind> measured_exit_kinds();
// The one of those called name, or null.
const ExitKind *measured_exit_kind(std::string_view name);

std::string_view exit_name(uint32_t exit); // "none", "cpuid", ...; "unknown"
std::string_view from_name(uint32_t from); // "user", "user-via-kernel", "kernel"; "unknown"
std::optional<uint32_t> from_by_name(std::string_view name);

// The table as XPERF_VMEXIT_ROW_TEXT lines: what the payload and xperf.ko
// show of the table they were built with.
std::string_view exit_table_text();

} // namespace xperf
