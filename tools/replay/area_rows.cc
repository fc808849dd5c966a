#include "replay/area_rows.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "ledger/domain_types.h"
#include "ledger/projection_json.h"
#include "ledger/reasons.h"
#include "replay/moment.h"

namespace ledger::replay {
namespace {

using tools::Language;

bool IsDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view LevelWord(AreaLevel level) {
  switch (level) {
    case AreaLevel::kProvince:
      return "province";
    case AreaLevel::kDistrict:
      return "district";
    case AreaLevel::kSubdistrict:
      return "subdistrict";
  }
  return "";
}

uint64_t Assessed(const AreaProgress& a) { return std::accumulate(a.levels.begin(), a.levels.end(), uint64_t{0}); }

MoneyTotal HelpTotal(const AreaProgress& a) {
  MoneyTotal t;
  for (const MoneyTotal& m : a.help_by_dimension) {
    t.count += m.count;
    t.satang += m.satang;
  }
  return t;
}

std::string Percent(uint64_t part, uint64_t whole) {
  return whole == 0 ? std::string("-") : fmt::format("{:.1f}", 100.0 * static_cast<double>(part) / whole);
}

}  // namespace

StatusOr<AreaSelection> AreaSelection::Make(const std::string& by, const std::string& area) {
  AreaSelection s;
  s.area = area;
  if (!area.empty() && (!IsDigits(area) || (area.size() != 2 && area.size() != 4 && area.size() != 6))) {
    return InvalidArgumentError(
        fmt::format("--area '{}': expected a DOPA code of 2 (province), 4 (district) or 6 (sub-district) digits", area),
        reason::kBadArea);
  }
  if (by.empty()) {
    s.level = area.empty() ? AreaLevel::kProvince : area.size() == 2 ? AreaLevel::kDistrict : AreaLevel::kSubdistrict;
    return s;
  }
  s.level = by == "province" ? AreaLevel::kProvince : by == "district" ? AreaLevel::kDistrict : AreaLevel::kSubdistrict;
  if (area.size() > static_cast<size_t>(s.level)) {
    return InvalidArgumentError(
        fmt::format("--area {} is a {}; use --by {} or finer", area,
                    LevelWord(static_cast<AreaLevel>(area.size())), LevelWord(static_cast<AreaLevel>(area.size()))),
        reason::kBadArea);
  }
  return s;
}

std::vector<AreaProgress> AreaSelection::Rows(const Projector& p) const {
  std::vector<AreaProgress> rows = p.Areas(level);
  std::erase_if(rows, [&](const AreaProgress& a) { return a.code.compare(0, area.size(), area) != 0; });
  return rows;
}

AreaProgress AreaSelection::Whole(const Projector& p) const {
  if (area.empty()) return SumRows(p.Areas(AreaLevel::kProvince), "all");
  AreaProgress a = p.Area(area).value_or(AreaProgress{});
  a.code = area;
  return a;
}

AreaProgress SumRows(const std::vector<AreaProgress>& rows, std::string code) {
  AreaProgress t;
  t.code = std::move(code);
  for (const AreaProgress& a : rows) {
    t.targeted += a.targeted;
    t.with_mentor += a.with_mentor;
    t.with_plan += a.with_plan;
    t.helped += a.helped;
    t.exited += a.exited;
    for (int l = 0; l < kLevelCount; ++l) t.levels[l] += a.levels[l];
    t.indicators_failing += a.indicators_failing;
    t.indicators_resolved += a.indicators_resolved;
    for (int d = 0; d < kDimensionCount; ++d) {
      t.help_by_dimension[d].count += a.help_by_dimension[d].count;
      t.help_by_dimension[d].satang += a.help_by_dimension[d].satang;
    }
    for (const auto& [agency, dims] : a.help_by_agency) {
      auto& sum = t.help_by_agency[agency];
      for (int d = 0; d < kDimensionCount; ++d) {
        sum[d].count += dims[d].count;
        sum[d].satang += dims[d].satang;
      }
    }
  }
  return t;
}

std::string_view AreaLevelName(AreaLevel level, Language language) {
  const bool thai = language == Language::kThai;
  switch (level) {
    case AreaLevel::kProvince: return thai ? "จังหวัด" : "province";
    case AreaLevel::kDistrict: return thai ? "อำเภอ" : "district";
    case AreaLevel::kSubdistrict: return thai ? "ตำบล" : "sub-district";
  }
  return "";
}

std::string AreaName(const tools::AdminAreas& names, const std::string& code, Language language) {
  if (code == "all") return language == Language::kThai ? "ทุกพื้นที่" : "All areas";
  return std::string(names.Name(code, language).value_or(""));
}

nlohmann::json RowJson(const AreaProgress& row, const tools::AdminAreas& names, Language language) {
  nlohmann::json j = AreaProgressJson(row);
  j["name"] = AreaName(names, row.code, language);
  j["name_th"] = AreaName(names, row.code, Language::kThai);
  j["name_en"] = AreaName(names, row.code, Language::kEnglish);
  j["level"] = row.code == "all" ? std::string("all") : std::string(LevelWord(static_cast<AreaLevel>(row.code.size())));
  return j;
}

std::vector<std::string> CsvHeader() {
  std::vector<std::string> h = {"code",    "name",       "targeted",    "with_mentor",  "with_plan",
                                "helped",  "exited",     "survive",     "sufficient",   "sustainable",
                                "not_assessed", "indicators_failing", "indicators_resolved", "help_count",
                                "help_value_satang", "help_value_baht"};
  for (Dimension d : kDimensions) {
    h.push_back(fmt::format("help_{}_satang", DimensionName(d)));
    h.push_back(fmt::format("help_{}_baht", DimensionName(d)));
  }
  return h;
}

std::vector<std::string> CsvFields(const AreaProgress& row, const tools::AdminAreas& names, Language language) {
  const MoneyTotal total = HelpTotal(row);
  std::vector<std::string> f = {row.code,
                                AreaName(names, row.code, language),
                                std::to_string(row.targeted),
                                std::to_string(row.with_mentor),
                                std::to_string(row.with_plan),
                                std::to_string(row.helped),
                                std::to_string(row.exited),
                                std::to_string(row.levels[0]),
                                std::to_string(row.levels[1]),
                                std::to_string(row.levels[2]),
                                std::to_string(row.targeted - Assessed(row)),
                                std::to_string(row.indicators_failing),
                                std::to_string(row.indicators_resolved),
                                std::to_string(total.count),
                                std::to_string(total.satang),
                                Baht(total.satang, /*separators=*/false)};
  for (const MoneyTotal& m : row.help_by_dimension) {
    f.push_back(std::to_string(m.satang));
    f.push_back(Baht(m.satang, /*separators=*/false));
  }
  return f;
}

std::vector<TextTable::Column> TextColumns(Language language) {
  if (language == Language::kThai) {
    return {{"รหัส"},        {"พื้นที่"},        {"เป้าหมาย", true}, {"มีพี่เลี้ยง", true}, {"มีแผน", true},
            {"ได้รับช่วยเหลือ", true}, {"%", true}, {"อยู่รอด", true},  {"พอเพียง", true},  {"ยั่งยืน", true},
            {"ยังไม่ประเมิน", true}, {"ออกจากโครงการ", true}, {"ตัวชี้วัดผ่าน", true}, {"มูลค่า (บาท)", true}};
  }
  return {{"Code"},           {"Area"},          {"Targeted", true},    {"Mentor", true},   {"Plan", true},
          {"Helped", true},   {"%", true},       {"Survive", true},     {"Sufficient", true}, {"Sustainable", true},
          {"Not assessed", true}, {"Exited", true}, {"Resolved", true}, {"Help (THB)", true}};
}

std::vector<std::string> TextCells(const AreaProgress& row, const tools::AdminAreas& names, Language language) {
  return {row.code == "all" ? "" : row.code,
          AreaName(names, row.code, language),
          Thousands(row.targeted),
          Thousands(row.with_mentor),
          Thousands(row.with_plan),
          Thousands(row.helped),
          Percent(row.helped, row.targeted),
          Thousands(row.levels[0]),
          Thousands(row.levels[1]),
          Thousands(row.levels[2]),
          Thousands(row.targeted - Assessed(row)),
          Thousands(row.exited),
          Thousands(row.indicators_resolved),
          Baht(HelpTotal(row).satang)};
}

}  // namespace ledger::replay
