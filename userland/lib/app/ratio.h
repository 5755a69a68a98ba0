// B/A of two medians, and how it reads: a ratio to a zero median does not
// exist, and says so ("n/a"; null in JSON) instead of printing 0.
#pragma once

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <string>

namespace xperf {

inline double ratio_of(double b, double a)
{
	return a != 0 ? b / a : std::numeric_limits<double>::quiet_NaN();
}

inline std::string ratio_text(double ratio)
{
	return std::isfinite(ratio) ? fmt::format("{:.3f}", ratio) : "n/a";
}

inline nlohmann::json ratio_json(double ratio)
{
	return std::isfinite(ratio) ? nlohmann::json(ratio) : nlohmann::json();
}

} // namespace xperf
