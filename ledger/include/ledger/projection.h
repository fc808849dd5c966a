// Projections (DOMAIN.md "Projections"; docs/domain.md): household status
// and area progress, as a pure, deterministic fold over the events.
//
//   // As of any moment: the nearest snapshot, then the events after it.
//   ASSIGN_OR_RETURN(uint64_t n, SizeAtTime(ledger, BangkokEndOfDayNs({2022, 9, 30})));
//   ASSIGN_OR_RETURN(Projector p, ProjectionAt(ledger, n));
//   for (const AreaProgress& a : p.Areas(AreaLevel::kProvince)) print(a.code, a.targeted, a.helped);
//   ASSIGN_OR_RETURN(std::optional<HouseholdStatus> h, p.Household("33010012345"));
//
//   // Or fold events yourself (a rebuild from zero):
//   Projector q;
//   for (uint64_t seq = 0; seq < n; ++seq) RETURN_IF_ERROR(q.Apply(*ledger.LeafBytes(seq)));
//   assert(q.Serialize() == p.Serialize());
//
// Semantics, in brief (docs/domain.md has the full text):
//   * A Projector has folded events [0, applied()). Apply() takes the next
//     event; it never checks domain rules (the ledger did at append) and
//     fails only on malformed bytes or an out-of-order seq.
//   * Corrections are applied: a voided event no longer counts, a replaced
//     one counts with its new fields; the records keep both facts
//     (RecordState, corrected_by), and the log keeps both events.
//   * Serialize() is canonical (schemas/projection.capnp): two Projectors
//     that folded the same events give the same bytes, whichever way they
//     got there (from zero, from a snapshot, incrementally at append).
//   * "As of" a date means the events recorded (recordedAt, the server
//     clock) by then: what the ledger knew at that moment, which later
//     appends never change. occurredAt dates are kept on every record for
//     analyses by the date help was given.
//
// Thread-safety: a Projector is not thread-safe (its accessors may load
// households lazily from a snapshot). A Projector made by ProjectionAt()
// reads through the Ledger and must not outlive it.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/bytes.h"
#include "ledger/calendar.h"
#include "ledger/domain_types.h"
#include "ledger/event.h"
#include "ledger/status.h"

namespace ledger {

class Ledger;

// How a record stands after corrections.
enum class RecordState : uint8_t { kOriginal = 0, kReplaced = 1, kVoided = 2 };

struct MoneyTotal {
  uint64_t count = 0;
  int64_t satang = 0;
  friend bool operator==(const MoneyTotal&, const MoneyTotal&) = default;
};

// One AssistanceGiven of a household (voided ones included, flagged).
struct HelpRecord {
  uint64_t seq = 0;
  std::string agency;
  std::string officer;
  CivilDate occurred;
  Dimension dimension = Dimension::kHealth;
  int indicator = 0;               // BMN indicator addressed, 0 if none
  std::string menu_item;
  uint32_t quantity = 0;
  int64_t value_satang = 0;
  int plan_action = -1;            // index into HouseholdStatus::plan, -1 if none
  RecordState state = RecordState::kOriginal;
  uint64_t corrected_by = 0;       // seq of the latest correction, 0 if none
  bool counts() const { return state != RecordState::kVoided; }
};

// One HouseholdTargeted (survey year and source).
struct TargetingRecord {
  uint64_t seq = 0;
  std::string agency;
  CivilDate occurred;
  int survey_year = 0;             // BE
  TargetSource source = TargetSource::kTpmap;
  std::string subdistrict;         // PPDDTT
  std::string village;             // PPDDTTMM or ""
  std::vector<int> failing;        // BMN indicators, ascending
  int members = 0;
  RecordState state = RecordState::kOriginal;
};

struct PlanActionView {
  uint64_t plan_seq = 0;           // the PlanAgreed that listed it
  int index = 0;                   // position in the household's plan
  Dimension dimension = Dimension::kHealth;
  int indicator = 0;
  std::string menu_item;
  std::string responsible_agency;
  Level target_level = Level::kSurvive;
  CivilDate due;
  bool voided = false;             // its PlanAgreed was voided
  bool done = false;               // a counted AssistanceGiven referred to it
  uint64_t done_seq = 0;
  // Planned, not done, not voided, and due before `as_of`.
  bool OverdueOn(const CivilDate& as_of) const { return !voided && !done && due < as_of; }
};

struct CorrectionView {
  uint64_t seq = 0;                // the Correction event
  uint64_t corrected_seq = 0;
  bool is_void = false;            // false: a replacement
};

struct HouseholdStatus {
  std::string house_code;
  bool targeted = false;           // a counted HouseholdTargeted exists
  std::string province, district, subdistrict, village;   // of the latest one
  std::vector<TargetingRecord> targetings;                 // every one, in seq order
  std::vector<int> failing;        // indicators failing now, ascending
  std::vector<int> resolved;       // indicators resolved, ascending
  std::optional<Level> level;      // current level
  uint64_t level_seq = 0;          // when it was reached (first assessment at that level)
  CivilDate level_reached;
  std::vector<std::string> mentors;         // officer ids, in order of assignment
  std::vector<PlanActionView> plan;         // every planned action, in order
  std::vector<HelpRecord> help;             // every AssistanceGiven, in seq order
  MoneyTotal help_total;                    // counted help
  std::array<MoneyTotal, kDimensionCount> help_by_dimension{};
  std::map<std::string, std::array<MoneyTotal, kDimensionCount>> help_by_agency;
  uint32_t visits = 0;
  std::optional<uint64_t> last_visit_seq;
  CivilDate last_visit;
  uint32_t welfare_checks = 0, referrals = 0, analyses = 0, selections = 0;
  std::vector<CorrectionView> corrections;  // corrections applied, in seq order
  bool exited = false;
  ExitReason exit_reason = ExitReason::kGraduated;
  uint64_t exit_seq = 0;
  uint64_t events = 0;                      // the household's events
  uint64_t latest_seq = 0;                  // its latest event ...
  Hash latest_hash{};                       // ... and that event's leaf hash
};

enum class AreaLevel : uint8_t { kProvince = 2, kDistrict = 4, kSubdistrict = 6 };

struct AreaProgress {
  std::string code;                // 2, 4 or 6 digits
  uint64_t targeted = 0;
  uint64_t with_mentor = 0;
  uint64_t with_plan = 0;
  uint64_t helped = 0;             // at least one counted AssistanceGiven
  uint64_t exited = 0;
  std::array<uint64_t, kLevelCount> levels{};   // households whose current level is that one
  uint64_t indicators_failing = 0;
  uint64_t indicators_resolved = 0;
  std::array<MoneyTotal, kDimensionCount> help_by_dimension{};
  std::map<std::string, std::array<MoneyTotal, kDimensionCount>> help_by_agency;
};

namespace projection {
class Core;
}

// A household's status folded from its own events alone (ascending seq,
// e.g. a verified complete history) with the same fold as the ledger's
// projections; nullopt when `leaves` holds none of its events. What a client
// shows instead of the server's word.
StatusOr<std::optional<HouseholdStatus>> FoldHousehold(std::string_view house_code,
                                                       const std::vector<std::string>& leaves);

class Projector {
 public:
  Projector();
  ~Projector();
  Projector(Projector&&) noexcept;
  Projector& operator=(Projector&&) noexcept;

  // Folds the event whose canonical leaf bytes are given; its seq must be
  // applied(). `leaf_hash` is its RFC 6962 leaf hash (the overload without
  // it computes it). Errors: DataLoss (malformed), OutOfRange (OUT_OF_ORDER).
  Status Apply(std::string_view leaf_bytes, const Hash& leaf_hash);
  Status Apply(std::string_view leaf_bytes);

  // Events folded: seqs [0, applied()).
  uint64_t applied() const;
  // Largest recordedAt folded (ns since the epoch), 0 before any event.
  int64_t max_recorded_at_ns() const;

  // Status of one household; nullopt if it has no events.
  StatusOr<std::optional<HouseholdStatus>> Household(std::string_view house_code);
  // One area (2, 4 or 6 digits); nullopt if nobody is targeted there.
  std::optional<AreaProgress> Area(std::string_view code) const;
  // Every area of one level with targeted households, ascending code.
  std::vector<AreaProgress> Areas(AreaLevel level) const;
  // Every household with events, ascending (loads all households).
  StatusOr<std::vector<std::string>> HouseholdCodes();

  // Canonical bytes of the whole state (schemas/projection.capnp
  // ProjectionState; loads all households).
  StatusOr<std::string> Serialize();
  // Canonical bytes of one household (HouseholdState with its summary) /
  // one area; "" when absent.
  StatusOr<std::string> SerializeHousehold(std::string_view house_code);
  std::string SerializeArea(std::string_view code) const;

  explicit Projector(std::unique_ptr<projection::Core> core);

 private:
  // The fold's internals, for the library (projection/projector_internal.h).
  friend struct ProjectorInternal;
  std::unique_ptr<projection::Core> core_;
};

// BangkokEndOfDayNs(d), the last instant "as of d" includes, and
// BangkokDate(ns) are in ledger/calendar.h.

// The number of events recorded at or before `ns` (recordedAt): the longest
// prefix of the log whose events all have recordedAt <= ns. Uses the
// snapshots to skip ahead.
StatusOr<uint64_t> SizeAtTime(const Ledger& ledger, int64_t ns);

struct ProjectionOptions {
  // Start from the nearest snapshot at or before the target (false: fold
  // from seq 0, e.g. to compare).
  bool use_snapshots = true;
  // Called now and then with (events folded so far, events to fold).
  std::function<void(uint64_t, uint64_t)> progress;
};

// The projection after the first `size` events (size <= ledger.Size()).
StatusOr<Projector> ProjectionAt(const Ledger& ledger, uint64_t size, const ProjectionOptions& options = {});

// The projection as the writer keeps it in the `projection` column family
// (consistent with the durable events it names), for audits that compare it
// with a rebuild. Loads every household.
StatusOr<Projector> StoredProjection(const Ledger& ledger);

// Sizes at which snapshots were taken, ascending.
StatusOr<std::vector<uint64_t>> SnapshotSizes(const Ledger& ledger);

}  // namespace ledger
