#include "vmexit/exit_kinds.h"

#include <iterator>
#include <stdexcept>

namespace xperf {

namespace {

constexpr ExitKind rows[] = {
#define XPERF_VMEXIT_KIND(id, name, insn, handler, froms, flags) \
	{ XPERF_VMEXIT_##id, name, insn, handler, froms, flags },
#include <xperf/abi.h>
#undef XPERF_VMEXIT_KIND
};

constexpr bool ids_are_indices()
{
	for (uint32_t i = 0; i < std::size(rows); i++)
		if (rows[i].id != i)
			return false;
	return true;
}

static_assert(std::size(rows) == XPERF_VMEXIT_KINDS && ids_are_indices(),
	      "the exit table's rows are its enum, in order");
static_assert(XPERF_VMEXIT_NONE == 0 && rows[XPERF_VMEXIT_NONE].handler == XPERF_HANDLER_NONE,
	      "NONE, the empty timed region, comes first and exits nowhere");
static_assert(XPERF_FROMS_ALL == (1u << XPERF_FROMS) - 1 &&
		      XPERF_FROMS_KERNEL == (XPERF_FROMS_ALL & ~(1u << XPERF_FROM_USER)),
	      "the starting-point masks are those of enum xperf_vmexit_from");

constexpr std::string_view from_names[] = {
#define XPERF_VMEXIT_FROM(id, name) name,
#include <xperf/abi.h>
#undef XPERF_VMEXIT_FROM
};
static_assert(std::size(from_names) == XPERF_FROMS);

constexpr char table_text[] =
#define XPERF_VMEXIT_KIND XPERF_VMEXIT_ROW_TEXT
#include <xperf/abi.h>
#undef XPERF_VMEXIT_KIND
	;

} // namespace

std::span<const ExitKind> exit_kinds()
{
	return rows;
}

const ExitKind &exit_kind(uint32_t exit)
{
	if (exit >= std::size(rows))
		throw std::out_of_range("VM-exit kind " + std::to_string(exit) + " is not in the table");
	return rows[exit];
}

std::span<const ExitKind> measured_exit_kinds()
{
	return exit_kinds().subspan(XPERF_VMEXIT_NONE + 1);
}

const ExitKind *measured_exit_kind(std::string_view name)
{
	for (const ExitKind &k : measured_exit_kinds())
		if (k.name == name)
			return &k;
	return nullptr;
}

std::string_view exit_name(uint32_t exit)
{
	return exit < std::size(rows) ? rows[exit].name : "unknown";
}

std::string_view from_name(uint32_t from)
{
	return from < std::size(from_names) ? from_names[from] : "unknown";
}

std::optional<uint32_t> from_by_name(std::string_view name)
{
	for (uint32_t f = 0; f < std::size(from_names); f++)
		if (from_names[f] == name)
			return f;
	return std::nullopt;
}

std::string_view exit_table_text()
{
	return { table_text, sizeof(table_text) - 1 };
}

} // namespace xperf
