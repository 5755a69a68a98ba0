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

// The items of a list separated by sep, empty ones kept ("a,,b": "a", "",
// "b"); they point into text.
inline std::vector<std::string_view> split_items(std::string_view text, char sep)
{
	std::vector<std::string_view> items;
	while (true) {
		auto at = text.find(sep);
		items.push_back(text.substr(0, at));
		if (at == std::string_view::npos)
			return items;
		text.remove_prefix(at + 1);
	}
}

inline std::vector<std::string_view> comma_items(std::string_view text)
{
	return split_items(text, ',');
}

} // namespace xperf
