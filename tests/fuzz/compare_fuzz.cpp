// libFuzzer target: any bytes as two result files for compare. The input
// up to its first NUL byte is A, the rest B (A again without a NUL). Each
// is read by the one result reader; what it refuses must be an Error of
// kind bad_input, anything else (another exception, a crash, a sanitizer
// report) is a bug. What it reads is compared and rendered both ways.
#include "app/compare.h"
#include "app/result_reader.h"
#include "core/error.h"

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
	auto rb = read(b);
	if (!rb)
		return 0;
	xperf::Comparison c = xperf::compare_reports(ra->report, rb->report);
	(void)xperf::render_comparison(c);
	(void)xperf::comparison_to_json(c).dump();
	(void)xperf::report_to_json(ra->report).dump();
	return 0;
}
