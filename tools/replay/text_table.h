// Tables for people and for spreadsheets: an aligned text table whose
// column widths count what a terminal shows (Thai vowel and tone marks take
// no column), and RFC 4180 CSV lines.
//
//   TextTable t({{"Code", false}, {"Name", false}, {"Targeted", true}});
//   t.AddRow({"33", "ศรีสะเกษ", "1,204"});
//   t.AddRule();
//   t.AddRow({"", "Total", "1,204"});
//   fmt::print("{}", t.Render());
//   fmt::print("{}", CsvLine({"33", "Si Sa Ket, Thailand"}));   // 33,"Si Sa Ket, Thailand"\r\n
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ledger::replay {

class TextTable {
 public:
  struct Column {
    std::string header;
    bool right = false;   // right-aligned (numbers)
  };
  explicit TextTable(std::vector<Column> columns) : columns_(std::move(columns)) {}

  // A row of cells, one per column (missing cells are blank).
  void AddRow(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  // A line of dashes across the table.
  void AddRule() { rows_.emplace_back(); }
  // Header, a rule, then the rows; columns two spaces apart, each line
  // ending in "\n" without trailing spaces.
  std::string Render() const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;   // empty = rule
};

// Columns a terminal gives this UTF-8 text: one per code point, none for
// combining marks (Thai above/below vowels and tone marks, U+0300..U+036F).
size_t DisplayWidth(std::string_view utf8);

// One CSV record ending in CRLF; fields holding a comma, quote, CR or LF
// are quoted, quotes doubled.
std::string CsvLine(const std::vector<std::string>& fields);

// Satang as baht with thousands separators: 123456789 -> "1,234,567.89";
// without them for spreadsheets: "1234567.89".
std::string Baht(int64_t satang, bool separators = true);

}  // namespace ledger::replay
