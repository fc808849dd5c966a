// Area progress as report rows (DOMAIN.md "Area progress"; DESIGN.md §8
// report contract), shared by report, series and chart: which areas to
// show, their names, and the row as JSON, CSV and text.
//
//   ASSIGN_OR_RETURN(AreaSelection sel, AreaSelection::Make("district", "33"));
//   std::vector<AreaProgress> rows = sel.Rows(projector);    // districts of Si Sa Ket
//   AreaProgress total = sel.Whole(projector);               // Si Sa Ket itself
//   nlohmann::json j = RowJson(rows[0], names);               // {"code": "3301", "targeted": ..., ...}
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "common/admin_areas.h"
#include "ledger/projection.h"
#include "ledger/status.h"
#include "replay/text_table.h"

namespace ledger::replay {

struct AreaSelection {
  AreaLevel level = AreaLevel::kProvince;
  std::string area;   // "" = the whole store; else a 2-, 4- or 6-digit code

  // `by`: "province", "district", "subdistrict", or "" for the level below
  // `area` (province when there is no area). Errors: InvalidArgument
  // (BAD_AREA) for a code that is not 2, 4 or 6 digits, or a level above
  // the area's (--by province --area 3301).
  static StatusOr<AreaSelection> Make(const std::string& by, const std::string& area);

  // The areas of `level` inside `area` that have targeted households,
  // ascending code.
  std::vector<AreaProgress> Rows(const Projector& p) const;
  // The selection as one row: `area` itself, or for the whole store the
  // sum over provinces with code "all". Zero figures when nobody is
  // targeted there yet.
  AreaProgress Whole(const Projector& p) const;
};

// Sum of rows (every figure, help by dimension and by agency).
AreaProgress SumRows(const std::vector<AreaProgress>& rows, std::string code);

// The area's name in `language`: "" when unknown; "All areas" / "ทุกพื้นที่"
// for "all".
std::string AreaName(const tools::AdminAreas& names, const std::string& code, tools::Language language);

// The report object: code, name (in `language`), name_th, name_en, level,
// targeted, with_mentor, with_plan, helped, exited, survive, sufficient,
// sustainable, not_assessed, indicators_failing, indicators_resolved,
// help_count, help_value_satang, help_by_dimension {dimension: {count,
// value_satang}}, help_by_agency {agency: {count, value_satang}}.
nlohmann::json RowJson(const AreaProgress& row, const tools::AdminAreas& names, tools::Language language);

// CSV columns of a row, and the header naming them: the figures of
// RowJson, each money column in satang followed by the same in baht with two
// decimals and no separators (help_value_satang, help_value_baht,
// help_health_satang, help_health_baht, ...).
std::vector<std::string> CsvHeader();
std::vector<std::string> CsvFields(const AreaProgress& row, const tools::AdminAreas& names, tools::Language language);

// Text table columns (headers in `language`) and a row's cells.
std::vector<TextTable::Column> TextColumns(tools::Language language);
std::vector<std::string> TextCells(const AreaProgress& row, const tools::AdminAreas& names, tools::Language language);

// A level as titles name it: "province", "district", "sub-district" /
// "จังหวัด", "อำเภอ", "ตำบล".
std::string_view AreaLevelName(AreaLevel level, tools::Language language);

// "th" or "en" (checked by CLI11).
inline tools::Language LanguageOf(const std::string& name) {
  return name == "th" ? tools::Language::kThai : tools::Language::kEnglish;
}

}  // namespace ledger::replay
