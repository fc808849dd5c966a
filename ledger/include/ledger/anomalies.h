// The inspector's list (DOMAIN.md "What inspectors look for"): records that
// deserve a second look, found by a pure scan over the events. Each finding
// names its type, the household or officer, and cites the events behind it
// by seq and leaf hash, so an inspector can prove each one against a signed
// checkpoint.
//
//   AnomalyOptions o;                 // thresholds; defaults below
//   ASSIGN_OR_RETURN(std::vector<Anomaly> found, FindAnomalies(ledger, ledger.Size(), o));
//   for (const Anomaly& a : found) print(AnomalyTypeName(a.type), a.household, a.events[0].seq);
//
//   // Or over events you hold (tests, other stores): seq order from 0.
//   AnomalyScanner scan(o);
//   for (...) RETURN_IF_ERROR(scan.Add(leaf_bytes));
//   std::vector<Anomaly> found = scan.Findings();   // leaf hashes left zero
//
// What counts (each threshold is an AnomalyOptions field):
//   * Corrections are applied first: a voided record is no finding (the
//     correction was the fix) and a replaced one is judged by its new
//     fields. Corrections themselves are judged by correction_after_cutoff.
//   * Days are calendar days: occurredAt's date as declared, and recordedAt
//     (the server clock) as a date in Asia/Bangkok. The fiscal year runs
//     1 October to 30 September (calendar.h); its cut-off is 30 September.
//
//   duplicate_help          the same menu item given to the same household
//                           again within `duplicate_window_days` (by
//                           occurredAt), by the same or different agencies.
//                           One finding per run of such records.
//   help_not_targeted       help to a household with no (non-voided)
//                           targeting recorded before it, or dated before
//                           the household's first targeting. The rules at
//                           append refuse the first case, so it appears
//                           only when a targeting was voided later, or in a
//                           store written around the rules.
//   help_after_exit         help dated after the household's (non-voided)
//                           exit, or recorded after it: typically an exit
//                           entered late, with help recorded in between.
//                           One finding per exit, citing the exit and help.
//   back_dating             a household event recorded `back_dating_days`
//                           or more after its occurredAt date
//                           (events already cited by a bulk-entry finding
//                           are not repeated here).
//   bulk_entry_before_cutoff an officer enters at least `bulk_min_records`
//                           late records (recorded `bulk_late_days` or more
//                           after their date) in the last
//                           `bulk_window_days` of a fiscal year, and at
//                           least `bulk_factor` times their own average per
//                           such window earlier in that year. Counting late
//                           entries keeps a merely busy September apart
//                           from catching up on paper before the cut-off.
//   level_jump              a level assessed more than one step above the
//                           household's previous assessment (none counts as
//                           one step below survive): sufficient or
//                           sustainable with no survive before, or
//                           sustainable straight after survive.
//   implausible_officer_visits an officer with more than
//                           `max_visits_per_day` HouseholdVisited on one
//                           occurredAt date.
//   correction_after_cutoff a Correction recorded more than
//                           `correction_grace_days` after the cut-off of the
//                           fiscal year in which the event it corrects was
//                           recorded: it changes figures already reported.
//
// The type names are those of ledger-seed's --inject-anomalies manifest.
// Thread-safety: an AnomalyScanner is not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/bytes.h"
#include "ledger/event.h"
#include "ledger/status.h"

namespace ledger {

class Ledger;

enum class AnomalyType : uint8_t {
  kDuplicateHelp = 0,
  kHelpNotTargeted = 1,
  kHelpAfterExit = 2,
  kBackDating = 3,
  kBulkEntryBeforeCutoff = 4,
  kLevelJump = 5,
  kImplausibleOfficerVisits = 6,
  kCorrectionAfterCutoff = 7,
};
inline constexpr int kAnomalyTypeCount = 8;

// "duplicate_help", "help_not_targeted", "help_after_exit", "back_dating",
// "bulk_entry_before_cutoff", "level_jump", "implausible_officer_visits",
// "correction_after_cutoff".
std::string_view AnomalyTypeName(AnomalyType type);
std::optional<AnomalyType> AnomalyTypeFromName(std::string_view name);

struct AnomalyOptions {
  int duplicate_window_days = 30;
  int back_dating_days = 60;
  int bulk_window_days = 7;
  int bulk_late_days = 14;
  int bulk_min_records = 20;
  double bulk_factor = 3.0;
  int max_visits_per_day = 15;
  int correction_grace_days = 0;
};

// One event a finding rests on.
struct AnomalyEvent {
  uint64_t seq = 0;
  Hash leaf_hash{};       // zero from AnomalyScanner; filled by FindAnomalies
  std::string role;       // its part: "help", "duplicate", "exit", "targeting", "assessment",
                          // "previous_assessment", "late_entry", "visit", "correction", "corrected", "event"
};

struct Anomaly {
  AnomalyType type = AnomalyType::kDuplicateHelp;
  std::string household;  // "" for officer findings
  std::string agency;     // of the officer concerned, or of the first cited event
  std::string officer;    // "" when the finding is about a household only
  CivilDate date;         // the day it is about (occurredAt, or recorded day for entry findings)
  std::string description;   // one English sentence with the figures
  std::vector<AnomalyEvent> events;   // ascending seq
};

class AnomalyScanner {
 public:
  explicit AnomalyScanner(const AnomalyOptions& options = {});
  ~AnomalyScanner();
  AnomalyScanner(AnomalyScanner&&) noexcept;
  AnomalyScanner& operator=(AnomalyScanner&&) noexcept;

  // Takes the event with these canonical leaf bytes; its seq must be
  // added(). Errors: DataLoss (malformed), OutOfRange (OUT_OF_ORDER).
  Status Add(std::string_view leaf_bytes);
  // Events taken: seqs [0, added()).
  uint64_t added() const;

  // Every finding over the events taken, ordered by type, then by the
  // first cited seq. Leaf hashes are zero. Memory: about 40 bytes per
  // event taken.
  std::vector<Anomaly> Findings() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Scans the first `size` events of `ledger` and fills each cited event's
// leaf hash. `progress(done, total)` is called now and then.
StatusOr<std::vector<Anomaly>> FindAnomalies(const Ledger& ledger, uint64_t size, const AnomalyOptions& options,
                                             const std::function<void(uint64_t, uint64_t)>& progress = {});

}  // namespace ledger
