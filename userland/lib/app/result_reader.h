// The one reader of what --json wrote, for compare and the tests. Any JSON
// is either read into a Report or refused with a bad_input Error in plain
// words (never the JSON library's text); what is readable but doubtful
// becomes a warning.
#pragma once

#include "app/report.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xperf {

struct ResultFile {
	Report report;
	std::optional<std::string> version; // the xperf that wrote it, when it says
	// For people: a version other than this xperf's or none, no meta, a
	// median its own samples contradict.
	std::vector<std::string> warnings;
};

// Deeper JSON than this is refused: no result nests so far, and the
// comparison of conditions walks the tree.
inline constexpr int max_json_depth = 64;

// Refuses (bad_input Error): not an xperf result, a field of the wrong type,
// two results of one crossing and variant, rounds that do not add up to the
// raw samples.
ResultFile read_result(const nlohmann::json &doc);
// Also refuses what is not JSON, or nests deeper than max_json_depth.
ResultFile read_result_text(std::string_view text);
// Messages and warnings start with the path.
ResultFile read_result_file(const std::string &path);

} // namespace xperf
