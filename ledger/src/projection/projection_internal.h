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
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include "core/flat_table.h"
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
  bool changed = false;            // listed in Core::changed_households()
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
  // Per agency (any order; entries whose counts are all 0 are removed).
  std::vector<std::pair<StrId, std::array<MoneyTotal, kDimensionCount>>> by_agency;
};

// What a household adds to each of its three areas, without its help
// totals (which are Summary::help).
struct Contribution {
  uint32_t subdistrict = 0;        // 0: nothing (not targeted)
  bool with_mentor = false, with_plan = false, helped = false, exited = false;
  int level = -1;
  int failing = 0, resolved = 0;
  friend bool operator==(const Contribution&, const Contribution&) = default;
};

// Households by numeric code (keys are never 0), in the library's one
// hash table (core/flat_table.h).
class NumberIndex {
 public:
  // Brings the slot where `key` is looked up into the CPU cache.
  void Prefetch(uint64_t key) const { table_.Prefetch(Mix(key)); }
  Household* Find(uint64_t key) const {
    const Slot* slot = table_.Find(Mix(key), [key](const Slot& s) { return s.key == key; });
    return slot ? slot->household : nullptr;
  }
  void Insert(uint64_t key, Household* h) {
    auto [slot, added] = table_.FindOrClaim(Mix(key), [key](const Slot& s) { return s.key == key; });
    *slot = {key, h};
  }
  void Clear() { table_.Clear(); }
  size_t size() const { return table_.size(); }

 private:
  struct Slot {
    uint64_t key = 0;
    Household* household = nullptr;
  };
  struct Traits {
    static Slot Free() { return {}; }
    static bool IsFree(const Slot& s) { return s.key == 0; }
    static uint64_t HashOf(const Slot& s) { return Mix(s.key); }
  };
  static uint64_t Mix(uint64_t key) { return key * 0x9e3779b97f4a7c15ULL >> 17; }
  FlatTable<Slot, Traits> table_;
};

// Interned strings, each kept once; ids index `strings_`.
class StringTable {
  static constexpr StrId kEmpty = ~StrId{0};
  struct Slot {
    uint64_t hash = 0;
    StrId id = kEmpty;
  };
  static uint64_t Hash(std::string_view s) { return std::hash<std::string_view>()(s); }
  auto Same(std::string_view s) const {
    return [this, s, h = Hash(s)](const Slot& slot) { return slot.hash == h && strings_[slot.id] == s; };
  }

 public:
  std::optional<StrId> Find(std::string_view s) const {
    std::lock_guard lock(mu_);
    const Slot* slot = table_.Find(Hash(s), Same(s));
    return slot ? std::optional<StrId>(slot->id) : std::nullopt;
  }
  StrId Intern(std::string_view s) {
    std::lock_guard lock(mu_);
    const uint64_t h = Hash(s);
    auto [slot, added] = table_.FindOrClaim(h, Same(s));
    if (added) {
      *slot = {h, static_cast<StrId>(strings_.size())};
      strings_.emplace_back(s);
    }
    return slot->id;
  }
  // Not synchronised with Intern(): read strings once no thread interns.
  const std::string& operator[](StrId id) const { return strings_[id]; }

 private:
  struct Traits {
    static Slot Free() { return {}; }
    static bool IsFree(const Slot& s) { return s.id == kEmpty; }
    static uint64_t HashOf(const Slot& s) { return s.hash; }
  };
  mutable std::mutex mu_;
  std::vector<std::string> strings_;
  FlatTable<Slot, Traits> table_{256};
};

// One event taken apart for the fold: what Core::Decode*() extracts (and
// interns) and Core::Apply() folds.
struct DecodedEvent {
  uint64_t seq = 0;
  int64_t recorded_at_ns = 0;
  Hash leaf_hash{};
  std::string household;           // "" for registry events
  uint64_t household_number = 0;   // Core::CodeNumber(household), 0 if none
  bool household_event = false;    // `record` holds a household kind
  Record record;
  bool has_replacement = false;    // a Correction's replacement, decoded
  Record replacement;
  // The household's previous event (the envelope's householdPrev; only
  // from DecodeLeaf), nullopt for its first event.
  std::optional<uint64_t> household_prev;
  // Set by a reader that looked the household up ahead of the fold: Apply()
  // then adopts `stored` (its stored encoding where the fold started;
  // nullopt: it had none) instead of asking the loader, when it is not in
  // memory.
  bool prefetched = false;
  std::optional<std::string> stored;
};

// Heterogeneous lookup by string_view.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
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
  // The same for one household's events alone (ascending seqs with gaps):
  // what FoldHousehold (projection.h) folds.
  Status ApplyHouseholdLeaf(std::string_view leaf_bytes, const Hash& leaf_hash);
  // The two halves of the above. Decode touches only the string table and
  // Apply never reads strings, so one thread may decode while another
  // applies what was decoded before (a pipelined replay).
  Status DecodeBody(uint64_t seq, int64_t recorded_at_ns, const Hash& leaf_hash, schema::EventBody::Reader body,
                    DecodedEvent* out);
  Status DecodeLeaf(std::string_view leaf_bytes, const Hash& leaf_hash, DecodedEvent* out);
  Status Apply(DecodedEvent& e);
  // Hints that `e` is applied soon, for a fold that walks a batch of
  // events: stage 0 brings its household's index slot into the CPU cache,
  // stage 1 (some events later, once the slot is there) the household,
  // stage 2 (later again) the end of its records. A household is three
  // cache misses away otherwise, one behind the other, and a fold of a
  // whole country's households waits on those more than it computes.
  void Prefetch(const DecodedEvent& e, int stage) const;

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
  // A household in memory, or nullptr.
  Household* Loaded(std::string_view code);
  size_t household_count() const { return owned_.size(); }
  // Calls f(const Household&) for every household in memory, in no order.
  template <typename F>
  void ForEachHousehold(F&& f) const {
    for (const auto& h : owned_) f(*h);
  }
  // Drops households from memory (they must be reloadable by the loader,
  // and none may be changed since the last flush).
  void DropHouseholds() {
    numbered_.Clear();
    named_.clear();
    owned_.clear();
    absent_.clear();
  }

  // ---- areas
  const std::unordered_map<uint32_t, AreaTotals>& areas() const { return areas_; }

  // ---- change tracking (for the writer's flush)
  void TrackChanges(bool on) { track_ = on; }
  // Households changed since ClearChanges(), each once.
  const std::vector<Household*>& changed_households() const { return changed_households_; }
  void ClearChanges();
  std::unordered_set<uint32_t>& changed_areas() { return changed_areas_; }

  // ---- strings
  StrId Intern(std::string_view s) { return strings_.Intern(s); }
  const std::string& Str(StrId id) const { return strings_[id]; }
  std::optional<StrId> FindStr(std::string_view s) const { return strings_.Find(s); }

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
  void ApplyToHousehold(Household& h, DecodedEvent& e);
  // Adds `sign` times a contribution and its help totals to its areas.
  void AddContribution(const Contribution& c, const std::vector<HelpTotal>& help, int sign);
  // Adds the difference between two contributions to the same areas.
  void AddDifference(const Contribution& before, const Contribution& after);
  void AddHelp(uint32_t subdistrict, const HelpTotal& delta, int sign);
  AreaTotals& AreaFor(uint32_t code);
  void MarkChanged(Household& h);
  Household& NewHousehold(std::string_view code);
  // 11-digit (any all-digit, up to 17) codes as numbers; others by name.
  static std::optional<uint64_t> CodeNumber(std::string_view code);

  uint64_t applied_ = 0;
  int64_t max_recorded_at_ = 0;
  std::vector<std::unique_ptr<Household>> owned_;
  NumberIndex numbered_;
  std::unordered_map<std::string, Household*, StringHash, std::equal_to<>> named_;
  std::unordered_map<uint32_t, AreaTotals> areas_;
  HouseholdLoader loader_;
  HouseholdEnumerator enumerator_;
  std::unordered_set<std::string, StringHash, std::equal_to<>> absent_;   // codes the loader does not know
  bool track_ = false;
  std::vector<Household*> changed_households_;
  std::unordered_set<uint32_t> changed_areas_;
  StringTable strings_;
};

// Re-folds the summary of `h` from its records.
void Refold(Household& h);
// Folds record `i` of `h` into its summary.
void FoldRecord(Household& h, size_t i);
// Decodes a payload of a household kind into a record body; interns strings.
// Returns false for kinds that are not household events.
bool RecordFromPayload(Core& core, schema::Payload::Reader payload, Record* record);
// What a household of summary `s` contributes to its areas.
Contribution ContributionOf(const Summary& s);
// A stored date packed as projection records keep it.
uint32_t DateOf(schema::Date::Reader date);
// Area code strings: 33 -> "33", 3301 -> "3301", 330101 -> "330101".
std::string AreaCodeString(uint32_t code);
std::optional<uint32_t> ParseAreaCode(std::string_view code);

}  // namespace ledger::projection
