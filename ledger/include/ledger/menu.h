// The poverty-solution menu (เมนูแก้จน) as reference data: data/menu.csv
// (data/README.md), embedded at build time, and the MenuPublished event that
// registers a version of it in the log (docs/domain.md "The menu").
//
//   ASSIGN_OR_RETURN(std::vector<MenuRow> rows, ParseMenuCsv(text, "menu.csv"));
//   const std::vector<MenuRow>& builtin = BuiltinMenu();     // the embedded data/menu.csv
//   nlohmann::json event = MenuPublishedJson(rows, 1, kDefaultMenuPublisher, "2024-05-01", "first menu");
//   ASSIGN_OR_RETURN(std::string body, BodyFromJson(event));  // then sign with the root key
//
// The ledger never reads the file: what it checks help against is the latest
// MenuPublished in the log. ledger-admin, ledger-seed and ledger-demo build
// that event from these rows.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/domain_types.h"
#include "ledger/status.h"

namespace ledger {

struct MenuRow {
  std::string code;            // "H-01"
  Dimension dimension = Dimension::kHealth;
  int indicator = 0;           // BMN indicator addressed, 0 if none in particular
  std::string name_th, name_en, unit;
  bool withdrawn = false;      // status "withdrawn" (else "offered")
  // The usual value of one delivery, in satang (not published; ledger-seed's values).
  int64_t typical_min_satang = 0, typical_max_satang = 0;
};

// The rows of `text`: a header line
//   code,dimension,indicator,name_th,name_en,unit,status,typical_min_satang,typical_max_satang
// then one item per line, no quoting. Errors: InvalidArgument naming
// `source`:line and the column (BAD_REFERENCE), also when there are no rows.
StatusOr<std::vector<MenuRow>> ParseMenuCsv(std::string_view text, std::string_view source);

// The embedded copy of data/menu.csv, and its rows (checked by the build's
// tests; empty if it did not parse).
std::string_view BuiltinMenuCsv();
const std::vector<MenuRow>& BuiltinMenu();

// The body's agency of a MenuPublished made by ledger-admin (its default),
// ledger-seed and ledger-demo: the operator, who publishes the menu.
inline constexpr char kDefaultMenuPublisher[] = "OPERATOR";

// The MenuPublished event of `rows` as version `version`, in the JSON of
// ledger/event_json.h: agency `publisher`, occurred_at `date` (YYYY-MM-DD).
nlohmann::json MenuPublishedJson(const std::vector<MenuRow>& rows, uint32_t version, std::string_view publisher,
                                 std::string_view date, std::string_view description);

}  // namespace ledger
