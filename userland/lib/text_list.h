// Lists in sentences: "a, b and c" built one item at a time.
#pragma once

#include <string>
#include <string_view>

namespace xperf {

// Appends item to list, with sep before it unless list is empty.
inline void append_item(std::string &list, std::string_view sep, std::string_view item)
{
	if (!list.empty())
		list += sep;
	list += item;
}

} // namespace xperf
