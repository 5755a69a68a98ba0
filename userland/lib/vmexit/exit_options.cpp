#include "vmexit/exit_options.h"

#include "core/error.h"
#include "core/text_list.h"
#include "vmexit/exit_kinds.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <optional>

namespace xperf {

std::vector<std::string> exit_options()
{
	std::vector<std::string> out;
	for (const ExitKind &k : measured_exit_kinds())
		out.emplace_back(k.name);
	out.emplace_back("all");
	return out;
}

std::string exit_options_text()
{
	std::vector<std::string> names = exit_options();
	std::string last = names.back();
	names.pop_back();
	return fmt::format("{} or {}", fmt::join(names, ", "), last);
}

uint32_t exits_mask(const std::string &spec)
{
	uint32_t all = 0;
	for (const ExitKind &k : measured_exit_kinds())
		all |= 1u << k.id;
	uint32_t mask = 0;
	for (std::string_view one : comma_items(spec)) {
		if (const ExitKind *k = measured_exit_kind(one))
			mask |= 1u << k->id;
		else if (one == "all")
			mask |= all;
		else
			throw bad_input("--exit: '" + std::string(one) + "' is not " +
					exit_options_text());
	}
	return mask;
}

std::string exits_spec(uint32_t mask)
{
	std::string spec;
	for (const ExitKind &k : measured_exit_kinds())
		if (mask >> k.id & 1)
			append_item(spec, ",", k.name);
	return spec;
}

uint32_t froms_mask(const std::string &spec)
{
	uint32_t mask = 0;
	for (std::string_view one : comma_items(spec)) {
		std::optional<uint32_t> from = from_by_name(one);
		if (one == "all")
			mask |= (1u << XPERF_FROMS) - 1;
		else if (from)
			mask |= 1u << *from;
		else
			throw bad_input("--from: '" + std::string(one) +
					"' is not user, user-via-kernel, kernel or all");
	}
	return mask;
}

} // namespace xperf
