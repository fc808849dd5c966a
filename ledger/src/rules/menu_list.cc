#include "ledger/menu.h"

#include <fmt/format.h>

#include <charconv>

#include "core/embed_file.h"
#include "ledger/reasons.h"

// data/menu.csv, embedded by the assembler (LEDGER_MENU_CSV_PATH is set by
// ledger/CMakeLists.txt, which also makes this file depend on the CSV).
LEDGER_EMBED_FILE(ledger_menu_csv, LEDGER_MENU_CSV_PATH)

namespace ledger {
namespace {

constexpr std::string_view kHeader =
    "code,dimension,indicator,name_th,name_en,unit,status,typical_min_satang,typical_max_satang";
constexpr size_t kColumns = 9;

template <typename T>
bool ParseNumber(std::string_view s, T* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

StatusOr<std::vector<MenuRow>> ParseMenuCsv(std::string_view text, std::string_view source) {
  std::vector<MenuRow> rows;
  size_t line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    auto bad = [&](std::string_view what) {
      return InvalidArgumentError(fmt::format("{}:{}: {}", source, line_no, what), reason::kBadReference);
    };
    if (line_no == 1) {
      if (line != kHeader) return bad(fmt::format("expected the header '{}'", kHeader));
      continue;
    }
    if (line.empty()) continue;
    std::vector<std::string_view> cols;
    for (size_t start = 0;;) {
      const size_t comma = line.find(',', start);
      cols.push_back(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    if (cols.size() != kColumns) return bad(fmt::format("{} columns, expected {} (no commas in names)", cols.size(), kColumns));
    MenuRow r;
    r.code = cols[0];
    if (r.code.empty()) return bad("code: empty");
    auto dimension = DimensionFromName(cols[1]);
    if (!dimension) return bad(fmt::format("dimension: '{}' is not health, living, education, income or access", cols[1]));
    r.dimension = *dimension;
    if (!ParseNumber(cols[2], &r.indicator) || r.indicator < 0 || r.indicator > 63) {
      return bad(fmt::format("indicator: '{}' is not a BMN indicator number (0 for none)", cols[2]));
    }
    r.name_th = cols[3];
    r.name_en = cols[4];
    r.unit = cols[5];
    if (r.name_th.empty() || r.name_en.empty() || r.unit.empty()) return bad("name_th, name_en and unit: must not be empty");
    if (cols[6] != "offered" && cols[6] != "withdrawn") {
      return bad(fmt::format("status: '{}' is not offered or withdrawn", cols[6]));
    }
    r.withdrawn = cols[6] == "withdrawn";
    if (!ParseNumber(cols[7], &r.typical_min_satang) || !ParseNumber(cols[8], &r.typical_max_satang) ||
        r.typical_min_satang < 0 || r.typical_max_satang < r.typical_min_satang) {
      return bad("typical_min_satang, typical_max_satang: integers with 0 <= min <= max");
    }
    rows.push_back(std::move(r));
  }
  if (rows.empty()) return InvalidArgumentError(fmt::format("{}: no menu items", source), reason::kBadReference);
  return rows;
}

std::string_view BuiltinMenuCsv() {
  return std::string_view(ledger_menu_csv_begin, static_cast<size_t>(ledger_menu_csv_end - ledger_menu_csv_begin));
}

const std::vector<MenuRow>& BuiltinMenu() {
  static const std::vector<MenuRow>* rows = [] {
    auto parsed = ParseMenuCsv(BuiltinMenuCsv(), "built-in data/menu.csv");
    return new std::vector<MenuRow>(parsed.ok() ? std::move(*parsed) : std::vector<MenuRow>());
  }();
  return *rows;
}

nlohmann::json MenuPublishedJson(const std::vector<MenuRow>& rows, uint32_t version, std::string_view publisher,
                                 std::string_view date, std::string_view description) {
  nlohmann::json items = nlohmann::json::array();
  for (const MenuRow& r : rows) {
    items.push_back({{"code", r.code},
                     {"dimension", DimensionName(r.dimension)},
                     {"indicator", r.indicator},
                     {"name_th", r.name_th},
                     {"name_en", r.name_en},
                     {"unit", r.unit},
                     {"withdrawn", r.withdrawn}});
  }
  return {{"kind", "MenuPublished"}, {"agency", publisher}, {"occurred_at", date},
          {"version", version},      {"items", items},      {"description", description}};
}

}  // namespace ledger
