// libFuzzer target: any bytes as two result files for compare. The input
// up to its first NUL byte is A, the rest B (A again without a NUL). Each
// is read by the one result reader; what it refuses must be an Error of
// kind bad_input, anything else (another exception, a crash, a sanitizer
// report) is a bug. What it reads must be possible (read_is_possible), and
// is compared and rendered both ways; a comparison with an impossible
// figure (a_comparison_is_possible) is a bug as well.
#include "app/compare.h"
#include "app/result_reader.h"
#include "core/error.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

namespace {

std::optional<xperf::ResultFile> read(std::string_view text)
{
	try {
		return xperf::read_result_text(text);
	} catch (const xperf::Error &e) {
		if (e.kind() != xperf::ErrorKind::bad_input)
			std::abort(); // refused as something other than bad input
		return std::nullopt;
	}
}

// What the reader lets through: a TSC frequency a clock runs at, finite
// statistics in order, one median per round, each among the samples.
bool read_is_possible(const xperf::ResultFile &f)
{
	for (const xperf::Result &r : f.report.results) {
		const xperf::Stats &s = r.stats;
		if (!(r.tsc_hz >= 1e6 && r.tsc_hz <= 1e11))
			return false;
		if (!std::isfinite(s.min) || !std::isfinite(s.max) || s.min > s.median ||
		    s.median > s.max || !(s.stddev >= 0))
			return false;
		const auto &medians = r.drift.round_medians;
		if (!medians.empty() && medians.size() != r.round_sizes.size())
			return false;
		for (double m : medians)
			if (!(m >= s.min && m <= s.max))
				return false;
	}
	return true;
}

bool finite(const xperf::Interval &i)
{
	return std::isfinite(i.lo) && std::isfinite(i.hi);
}

// Every figure finite; a judged difference (known) has finite intervals
// and a ratio, between figures that are a time (above 0).
bool a_comparison_is_possible(const xperf::Comparison &c)
{
	for (const auto &row : c.rows) {
		for (const auto &cell : row.cells)
			if (cell && (!std::isfinite(cell->figure.value) ||
				     !std::isfinite(cell->ns_per_cycle) ||
				     (cell->figure.df > 0 && !finite(cell->figure.ci95()))))
				return false;
		for (std::size_t j = 1; j < row.against.size(); j++) {
			if (!row.against[j])
				continue;
			const xperf::Difference &d = row.against[j]->finding();
			if (!std::isfinite(d.diff))
				return false;
			if (d.known && (!finite(d.diff_ci) || !std::isfinite(d.ratio) ||
					!finite(d.ratio_ci) || row.cells[0]->figure.value <= 0 ||
					row.cells[j]->figure.value <= 0))
				return false;
		}
	}
	return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	std::string_view all(reinterpret_cast<const char *>(data), size);
	std::size_t nul = all.find('\0');
	std::string_view a = all.substr(0, nul);
	std::string_view b = nul == std::string_view::npos ? a : all.substr(nul + 1);
	auto ra = read(a);
	if (!ra)
		return 0;
	if (!read_is_possible(*ra))
		std::abort(); // the reader let an impossible result through
	auto rb = read(b);
	if (!rb)
		return 0;
	if (!read_is_possible(*rb))
		std::abort();
	xperf::Comparison c = xperf::compare_reports(ra->report, rb->report);
	if (!a_comparison_is_possible(c))
		std::abort(); // compare judged an impossible figure
	(void)xperf::render_comparison(c);
	(void)xperf::comparison_to_json(c).dump();
	(void)xperf::report_to_json(ra->report).dump();
	return 0;
}
