#include "app/number_check.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <system_error>

namespace xperf {

namespace {

// The number of the text that from_chars read, when it read all of it.
template <class T> std::errc parse_whole(std::string_view text, T &value)
{
	auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
	if (ec == std::errc() && end != text.data() + text.size())
		return std::errc::invalid_argument;
	return ec;
}

std::string not_a_number(std::string_view text)
{
	return fmt::format("'{}' is not a number", text);
}

} // namespace

std::string check_whole_number(std::string &text, std::uint64_t min, std::uint64_t max)
{
	std::uint64_t value = 0;
	bool digits_only = !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
	if (!digits_only) {
		double real = 0;
		// A number all the same (-3, 1.5, 1e6): say what kind it is not.
		if (parse_whole(text, real) != std::errc::invalid_argument)
			return fmt::format("'{}' is not a whole number from {} to {}", text, min, max);
		return not_a_number(text);
	}
	if (parse_whole(text, value) != std::errc() || value < min || value > max)
		return fmt::format("{} is out of range: from {} to {}", text, min, max);
	text = std::to_string(value);
	return {};
}

std::string check_real_number(std::string &text, double min, double max)
{
	double value = 0;
	std::errc ec = parse_whole(text, value);
	if (ec == std::errc::result_out_of_range)
		return fmt::format("{} is out of range: from {} to {}", text, min, max);
	if (ec != std::errc())
		return not_a_number(text);
	// from_chars reads "nan" and "inf".
	if (!std::isfinite(value))
		return fmt::format("'{}' is not a finite number", text);
	if (value < min || value > max)
		return fmt::format("{} is out of range: from {} to {}", text, min, max);
	// The shortest text that reads back as the same double.
	text = fmt::format("{}", value);
	return {};
}

} // namespace xperf
