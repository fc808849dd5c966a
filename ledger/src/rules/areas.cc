#include "ledger/areas.h"
#include "ledger/reasons.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "core/digits.h"
#include "core/embed_file.h"

// The CSV, embedded by the assembler (LEDGER_AREAS_CSV_PATH is set by
// ledger/CMakeLists.txt, which also makes this file depend on the CSV).
LEDGER_EMBED_FILE(ledger_areas_csv, LEDGER_AREAS_CSV_PATH)

namespace ledger {
namespace {

std::string_view TrimLine(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view BuiltinAreasCsv() {
  return std::string_view(ledger_areas_csv_begin, static_cast<size_t>(ledger_areas_csv_end - ledger_areas_csv_begin));
}

StatusOr<std::vector<AreaRow>> ParseAreaRows(std::string_view text, std::string_view source) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);   // a BOM from a spreadsheet
  std::vector<AreaRow> rows;
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = TrimLine(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (++line_no == 1 || line.empty()) continue;   // header
    std::string_view c[9];
    size_t n = 0;
    for (std::string_view rest = line; n < 9;) {
      size_t comma = rest.find(',');
      c[n++] = rest.substr(0, comma);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    if (n < 9 || !IsDigits(c[0], 2) || !IsDigits(c[3], 4) || !IsDigits(c[6], 6) || c[3].substr(0, 2) != c[0] ||
        c[6].substr(0, 4) != c[3]) {
      return InvalidArgumentError(
          fmt::format("{}:{}: expected province_code,province_th,province_en,district_code,district_th,"
                      "district_en,subdistrict_code,subdistrict_th,subdistrict_en,... with 2-, 4- and 6-digit "
                      "codes, each the prefix of the next",
                      source, line_no),
          reason::kBadAreaList);
    }
    rows.push_back({c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8]});
  }
  if (rows.empty()) return InvalidArgumentError(fmt::format("{}: no areas", source), reason::kBadAreaList);
  return rows;
}

StatusOr<std::string> ReadWholeFile(const std::string& path, std::string_view reason) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError(path + ": cannot open", std::string(reason));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace ledger
