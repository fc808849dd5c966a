// The projection fold (projection.h) as the library sees it: compact
// in-memory household records and area totals, the fold itself, and the
// canonical codec of schemas/projection.capnp. Used by Projector (readers,
// rebuilds) and by DomainState (the writer's incremental state and rules).
//
// Model: a household is the ordered list of its events as compact records,
// with corrections applied to them (voided / replaced in place), plus a
// Summary that is a fold of those records in seq order. Appending an event
// folds one more record; a Correction changes an earlier record and re-folds
// the household's records from scratch, so incremental and rebuilt states
// are the same fold. Area totals are sums of per-household contributions:
// before and after each change the household's contribution is subtracted
// and added back, so every area is exactly the sum over its households.
//
// Not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include "ledger/bytes.h"
#include "ledger/domain_types.h"
#include "ledger/event.h"
#include "ledger/projection.h"
#include "ledger/status.h"
#include "schemas/ledger.capnp.h"

namespace ledger::projection {

// Indicator numbers a projection tracks (bits 1..63 of a mask).
inline constexpr int kMaxIndicatorBit = 63;

// Interned string (agency code, officer id, menu item, ...): an index into
// Core::strings(). Ids are private to one Core; encodings never contain them.
using StrId = uint32_t;

// Dates as yyyymmdd integers (CE), 0 = none.
inline uint32_t PackDate(const CivilDate& d) {
  return static_cast<uint32_t>(d.year) * 10000 + static_cast<uint32_t>(d.month) * 100 + static_cast<uint32_t>(d.day);
}
inline CivilDate UnpackDate(uint32_t v) {
  return {static_cast<int>(v / 10000), static_cast<int>(v / 100 % 100), static_cast<int>(v % 100)};
}

struct PlanAction {
  Dimension dimension = Dimension::kHealth;
  uint8_t indicator = 0;
  Level target_level = Level::kSurvive;
  StrId menu_item = 0;
  StrId responsible_agency = 0;
  uint32_t due = 0;
};

struct Targeted {
  uint16_t survey_year = 0;
  TargetSource source = TargetSource::kTpmap;
  uint8_t village = 0;
  uint32_t subdistrict = 0;
  uint64_t failing = 0;
  uint16_t members = 0;
  uint16_t member_hashes = 0;
  friend bool operator==(const Targeted&, const Targeted&) = default;
};
struct Selected {
  StrId programme = 0;
  bool chosen = false;
};
struct MentorChange {
  StrId mentor = 0;
};
struct Visited {
  bool has_gps = false;
  uint16_t evidence = 0;
};
struct Analysed {
  uint8_t dimensions = 0;
};
struct Planned {
  std::vector<PlanAction> actions;
};
struct WelfareChecked {
  WelfareRight right = WelfareRight::kElderly;
  WelfareResult result = WelfareResult::kAlreadyReceiving;
};
struct Assistance {
  Dimension dimension = Dimension::kHealth;
  uint8_t indicator = 0;
  bool has_beneficiary = false;
  StrId menu_item = 0;
  uint32_t quantity = 0;
  int32_t plan_action = -1;
  int64_t value_satang = 0;
};
struct Referral {
  StrId to_agency = 0;
  Dimension dimension = Dimension::kHealth;
};
struct Resolved {
  uint8_t indicator = 0;
};
struct Assessed {
  Level level = Level::kSurvive;
};
struct Exited {
  ExitReason reason = ExitReason::kGraduated;
};
struct CorrectionOf {
  uint64_t corrected_seq = 0;
  bool is_void = false;
};

using RecordData = std::variant<Targeted, Selected, MentorChange, Visited, Analysed, Planned, WelfareChecked,
                                Assistance, Referral, Resolved, Assessed, Exited, CorrectionOf>;

struct Record {
  uint64_t seq = 0;
  uint64_t corrected_by = 0;
  uint32_t occurred = 0;           // yyyymmdd
  StrId agency = 0;
  StrId officer = 0;
  EventKind kind = EventKind::kHouseholdTargeted;
  RecordState state = RecordState::kOriginal;
  RecordData data;
  bool counts() const { return state != RecordState::kVoided; }
};

struct HelpTotal {
  StrId agency = 0;
  Dimension dimension = Dimension::kHealth;
  uint32_t count = 0;
  int64_t satang = 0;
};

struct PlanActionState {
  uint64_t plan_seq = 0;
  bool voided = false;
  bool done = false;
  uint64_t done_seq = 0;
};

struct CorrectionApplied {
  uint64_t seq = 0;
  uint64_t corrected_seq = 0;
  bool is_void = false;
};

// The fold of a household's records (see HouseholdSummary in the schema).
struct Summary {
  bool targeted = false;
  uint32_t subdistrict = 0;
  uint8_t village = 0;
  uint64_t failing = 0;
  uint64_t resolved = 0;
  bool has_level = false;
  Level level = Level::kSurvive;
  uint64_t level_seq = 0;
  uint32_t level_date = 0;
  std::vector<StrId> mentors;
  uint32_t plans = 0;
  std::vector<PlanActionState> plan_actions;
  uint32_t help_count = 0;
  int64_t help_satang = 0;
  std::vector<HelpTotal> help;
  uint32_t visits = 0;
  uint64_t last_visit_seq = 0;
  uint32_t last_visit_date = 0;
  uint32_t welfare_checks = 0;
  uint32_t referrals = 0;
  uint32_t analyses = 0;
  uint32_t selections = 0;
  std::vector<CorrectionApplied> corrections;
  bool exited = false;
  ExitReason exit_reason = ExitReason::kGraduated;
  uint64_t exit_seq = 0;
};

struct Household {
  std::string code;
  uint64_t latest_seq = 0;
  Hash latest_hash{};
  std::vector<Record> records;     // ascending seq
  Summary summary;

  // The record of event `seq`, or nullptr.
  const Record* FindRecord(uint64_t seq) const;
  Record* FindRecord(uint64_t seq);
};

// Sums over the households of an area. Areas are keyed by their code as a
// number: provinces < 100 <= districts < 10000 <= sub-districts.
struct AreaTotals {
  int64_t targeted = 0, with_mentor = 0, with_plan = 0, helped = 0, exited = 0;
  std::array<int64_t, kLevelCount> levels{};
  int64_t failing = 0, resolved = 0;
  std::array<MoneyTotal, kDimensionCount> by_dimension{};
  std::map<StrId, std::array<MoneyTotal, kDimensionCount>> by_agency;   // entries with count 0 removed
};

// Loads a household's stored encoding (Core::StoredHousehold), or
// nullopt when it has none, for households not in memory.
using HouseholdLoader = std::function<StatusOr<std::optional<std::string>>(std::string_view code)>;
// Calls `visit` with the code of every household the loader knows.
using CodeVisitor = std::function<Status(std::string_view code)>;
using HouseholdEnumerator = std::function<Status(const CodeVisitor& visit)>;

class Core {
 public:
  Core() = default;
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  // ---- folding
  // `body` of event `seq` (must be applied()).
  Status ApplyBody(uint64_t seq, int64_t recorded_at_ns, const Hash& leaf_hash, schema::EventBody::Reader body);
  // Leaf bytes (canonical Envelope).
  Status ApplyLeaf(std::string_view leaf_bytes, const Hash& leaf_hash);

  uint64_t applied() const { return applied_; }
  int64_t max_recorded_at() const { return max_recorded_at_; }
  // Sets the position directly (starting from a snapshot or stored state).
  void SetPosition(uint64_t applied, int64_t max_recorded_at) {
    applied_ = applied;
    max_recorded_at_ = max_recorded_at;
  }

  // ---- households
  void SetLoader(HouseholdLoader loader, HouseholdEnumerator enumerator) {
    loader_ = std::move(loader);
    enumerator_ = std::move(enumerator);
  }
  // The household (loading it if needed), or nullptr when it has no events.
  StatusOr<Household*> Find(std::string_view code);
  // Loads every household the loader knows into memory.
  Status LoadAll();
  const std::unordered_map<std::string, Household>& households() const { return households_; }
  // Drops households from memory (they must be reloadable by the loader).
  void DropHouseholds() {
    households_.clear();
    absent_.clear();
  }

  // ---- areas
  const std::unordered_map<uint32_t, AreaTotals>& areas() const { return areas_; }

  // ---- change tracking (for the writer's flush)
  void TrackChanges(bool on) { track_ = on; }
  std::unordered_set<std::string>& changed_households() { return changed_households_; }
  std::unordered_set<uint32_t>& changed_areas() { return changed_areas_; }

  // ---- strings
  StrId Intern(std::string_view s);
  const std::string& Str(StrId id) const { return strings_[id]; }
  std::optional<StrId> FindStr(std::string_view s) const;

  // ---- codec (schemas/projection.capnp)
  // Canonical bytes compared between projections: a household with its
  // summary, an area ("" never: an absent area encodes as zeros).
  std::string SerializeHousehold(const Household& h) const;
  std::string SerializeArea(uint32_t code) const;
  // The whole state (every household must be in memory; see LoadAll()).
  std::string SerializeAll() const;
  // Stored values (packed canonical; households without summary).
  std::string StoredHousehold(const Household& h) const;
  std::string StoredArea(uint32_t code) const;
  std::string StoredAreaSet() const;
  // Decodes a stored household (re-folding its summary) into memory,
  // replacing any copy there.
  StatusOr<Household*> AdoptStoredHousehold(std::string_view bytes);
  Status AdoptStoredArea(std::string_view bytes);
  // Replaces every area.
  Status AdoptStoredAreaSet(std::string_view bytes);

  // ---- views
  HouseholdStatus View(const Household& h) const;
  AreaProgress AreaView(uint32_t code) const;

 private:
  Status ApplyToHousehold(Household& h, uint64_t seq, const Hash& leaf_hash, schema::EventBody::Reader body);
  void AddContribution(const Household& h, int sign);
  Household& NewHousehold(std::string_view code);

  uint64_t applied_ = 0;
  int64_t max_recorded_at_ = 0;
  std::unordered_map<std::string, Household> households_;
  std::unordered_map<uint32_t, AreaTotals> areas_;
  HouseholdLoader loader_;
  HouseholdEnumerator enumerator_;
  std::unordered_set<std::string> absent_;   // codes the loader does not know
  bool track_ = false;
  std::unordered_set<std::string> changed_households_;
  std::unordered_set<uint32_t> changed_areas_;
  std::vector<std::string> strings_;
  std::unordered_map<std::string, StrId> string_ids_;
};

// Parses canonical leaf bytes (copied to aligned memory, reader limits) and
// calls `f` with the Envelope; DataLoss (MALFORMED_EVENT) when malformed.
Status WithEnvelope(std::string_view leaf, const std::function<Status(schema::Envelope::Reader)>& f);

// Re-folds the summary of `h` from its records.
void Refold(Household& h);
// Folds record `i` of `h` into its summary.
void FoldRecord(Household& h, size_t i);
// Decodes a payload of a household kind into a record body; interns strings.
// Returns false for kinds that are not household events.
bool RecordFromPayload(Core& core, schema::Payload::Reader payload, Record* record);
// Area code strings: 33 -> "33", 3301 -> "3301", 330101 -> "330101".
std::string AreaCodeString(uint32_t code);
std::optional<uint32_t> ParseAreaCode(std::string_view code);

}  // namespace ledger::projection
