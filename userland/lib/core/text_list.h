// Lists in sentences: "a, b and c" built one item at a time.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace xperf {

// Appends item to list, with sep before it unless list is empty.
inline void append_item(std::string &list, std::string_view sep, std::string_view item)
{
	if (!list.empty())
		list += sep;
	list += item;
}

// The items of a comma list, empty ones kept ("a,,b": "a", "", "b"); they
// point into text.
inline std::vector<std::string_view> comma_items(std::string_view text)
{
	std::vector<std::string_view> items;
	while (true) {
		auto comma = text.find(',');
		items.push_back(text.substr(0, comma));
		if (comma == std::string_view::npos)
			return items;
		text.remove_prefix(comma + 1);
	}
}

} // namespace xperf
