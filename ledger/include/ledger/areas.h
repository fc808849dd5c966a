// The DOPA administrative-division list (data/thai_admin_divisions.csv, see
// data/README.md): one parser for the CSV and the copy embedded in every
// program at build time, so nothing reads the file at run time.
//
//   ASSIGN_OR_RETURN(std::vector<AreaRow> rows, ParseAreaRows(BuiltinAreasCsv(), "built-in"));
//   rows[0].subdistrict_code;   // "100101"
//
// Columns: province_code,province_th,province_en,district_code,district_th,
// district_en,subdistrict_code,subdistrict_th,subdistrict_en[,postcode...].
// The first line is a header. Rows repeat a sub-district once per postcode.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ledger/status.h"

namespace ledger {

struct AreaRow {
  // Views into the text given to ParseAreaRows.
  std::string_view province_code, province_th, province_en;
  std::string_view district_code, district_th, district_en;
  std::string_view subdistrict_code, subdistrict_th, subdistrict_en;
};

// The rows of `text` (CSV as above). Codes are checked: 2, 4 and 6 digits,
// each the prefix of the next. Errors: InvalidArgument naming
// `source`:line (BAD_AREA_LIST), also when there are no rows.
StatusOr<std::vector<AreaRow>> ParseAreaRows(std::string_view text, std::string_view source);

// The embedded copy of data/thai_admin_divisions.csv.
std::string_view BuiltinAreasCsv();

// The whole of a file. Errors: NotFound naming the path (reason given).
StatusOr<std::string> ReadWholeFile(const std::string& path, std::string_view reason);

}  // namespace ledger
