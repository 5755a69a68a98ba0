// The one table writer: every table xperf-user prints (a run, a suite, a
// comparison, the doctor) is built as typed rows and written here, as
// text that fits the terminal, as Markdown, or as CSV.
//
// A cell carries two spellings: what people read (a number with its marks,
// "±2.1%~") and the plain value a spreadsheet reads ("2.1"). Text and
// Markdown write the first, CSV the second. The text form fits its width by
// leaving out the columns of the highest priority number first, never by
// wrapping; Markdown and CSV keep every column.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xperf {

enum class TableForm { text, markdown, csv };

enum class Align { left, right };

// How much beside a table: quiet, the table alone; normal, a legend line
// and one line per kind of finding; verbose, every note in full.
enum class Detail { quiet, normal, verbose };

// Which forms show a column (or a row): all, the forms for people (text
// and Markdown), or CSV alone.
enum class Shown { all, display, csv };

struct TableColumn {
	TableColumn(std::string head_, Align align_ = Align::right, int priority_ = 0,
		    Shown shown_ = Shown::all, std::string csv_head_ = {})
		: head(std::move(head_)), align(align_), priority(priority_), shown(shown_),
		  csv_head(std::move(csv_head_))
	{
	}

	std::string head;
	Align align = Align::right;
	// 0: always in the text form; the highest number is left out first
	// when the text does not fit.
	int priority = 0;
	Shown shown = Shown::all;
	std::string csv_head; // the CSV's name of it; empty: head
};

// One cell: its spelling for people and its plain value.
struct TableValue {
	std::string display;
	std::string plain;

	// A number shown with decimals, plain to ten significant digits; prefix and
	// suffix are display marks ("±", "%"); sign shows "+" before a positive
	// number. Not finite: "n/a", and empty in CSV.
	static TableValue number(double v, int decimals, std::string_view suffix = "",
				 std::string_view prefix = "", bool sign = false);
	// A number with this many significant digits.
	static TableValue significant(double v, int digits);
	static TableValue text(std::string s);
	// A cell that has no value: "-" for people, empty in CSV.
	static TableValue none();
	// The same value with a mark for people only ("~", "!", "*").
	TableValue marked(std::string_view mark) const;
};

class Table {
public:
	explicit Table(std::vector<TableColumn> columns) : columns_(std::move(columns)) {}

	// Cells in the order of the columns, one per column.
	void add_row(std::vector<TableValue> cells, Shown shown = Shown::all);
	// A section title: a line of its own in text, a bold row in Markdown,
	// a "section" field on every row below it in CSV.
	void add_section(std::string title);

	std::size_t rows() const { return rows_.size(); }
	// The table in a form; width is the text form's, in columns.
	std::string write(TableForm form, std::size_t width) const;

private:
	struct Row {
		std::vector<TableValue> cells;
		Shown shown = Shown::all;
		bool section = false;
	};
	std::string write_text(std::size_t width) const;
	std::string write_markdown() const;
	std::string write_csv() const;

	std::vector<TableColumn> columns_;
	std::vector<Row> rows_;
};

// The text form's width: COLUMNS when it is a number of at least 20, else
// 100.
std::size_t text_width();

// Display width of UTF-8 text: one column per code point.
std::size_t display_width(std::string_view s);

// text with each line wider than width broken at spaces, the rest of it
// indented by two: the lines under a table fit where the table does. A
// word wider than the line is left whole.
std::string wrap_lines(std::string_view text, std::size_t width);

} // namespace xperf
