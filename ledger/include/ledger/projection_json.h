// Projections (projection.h) as JSON objects, with the field names of
// `ledger-replay status --json` and `report --json` (DESIGN.md §8: the
// report object has at least code, targeted, helped, survive, sufficient,
// sustainable). One place for the mapping, for every program that serves
// or prints projections.
//
//   nlohmann::json h = HouseholdStatusJson(*projector.Household("33010012345").value());
//   nlohmann::json a = AreaProgressJson(*projector.Area("33"));
//   a["targeted"], a["helped"], a["help_by_dimension"]["health"]["value_satang"]
//
// Money is integer satang ("value_satang"), dates "YYYY-MM-DD" (CE),
// enums by their English names (domain_types.h), hashes lowercase hex.
#pragma once

#include <nlohmann/json.hpp>

#include "ledger/projection.h"

namespace ledger {

// house_code, targeted, province, district, subdistrict, village,
// targetings [{seq, agency, occurred_at, survey_year, source, subdistrict,
// village, failing, members, state}], failing, resolved, level, level_seq,
// level_reached (null when not assessed), mentors, plan [{plan_seq, index,
// dimension, indicator, menu_item, responsible_agency, target_level, due,
// voided, done, done_seq}], help [{seq, agency, officer, occurred_at,
// dimension, indicator, menu_item, quantity, value_satang, plan_action,
// state, corrected_by}], help_total {count, value_satang},
// help_by_dimension {dimension: {count, value_satang}}, help_by_agency
// {agency: {dimension: ...}}, visits, last_visit, last_visit_seq,
// welfare_checks, referrals, analyses, selections, corrections [{seq,
// corrected_seq, void}], exited, exit_reason, exit_seq, events, latest_seq,
// latest_hash. `state` is "original", "replaced" or "voided".
nlohmann::json HouseholdStatusJson(const HouseholdStatus& h);

// code, targeted, with_mentor, with_plan, helped, exited, survive,
// sufficient, sustainable, not_assessed, indicators_failing,
// indicators_resolved, help_count, help_value_satang, help_by_dimension
// {dimension: {count, value_satang}}, help_by_agency {agency: {count,
// value_satang}}.
nlohmann::json AreaProgressJson(const AreaProgress& a);

// "original", "replaced", "voided".
std::string_view RecordStateName(RecordState s);

}  // namespace ledger
