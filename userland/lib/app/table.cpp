#include "app/table.h"

#include "core/text_list.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>

namespace xperf {

TableValue TableValue::number(double v, int decimals, std::string_view suffix,
			      std::string_view prefix, bool sign)
{
	if (!std::isfinite(v))
		return { "n/a", "" };
	std::string shown = sign ? fmt::format("{:+.{}f}", v, decimals)
				 : fmt::format("{:.{}f}", v, decimals);
	// The plain value is the number to ten significant digits: past what
	// any figure here resolves, short of the binary's rounding noise.
	return { fmt::format("{}{}{}", prefix, shown, suffix), fmt::format("{:.10g}", v) };
}

TableValue TableValue::significant(double v, int digits)
{
	if (!std::isfinite(v))
		return { "n/a", "" };
	std::string s = fmt::format("{:#.{}g}", v, digits);
	if (s.back() == '.')
		s.pop_back();
	return { s, fmt::format("{:.10g}", v) };
}

TableValue TableValue::text(std::string s)
{
	return { s, s };
}

TableValue TableValue::none()
{
	return { "-", "" };
}

TableValue TableValue::marked(std::string_view mark) const
{
	return { display + std::string(mark), plain };
}

void Table::add_row(std::vector<TableValue> cells, Shown shown)
{
	cells.resize(columns_.size(), TableValue{});
	rows_.push_back({ std::move(cells), shown, false });
}

void Table::add_section(std::string title)
{
	rows_.push_back({ { TableValue::text(std::move(title)) }, Shown::all, true });
}

std::size_t display_width(std::string_view s)
{
	return static_cast<std::size_t>(
		std::count_if(s.begin(), s.end(), [](char ch) { return (ch & 0xC0) != 0x80; }));
}

std::size_t text_width()
{
	const char *env = std::getenv("COLUMNS");
	if (!env || !*env)
		return 100;
	char *end = nullptr;
	long v = std::strtol(env, &end, 10);
	return *end == '\0' && v >= 20 && v <= 10000 ? static_cast<std::size_t>(v) : 100;
}

namespace {

std::string pad(const std::string &s, std::size_t w, Align a)
{
	std::string fill(w > display_width(s) ? w - display_width(s) : 0, ' ');
	return a == Align::left ? s + fill : fill + s;
}

std::string csv_field(const std::string &s)
{
	if (s.find_first_of(",\"\n") == std::string::npos)
		return s;
	std::string q = "\"";
	for (char ch : s)
		q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
	return q + "\"";
}

std::string markdown_cell(std::string cell)
{
	for (auto p = cell.find('|'); p != std::string::npos; p = cell.find('|', p + 2))
		cell.replace(p, 1, "\\|");
	return cell;
}

} // namespace

std::string Table::write(TableForm form, std::size_t width) const
{
	switch (form) {
	case TableForm::markdown:
		return write_markdown();
	case TableForm::csv:
		return write_csv();
	case TableForm::text:
		break;
	}
	return write_text(width);
}

std::string Table::write_text(std::size_t width) const
{
	std::vector<std::size_t> cols; // shown, in order
	for (std::size_t k = 0; k < columns_.size(); k++)
		if (columns_[k].shown != Shown::csv)
			cols.push_back(k);
	std::vector<std::size_t> w(columns_.size());
	for (std::size_t k : cols) {
		w[k] = display_width(columns_[k].head);
		for (const Row &r : rows_)
			if (!r.section && r.shown != Shown::csv)
				w[k] = std::max(w[k], display_width(r.cells[k].display));
	}
	auto total = [&] {
		std::size_t sum = 0;
		for (std::size_t k : cols)
			sum += w[k];
		return sum + (cols.empty() ? 0 : 2 * (cols.size() - 1));
	};
	// Leave out the highest priority first; of equals, the rightmost.
	std::string dropped;
	while (total() > width) {
		auto worst = cols.end();
		for (auto it = cols.begin(); it != cols.end(); ++it)
			if (columns_[*it].priority > 0 &&
			    (worst == cols.end() ||
			     columns_[*it].priority >= columns_[*worst].priority))
				worst = it;
		if (worst == cols.end())
			break; // nothing left to leave out: wider than asked
		append_item(dropped, ", ", columns_[*worst].head);
		cols.erase(worst);
	}
	std::string out;
	auto line = [&](auto &&text_of) {
		std::string l;
		for (std::size_t i = 0; i < cols.size(); i++)
			l += (i ? "  " : "") + pad(text_of(cols[i]), w[cols[i]], columns_[cols[i]].align);
		while (!l.empty() && l.back() == ' ')
			l.pop_back();
		out += l + "\n";
	};
	line([&](std::size_t k) { return columns_[k].head; });
	for (const Row &r : rows_) {
		if (r.shown == Shown::csv)
			continue;
		if (r.section)
			out += "\n" + r.cells[0].display + "\n";
		else
			line([&](std::size_t k) { return r.cells[k].display; });
	}
	// Which were left out, by name when that fits.
	std::size_t left_out = columns_.size() - cols.size();
	for (const TableColumn &c : columns_)
		left_out -= c.shown == Shown::csv;
	std::string said = fmt::format("(to fit {} columns, left out: {})", width, dropped);
	if (display_width(said) > width)
		said = fmt::format("({} columns left out to fit {})", left_out, width);
	if (!dropped.empty())
		out += said + "\n";
	return out;
}

std::string Table::write_markdown() const
{
	std::vector<std::size_t> cols;
	for (std::size_t k = 0; k < columns_.size(); k++)
		if (columns_[k].shown != Shown::csv)
			cols.push_back(k);
	std::string out;
	auto line = [&](auto &&text_of) {
		out += "|";
		for (std::size_t k : cols)
			out += " " + markdown_cell(text_of(k)) + " |";
		out += "\n";
	};
	line([&](std::size_t k) { return columns_[k].head; });
	out += "|";
	for (std::size_t k : cols)
		out += columns_[k].align == Align::left ? " :--- |" : " ---: |";
	out += "\n";
	for (const Row &r : rows_) {
		if (r.shown == Shown::csv)
			continue;
		if (r.section)
			line([&](std::size_t k) {
				return k == cols.front() ? "**" + r.cells[0].display + "**"
							 : std::string();
			});
		else
			line([&](std::size_t k) { return r.cells[k].display; });
	}
	return out;
}

std::string Table::write_csv() const
{
	std::vector<std::size_t> cols;
	for (std::size_t k = 0; k < columns_.size(); k++)
		if (columns_[k].shown != Shown::display)
			cols.push_back(k);
	// Sections are a field of every row: one table, easy to load.
	bool sections = std::any_of(rows_.begin(), rows_.end(), [](const Row &r) { return r.section; });
	std::string out;
	std::string l = sections ? "section" : "";
	for (std::size_t i = 0; i < cols.size(); i++) {
		const TableColumn &c = columns_[cols[i]];
		if (sections || i)
			l += ",";
		l += csv_field(c.csv_head.empty() ? c.head : c.csv_head);
	}
	out += l + "\n";
	std::string current;
	for (const Row &r : rows_) {
		if (r.section) {
			current = r.cells[0].plain;
			continue;
		}
		if (r.shown == Shown::display)
			continue;
		l = sections ? csv_field(current) : "";
		for (std::size_t i = 0; i < cols.size(); i++) {
			if (sections || i)
				l += ",";
			l += csv_field(r.cells[cols[i]].plain);
		}
		out += l + "\n";
	}
	return out;
}

namespace {

// One line, broken at spaces into pieces of at most width columns.
void wrap_line(std::string &out, std::string_view line, std::size_t width)
{
	constexpr std::string_view indent = "  ";
	std::string_view lead;
	while (display_width(lead) + display_width(line) > width) {
		std::size_t room = width - lead.size();
		// The last space that leaves the piece within room, else the first.
		std::size_t cut = std::string_view::npos;
		for (std::size_t at = line.find(' '); at != std::string_view::npos;
		     at = line.find(' ', at + 1)) {
			if (cut != std::string_view::npos && display_width(line.substr(0, at)) > room)
				break;
			cut = at;
		}
		if (cut == std::string_view::npos)
			break;
		out += std::string(lead) + std::string(line.substr(0, cut)) + "\n";
		line.remove_prefix(cut + 1);
		lead = indent;
	}
	out += std::string(lead) + std::string(line) + "\n";
}

} // namespace

std::string wrap_lines(std::string_view text, std::size_t width)
{
	std::string out;
	while (!text.empty()) {
		std::size_t end = text.find('\n');
		wrap_line(out, text.substr(0, end), width);
		if (end == std::string_view::npos) {
			out.pop_back(); // the text's last line had no newline
			break;
		}
		text.remove_prefix(end + 1);
	}
	return out;
}

} // namespace xperf
