#include "app/result_reader.h"

#include "core/error.h"
#include "core/stats.h"
#include "core/unique_fd.h"
#include "core/version.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <map>
#include <set>

namespace xperf {

namespace {

using json = nlohmann::json;

const char *const reads_xperf = "compare reads files written by 'xperf-user --json'";
// A TSC runs at a frequency between these (Hz); what is outside is no clock.
constexpr double least_tsc_hz = 1e6, most_tsc_hz = 1e11;
// No crossing takes this long (days, in cycles or in ns); a figure beyond
// it makes intervals of any width, or none (their squares overflow).
constexpr double most_time = 1e15;

const char *type_words(const json &v)
{
	switch (v.type()) {
	case json::value_t::null:
		return "null";
	case json::value_t::boolean:
		return "true or false";
	case json::value_t::string:
		return "a string";
	case json::value_t::number_integer:
	case json::value_t::number_unsigned:
	case json::value_t::number_float:
		return "a number";
	case json::value_t::object:
		return "an object";
	case json::value_t::array:
		return "an array";
	default:
		return "not a JSON value";
	}
}

// A value in the document and where it is ("results[2].stats.median"), so
// that every refusal names the field.
class Field {
public:
	Field(const json &value, std::string where) : v_(value), where_(std::move(where)) {}

	const std::string &where() const { return where_; }
	const json &value() const { return v_; }

	Error wrong(const char *want) const
	{
		return bad_input(fmt::format("{} is {}, not {}", where_, type_words(v_), want),
				 reads_xperf);
	}

	const json &object() const
	{
		if (!v_.is_object())
			throw wrong("an object");
		return v_;
	}
	const json &array() const
	{
		if (!v_.is_array())
			throw wrong("an array");
		return v_;
	}
	std::optional<Field> member(std::string_view key) const
	{
		const json &o = object();
		auto it = o.find(key);
		if (it == o.end())
			return std::nullopt;
		return Field(*it, where_ + "." + std::string(key));
	}
	Field at(std::string_view key) const
	{
		if (auto m = member(key))
			return *m;
		throw bad_input(fmt::format("{} has no \"{}\"", where_, key),
				reads_xperf);
	}
	double number() const
	{
		if (!v_.is_number())
			throw wrong("a number");
		double x = v_.get<double>();
		if (!std::isfinite(x))
			throw bad_input(fmt::format("{} is {}, not a finite number", where_, x), reads_xperf);
		return x;
	}
	// A time in cycles or ns: within most_time either way (net figures
	// may be below 0).
	double time() const
	{
		double x = number();
		if (std::fabs(x) > most_time)
			throw bad_input(fmt::format("{} is {}, longer than any crossing takes (more "
						    "than {:g})",
						    where_, x, most_time),
					reads_xperf);
		return x;
	}
	std::vector<double> times() const
	{
		std::vector<double> out;
		out.reserve(array().size());
		for (std::size_t i = 0; i < v_.size(); i++)
			out.push_back(Field(v_[i], fmt::format("{}[{}]", where_, i)).time());
		return out;
	}
	std::size_t count() const
	{
		if (!v_.is_number_unsigned())
			throw wrong(v_.is_number() ? "a count (a whole number, 0 or more)" : "a count");
		return v_.get<std::size_t>();
	}
	bool boolean() const
	{
		if (!v_.is_boolean())
			throw wrong("true or false");
		return v_.get<bool>();
	}
	std::string string() const
	{
		if (!v_.is_string())
			throw wrong("a string");
		return v_.get<std::string>();
	}
	std::vector<double> numbers() const
	{
		std::vector<double> out;
		out.reserve(array().size());
		for (std::size_t i = 0; i < v_.size(); i++)
			out.push_back(Field(v_[i], fmt::format("{}[{}]", where_, i)).number());
		return out;
	}
	std::vector<std::size_t> counts() const
	{
		std::vector<std::size_t> out;
		for (std::size_t i = 0; i < array().size(); i++)
			out.push_back(Field(v_[i], fmt::format("{}[{}]", where_, i)).count());
		return out;
	}
	// Each element of an array, as a field of its own.
	std::vector<Field> elements() const
	{
		std::vector<Field> out;
		for (std::size_t i = 0; i < array().size(); i++)
			out.emplace_back(v_[i], fmt::format("{}[{}]", where_, i));
		return out;
	}
	std::vector<std::string> strings() const
	{
		std::vector<std::string> out;
		for (std::size_t i = 0; i < array().size(); i++)
			out.push_back(Field(v_[i], fmt::format("{}[{}]", where_, i)).string());
		return out;
	}

private:
	const json &v_;
	std::string where_;
};

// Statistics of one set of samples are in order (min <= p1 <= ... <= max,
// the mean between min and max, no negative spread); the figures of a file
// that breaks this were edited or damaged, and no interval drawn from them
// means anything.
Stats read_stats(const Field &f)
{
	Stats s;
	s.n = f.at("n").count();
	for (auto [key, field] : { std::pair{ "min", &s.min }, { "mean", &s.mean },
				   { "stddev", &s.stddev }, { "median", &s.median },
				   { "q1", &s.q1 }, { "q3", &s.q3 }, { "p1", &s.p1 },
				   { "p5", &s.p5 }, { "p95", &s.p95 }, { "p99", &s.p99 },
				   { "max", &s.max } })
		*field = f.at(key).time();
	const std::pair<const char *, double> ordered[] = {
		{ "min", s.min }, { "p1", s.p1 },   { "p5", s.p5 },	  { "q1", s.q1 },  { "median", s.median },
		{ "q3", s.q3 },	  { "p95", s.p95 }, { "p99", s.p99 }, { "max", s.max },
	};
	auto impossible = [&f](std::string what) {
		return bad_input(fmt::format("{}: {}, which no set of samples gives: the file was "
					     "edited or damaged",
					     f.where(), what),
				 reads_xperf);
	};
	for (std::size_t i = 1; i < std::size(ordered); i++)
		if (ordered[i].second < ordered[i - 1].second)
			throw impossible(fmt::format("{} is {} but {} is {}", ordered[i].first,
						     ordered[i].second, ordered[i - 1].first,
						     ordered[i - 1].second));
	if (s.mean < s.min || s.mean > s.max)
		throw impossible(fmt::format("the mean {} is outside min {} to max {}", s.mean, s.min,
					     s.max));
	if (s.stddev < 0)
		throw impossible(fmt::format("stddev is {}", s.stddev));
	return s;
}

void read_rounds(const Field &f, Result &r, bool has_raw)
{
	r.round_sizes = f.at("sizes").counts();
	if (auto m = f.member("medians")) {
		r.drift.round_medians = m->numbers();
		// One median per round: more would narrow the interval with parts
		// that never ran, fewer would hide rounds.
		if (r.drift.round_medians.size() != r.round_sizes.size())
			throw bad_input(fmt::format("{} has {} medians for {} rounds ({}.sizes): one "
						    "median a round",
						    m->where(), r.drift.round_medians.size(),
						    r.round_sizes.size(), f.where()),
					reads_xperf);
		// A round's median lies among the samples; one outside them
		// (2^64 cycles, say) makes an interval of any width.
		for (std::size_t i = 0; i < r.drift.round_medians.size(); i++) {
			double x = r.drift.round_medians[i];
			if (x < r.stats.min || x > r.stats.max)
				throw bad_input(fmt::format("{}[{}] is {}, outside the result's own "
							    "samples (stats.min {}, stats.max {}): "
							    "the file was edited or damaged",
							    m->where(), i, x, r.stats.min,
							    r.stats.max),
						reads_xperf);
		}
	}
	if (auto s = f.member("spread"))
		r.drift.spread = s->number();
	if (auto counters = f.member("counters"))
		for (const Field &c : counters->elements()) {
			RoundCounters rc;
			if (auto v = c.member("seconds"))
				rc.seconds = v->number();
			auto whole = [&c](const char *key, auto &into) {
				if (auto v = c.member(key))
					into = v->count();
			};
			std::optional<std::size_t> start, end;
			whole("cpu_start", start);
			whole("cpu_end", end);
			if (start)
				rc.cpu_start = static_cast<int>(*start);
			if (end)
				rc.cpu_end = static_cast<int>(*end);
			whole("migrations", rc.migrations);
			whole("preemptions", rc.preemptions);
			whole("interrupts", rc.interrupts);
			if (auto v = c.member("khz_start"))
				rc.khz_start = v->number();
			if (auto v = c.member("khz_end"))
				rc.khz_end = v->number();
			r.part_counters.push_back(rc);
		}
	// Without raw samples (--no-raw) there is nothing to split; with them,
	// the rounds must cover them exactly.
	if (!has_raw)
		return;
	std::size_t total = 0;
	for (std::size_t n : r.round_sizes) {
		if (n > r.cycles.size() - total)
			throw bad_input(fmt::format("{}.sizes add up to more than the {} raw samples",
						    f.where(), r.cycles.size()),
					reads_xperf);
		total += n;
	}
	if (!r.round_sizes.empty() && total != r.cycles.size())
		throw bad_input(fmt::format("{}.sizes add up to {}, not the {} raw samples",
					    f.where(), total, r.cycles.size()),
				reads_xperf);
}

bool near(double a, double b)
{
	return std::fabs(a - b) <= 1e-9 * std::max({ 1.0, std::fabs(a), std::fabs(b) });
}

// The result's figures against its own samples.
void check_samples(const Result &r, const std::string &where, std::vector<std::string> &warnings)
{
	if (r.cycles.empty())
		return;
	if (r.stats.n != r.cycles.size())
		warnings.push_back(fmt::format("{}: stats.n is {} but it has {} raw samples: the file "
					       "was edited or damaged",
					       where, r.stats.n, r.cycles.size()));
	double median = describe(r.cycles).median;
	if (!near(median, r.stats.median))
		warnings.push_back(fmt::format("{}: its median is {} but the median of its {} raw "
					       "samples is {}: the file was edited or damaged; the "
					       "interval is of the samples, the medians are the file's",
					       where, r.stats.median, r.cycles.size(), median));
}

Result read_one(const Field &f, const std::string &name, std::vector<std::string> &warnings)
{
	Result r;
	r.crossing = f.at("crossing").string();
	r.variant = f.at("variant").string();
	Field hz = f.at("unit_tsc_hz");
	r.tsc_hz = hz.number();
	if (r.tsc_hz < least_tsc_hz || r.tsc_hz > most_tsc_hz)
		throw bad_input(fmt::format("{} is {} Hz, which no time stamp counter runs at (a "
					    "TSC runs between {:g} and {:g} Hz): the file was "
					    "edited or damaged",
					    hz.where(), r.tsc_hz, least_tsc_hz, most_tsc_hz),
				reads_xperf);
	r.stats = read_stats(f.at("stats"));
	r.stats_ns = read_stats(f.at("stats_ns"));
	auto raw = f.member("raw_cycles");
	if (raw)
		r.cycles = raw->times();
	if (auto rounds = f.member("rounds"))
		read_rounds(*rounds, r, raw.has_value());
	if (auto ci = f.member("median_ci")) {
		r.median_ci = { ci->at("lo").number(), ci->at("hi").number() };
		if (r.median_ci.lo > r.median_ci.hi)
			throw bad_input(fmt::format("{}: lo {} is above hi {}", ci->where(),
						    r.median_ci.lo, r.median_ci.hi),
					reads_xperf);
	}
	if (auto flags = f.member("flags")) {
		if (auto b = flags->member("bimodal"))
			r.bimodal = b->boolean();
		if (auto d = flags->member("drift"))
			r.drift.drifting = d->boolean();
	}
	if (auto method = f.member("method")) {
		r.method = method->object();
		// The figure's interval is widened by it (Result::step_cycles).
		if (auto step = method->member("resolution_cycles"); step && step->time() < 0)
			throw bad_input(fmt::format("{} is {}: a timer's step is not below 0",
						    step->where(), step->number()),
					reads_xperf);
	}
	if (auto path = f.member("path"))
		r.path = path->value();
	if (auto detail = f.member("detail")) {
		r.detail = detail->object();
		// compare reads it: two runs of syscall 500 may take other paths.
		if (auto kp = detail->member("kernel_path"))
			kp->string();
	}
	if (auto notes = f.member("notes"))
		r.notes = notes->strings();
	if (auto noise = f.member("noise"))
		for (const Field &n : noise->elements())
			r.noise.push_back({ n.at("kind").string(), n.at("evidence").string(),
					    n.at("cause").string(), n.at("advice").string() });
	check_samples(r, name, warnings);
	return r;
}

void read_meta(const json &doc, ResultFile &out)
{
	Field top(doc, "the document");
	auto meta = top.member("meta");
	if (!meta) {
		out.warnings.push_back("it has no \"meta\": the conditions it was taken under are "
				       "unknown, so compare cannot say which differ");
		return;
	}
	Field m(meta->value(), "meta");
	out.report.meta = m.object();
	if (auto c = m.member("conditions"))
		c->object();
}

void read_version(const json &doc, ResultFile &out)
{
	auto v = Field(doc, "the document").member("version");
	if (!v) {
		out.warnings.push_back(fmt::format("it does not say which xperf wrote it (no "
						   "\"version\"); this is {}: fields may differ",
						   version()));
		return;
	}
	out.version = Field(v->value(), "version").string();
	// Builds of one release write the same fields.
	if (release_of(*out.version) != release_of(version()))
		out.warnings.push_back(fmt::format("it was written by xperf {}, this is {}: fields "
						   "may differ",
						   *out.version, version()));
}

void read_skipped(const Field &f, Report &rep)
{
	f.array();
	for (std::size_t i = 0; i < f.value().size(); i++) {
		Field s(f.value()[i], fmt::format("skipped[{}]", i));
		rep.skipped.push_back({ s.at("crossing").string(), s.at("reason").string(),
					s.at("remedy").string() });
	}
}

// Follows the parse to refuse what the JSON library would take: nesting
// deeper than max_json_depth, and a key given twice in one object, of
// which the library keeps the last without a word ("results": [] appended
// would empty the file).
class ParseWatch {
public:
	bool see(int depth, json::parse_event_t event, const json &parsed)
	{
		using event_t = json::parse_event_t;
		switch (event) {
		case event_t::object_start:
		case event_t::array_start:
			if (depth >= max_json_depth)
				throw bad_input(fmt::format("nested more than {} levels deep, which no "
							    "xperf result is",
							    max_json_depth),
						reads_xperf);
			open_.push_back({ event == event_t::object_start, 0, {}, child_where() });
			break;
		case event_t::key:
			if (!open_.back().keys.insert(parsed.get<std::string>()).second)
				throw bad_input(fmt::format("{} has the key \"{}\" twice: JSON does not "
							    "say which counts, so neither is taken",
							    open_.back().where, parsed.get<std::string>()),
						reads_xperf);
			key_ = parsed.get<std::string>();
			break;
		case event_t::object_end:
		case event_t::array_end:
			open_.pop_back();
			[[fallthrough]];
		case event_t::value:
			if (!open_.empty())
				open_.back().children++;
			break;
		}
		return true;
	}

private:
	struct Open {
		bool object;
		std::size_t children; // done so far: the index of an array's next
		std::set<std::string> keys;
		std::string where; // "results[0].stats"
	};

	std::string child_where() const
	{
		if (open_.empty())
			return "the document";
		const Open &parent = open_.back();
		if (!parent.object)
			return fmt::format("{}[{}]", parent.where, parent.children);
		return open_.size() == 1 ? key_ : parent.where + "." + key_;
	}

	std::vector<Open> open_;
	std::string key_; // the last key seen: the name of the value that follows
};

std::string line_and_column(std::string_view text, std::size_t byte)
{
	byte = std::min(byte, text.size());
	std::size_t line = 1, column = 1;
	for (std::size_t i = 0; i + 1 < byte; i++) {
		column++;
		if (text[i] == '\n') {
			line++;
			column = 1;
		}
	}
	return fmt::format("line {}, column {}", line, column);
}

} // namespace

ResultFile read_result(const json &doc)
{
	if (!doc.is_object())
		throw bad_input(fmt::format("not an xperf result: the document is {}, not an object",
					    type_words(doc)),
				reads_xperf);
	auto tool = doc.find("tool");
	if (tool == doc.end())
		throw bad_input("not an xperf result: no \"tool\" field", reads_xperf);
	if (!tool->is_string() || tool->get<std::string>() != "xperf")
		throw bad_input(fmt::format("not an xperf result: tool is {}",
					    tool->is_string() ? "\"" + tool->get<std::string>() + "\""
							      : std::string(type_words(*tool))),
				reads_xperf);
	auto results = doc.find("results");
	if (results == doc.end() || !results->is_array())
		throw bad_input("xperf result without a \"results\" array", reads_xperf);

	ResultFile out;
	read_version(doc, out);
	read_meta(doc, out);
	if (auto skipped = doc.find("skipped"); skipped != doc.end())
		read_skipped(Field(*skipped, "skipped"), out.report);
	std::map<std::pair<std::string, std::string>, std::size_t> seen;
	for (std::size_t i = 0; i < results->size(); i++) {
		std::string where = fmt::format("results[{}]", i);
		Result r = read_one(Field((*results)[i], where), where, out.warnings);
		auto [it, fresh] = seen.emplace(std::pair{ r.crossing, r.variant }, i);
		if (!fresh)
			throw bad_input(fmt::format("results[{}] and results[{}] are both {}/{}",
						    it->second, i, r.crossing, r.variant),
					"compare matches results by crossing and variant, so each "
					"may appear once: keep one run per file");
		out.report.results.push_back(std::move(r));
	}
	return out;
}

ResultFile read_result_text(std::string_view text)
{
	ParseWatch watch;
	auto callback = [&watch](int depth, json::parse_event_t event, json &parsed) {
		return watch.see(depth, event, parsed);
	};
	json doc;
	try {
		doc = json::parse(text.begin(), text.end(), callback);
	} catch (const json::parse_error &e) {
		throw bad_input(fmt::format("not valid JSON: it stops making sense at {}",
					    line_and_column(text, e.byte)),
				reads_xperf);
	} catch (const json::out_of_range &) {
		throw bad_input("not readable: it holds a number too large for a double (such as "
				"1e999)",
				reads_xperf);
	} catch (const json::exception &) {
		throw bad_input("not valid JSON", reads_xperf);
	}
	return read_result(doc);
}

ResultFile read_result_file(const std::string &path)
{
	UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
	if (!fd)
		throw bad_input(fmt::format("{}: cannot open: {}", path, std::strerror(errno)),
				"name a file written by 'xperf-user --json'");
	std::string text;
	char buf[1 << 16];
	for (;;) {
		ssize_t n = ::read(fd.get(), buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			throw bad_input(fmt::format("{}: cannot read: {}", path, std::strerror(errno)),
					"name a file written by 'xperf-user --json'");
		if (n == 0)
			break;
		text.append(buf, static_cast<std::size_t>(n));
	}
	try {
		ResultFile f = read_result_text(text);
		for (auto &w : f.warnings)
			w = path + ": " + w;
		return f;
	} catch (const Error &e) {
		throw e.within(path);
	}
}

} // namespace xperf
