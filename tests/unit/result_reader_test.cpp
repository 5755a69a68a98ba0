// The result reader: real results read back whole, every input that ever
// crashed compare refused in plain words, doubtful files warned about.
#include "test_paths.h"
#include "app/result_reader.h"
#include "core/error.h"
#include "core/version.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace xperf;
using json = nlohmann::json;

namespace {

const fs::path results = fs::path(XPERF_FIXTURES) / "results";
const fs::path crashes = fs::path(XPERF_FIXTURES) / "compare-crash";

std::string slurp(const fs::path &p)
{
	std::ifstream in(p);
	std::stringstream s;
	s << in.rdbuf();
	return s.str();
}

json real_result()
{
	return json::parse(slurp(results / "getppid-pgfault.json"));
}

// The refusal of text, or "" when it was read.
std::string refusal(const std::string &text)
{
	try {
		read_result_text(text);
		return "";
	} catch (const Error &e) {
		EXPECT_EQ(e.kind(), ErrorKind::bad_input) << e.what();
		return e.what();
	}
}

std::string refusal_of(const json &doc)
{
	try {
		read_result(doc);
		return "";
	} catch (const Error &e) {
		EXPECT_EQ(e.kind(), ErrorKind::bad_input) << e.what();
		return e.what();
	}
}

bool warned(const ResultFile &f, const std::string &words)
{
	for (const auto &w : f.warnings)
		if (w.find(words) != std::string::npos)
			return true;
	return false;
}

} // namespace

TEST(ResultReader, RealResultsReadWithoutAWarning)
{
	std::size_t files = 0;
	for (const auto &entry : fs::directory_iterator(results)) {
		if (entry.path().extension() != ".json")
			continue;
		files++;
		ResultFile f = read_result_file(entry.path());
		EXPECT_FALSE(f.report.results.empty()) << entry.path();
		EXPECT_TRUE(f.warnings.empty()) << entry.path() << ": " << f.warnings.front();
		// Written by this release (the build, a commit of it, may differ).
		ASSERT_TRUE(f.version) << entry.path();
		EXPECT_EQ(xperf::release_of(*f.version), xperf::release_of(xperf::version()));
	}
	EXPECT_EQ(files, 3u);
}

TEST(ResultReader, TheSkippedCrossingOfARunWithoutKvmReadsBack)
{
	ResultFile f = read_result_file(results / "all-without-kvm.json");
	ASSERT_EQ(f.report.skipped.size(), 1u);
	EXPECT_EQ(f.report.skipped[0].crossing, "vmexit");
	EXPECT_NE(f.report.skipped[0].reason.find("no KVM here"), std::string::npos);
	EXPECT_FALSE(f.report.skipped[0].remedy.empty());
	for (const auto &r : f.report.results)
		EXPECT_NE(r.crossing, "vmexit");
}

// Every input kept in tests/fixtures/compare-crash is refused as bad
// input, in words that name the field, never the JSON library's text.
TEST(ResultReader, EveryCrashInputIsRefusedInPlainWords)
{
	std::size_t inputs = 0;
	for (const auto &entry : fs::directory_iterator(crashes)) {
		if (entry.path().extension() != ".json")
			continue;
		inputs++;
		std::string why = refusal(slurp(entry.path()));
		EXPECT_FALSE(why.empty()) << entry.path() << " was read";
		EXPECT_EQ(why.find("json.exception"), std::string::npos) << why;
		EXPECT_EQ(why.find("type_error"), std::string::npos) << why;
	}
	EXPECT_GE(inputs, 9u);
}

TEST(ResultReader, EachCrashInputIsRefusedForItsOwnReason)
{
	const std::pair<const char *, const char *> expected[] = {
		{ "median-1e999.json", "too large for a double" },
		{ "meta-is-a-string.json", "meta is a string, not an object" },
		{ "detail-is-an-array.json", "results[0].detail is an array, not an object" },
		{ "kernel-path-is-a-number.json", "detail.kernel_path is a number, not a string" },
		{ "stats-n-is-1e300.json", "results[0].stats.n is a number, not a count" },
		{ "round-size-is-huge.json", "sizes add up to more than the 40 raw samples" },
		{ "notes-are-numbers.json", "results[0].notes[0] is a number, not a string" },
		{ "conditions-is-an-array.json", "meta.conditions is an array, not an object" },
		{ "nested-1000-deep.json", "nested more than 64 levels" },
	};
	for (auto [file, words] : expected) {
		std::string why = refusal(slurp(crashes / file));
		EXPECT_NE(why.find(words), std::string::npos) << file << ": " << why;
	}
}

TEST(ResultReader, NotJsonSaysWhereItStopsMakingSense)
{
	std::string why = refusal("{\"tool\": \"xperf\",\n \"results\": [}");
	EXPECT_NE(why.find("not valid JSON"), std::string::npos) << why;
	EXPECT_NE(why.find("line 2"), std::string::npos) << why;
	EXPECT_NE(refusal("").find("not valid JSON"), std::string::npos);
	EXPECT_NE(refusal("[1, 2]").find("the document is an array"), std::string::npos);
	EXPECT_NE(refusal(R"({"tool": 7, "results": []})").find("tool is a number"),
		  std::string::npos);
}

TEST(ResultReader, DuplicateResultsAreRefused)
{
	json j = real_result();
	j["results"].push_back(j["results"][0]);
	std::string why = refusal(j.dump());
	EXPECT_NE(why.find("results[0] and results[2] are both getppid/getppid"), std::string::npos)
		<< why;
}

TEST(ResultReader, AMissingOrOtherVersionIsAWarning)
{
	json j = real_result();
	j["version"] = "0.0.1";
	EXPECT_TRUE(warned(read_result(j),
			   "written by xperf 0.0.1, this is " + std::string(xperf::version())));
	// Another build of this release (a commit, an edit) writes the same fields.
	for (std::string other : { "", "-g1234567", "-3-gabc1234-dirty" }) {
		j["version"] = std::string(xperf::release_of(xperf::version())) + other;
		EXPECT_TRUE(read_result(j).warnings.empty()) << j["version"];
	}
	j.erase("version");
	ResultFile f = read_result(j);
	EXPECT_FALSE(f.version);
	EXPECT_TRUE(warned(f, "no \"version\""));
	j["version"] = 1;
	EXPECT_NE(refusal(j.dump()).find("version is a number, not a string"), std::string::npos);
}

TEST(ResultReader, AMissingMetaIsAWarning)
{
	json j = real_result();
	j.erase("meta");
	ResultFile f = read_result(j);
	EXPECT_TRUE(warned(f, "no \"meta\"")) << (f.warnings.empty() ? "" : f.warnings[0]);
	EXPECT_EQ(f.report.results.size(), 2u);
}

TEST(ResultReader, AMedianItsSamplesContradictIsAWarning)
{
	json j = real_result();
	EXPECT_TRUE(read_result(j).warnings.empty());
	j["results"][1]["stats"]["median"] = j["results"][1]["stats"]["median"].get<double>() + 1000;
	ResultFile f = read_result(j);
	ASSERT_EQ(f.warnings.size(), 1u);
	EXPECT_NE(f.warnings[0].find("results[1]"), std::string::npos) << f.warnings[0];
	EXPECT_NE(f.warnings[0].find("median of its 40 raw samples"), std::string::npos)
		<< f.warnings[0];
}

TEST(ResultReader, ResultsWithoutRawSamplesKeepTheirRounds)
{
	ResultFile f = read_result_file(results / "no-raw.json");
	ASSERT_FALSE(f.report.results.empty());
	for (const auto &r : f.report.results) {
		EXPECT_TRUE(r.cycles.empty());
		EXPECT_EQ(r.round_sizes, std::vector<std::size_t>{ 16 });
	}
}

TEST(ResultReader, AFileThatCannotBeOpenedIsNamed)
{
	try {
		read_result_file("/nonexistent/r.json");
		FAIL();
	} catch (const Error &e) {
		EXPECT_EQ(e.kind(), ErrorKind::bad_input);
		EXPECT_NE(std::string(e.what()).find("/nonexistent/r.json: cannot open"),
			  std::string::npos);
	}
}

// A number no result can hold (NaN, an infinity, from a document built in
// memory or a reader of another kind) is refused, naming the field.
TEST(ResultReader, ANumberThatIsNotFiniteIsRefused)
{
	for (double bad : { std::nan(""), HUGE_VAL, -HUGE_VAL }) {
		json j = real_result();
		j["results"][0]["stats"]["p99"] = bad;
		std::string why = refusal_of(j);
		EXPECT_NE(why.find("results[0].stats.p99 is"), std::string::npos) << why;
		EXPECT_NE(why.find("not a finite number"), std::string::npos) << why;
	}
}

// unit_tsc_hz turns cycles into ns: 1e-320 gave inf ns, -1 negative ns.
TEST(ResultReader, AFrequencyNoTscRunsAtIsRefused)
{
	for (double hz : { 1e-320, -1.0, 0.0, 1e3, 1e15 }) {
		json j = real_result();
		j["results"][1]["unit_tsc_hz"] = hz;
		std::string why = refusal_of(j);
		EXPECT_NE(why.find("results[1].unit_tsc_hz is"), std::string::npos)
			<< hz << ": " << why;
		EXPECT_NE(why.find("which no time stamp counter runs at"), std::string::npos) << why;
	}
	json j = real_result();
	j["results"][1]["unit_tsc_hz"] = 3.5e9;
	EXPECT_EQ(refusal_of(j), "");
}

// A median of 0 beside a q1 of 1785 is no set of samples: the file was
// edited. So is a mean outside min..max, or a negative spread.
TEST(ResultReader, StatisticsOutOfOrderAreRefused)
{
	json j = real_result();
	j["results"][0]["stats"]["median"] = 0;
	std::string why = refusal_of(j);
	EXPECT_NE(why.find("results[0].stats: median is 0 but q1 is 1785"), std::string::npos) << why;
	j = real_result();
	j["results"][0]["stats_ns"]["mean"] = 1e9;
	EXPECT_NE(refusal_of(j).find("results[0].stats_ns: the mean"), std::string::npos);
	j = real_result();
	j["results"][0]["stats"]["stddev"] = -1;
	EXPECT_NE(refusal_of(j).find("stddev is -1"), std::string::npos);
	j = real_result();
	j["results"][0]["median_ci"]["lo"] = 1e6;
	EXPECT_NE(refusal_of(j).find("results[0].median_ci: lo"), std::string::npos);
}

// A round median of 2^64 made an interval of ±8480378178330364928 %.
TEST(ResultReader, ARoundMedianOutsideTheSamplesIsRefused)
{
	json j = real_result();
	j["results"][0]["rounds"]["medians"][1] = 18446744073709551616.0;
	std::string why = refusal_of(j);
	EXPECT_NE(why.find("results[0].rounds.medians[1] is"), std::string::npos) << why;
	EXPECT_NE(why.find("outside the result's own samples"), std::string::npos) << why;
}

// Each round has one median: three for two rounds narrowed the interval
// with a part that never ran, one for two widened it.
TEST(ResultReader, AsManyRoundMediansAsRoundsOrRefused)
{
	for (int extra : { 1, -1 }) {
		json j = real_result();
		auto &medians = j["results"][1]["rounds"]["medians"];
		if (extra > 0)
			medians.push_back(medians[0]);
		else
			medians.erase(medians.size() - 1);
		std::string why = refusal_of(j);
		EXPECT_NE(why.find(fmt::format("results[1].rounds.medians has {} medians for 2 rounds",
					       2 + extra)),
			  std::string::npos)
			<< why;
	}
}

// JSON leaves a repeated key's meaning open and the library kept the last:
// "results": [] appended emptied the file. Refused, with where it is.
TEST(ResultReader, AKeyTwiceInOneObjectIsRefused)
{
	std::string text = real_result().dump();
	std::string why = refusal(text.substr(0, text.size() - 1) + ", \"results\": []}");
	EXPECT_NE(why.find("the document has the key \"results\" twice"), std::string::npos) << why;
	std::string stats = "\"stats\":{";
	std::size_t second = text.find(stats, text.find(stats) + 1);
	ASSERT_NE(second, std::string::npos);
	text.insert(second + stats.size(), "\"n\":1,");
	why = refusal(text);
	EXPECT_NE(why.find("results[1].stats has the key \"n\" twice"), std::string::npos) << why;
	// The same key in two objects is no repetition.
	EXPECT_EQ(refusal(real_result().dump()), "");
}
