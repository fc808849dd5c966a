// Readable household output for `ledger household` / `ledger history`
// (timeline.cc).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "ledger/calendar.h"

namespace ledger::cli {

// The status (HouseholdStatusJson) in a few labelled lines.
std::string StatusSummary(const nlohmann::json& status, Calendar calendar);
// One line per event: seq, date, kind, agency, officer, the payload's fields;
// with `thai`, the kinds and the column titles in Thai.
std::string Timeline(const std::vector<std::string>& leaves, Calendar calendar, bool thai);

}  // namespace ledger::cli
