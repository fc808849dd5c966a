// The synthetic programme's model (programme.h), private to ledger-seed:
// the days, the randomness, the households' planned actions and the
// Impl that programme.cc (set-up, planning, times, the Programme),
// programme_anomalies.cc (the injected anomalies) and programme_events.cc
// (each action built as a signed event body) share.
#pragma once

#include <capnp/message.h>

#include <functional>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "ledger/calendar.h"
#include "ledger/crypto.h"
#include "ledger/event_codec.h"
#include "seed/citizen_id.h"
#include "seed/programme.h"

namespace ledger::seed {

constexpr int64_t kNsPerMinute = 60'000'000'000LL;
constexpr int kMaxVisitsPerOfficerDay = 8;  // clean data never exceeds it
constexpr int kHouseholdsPerOfficer = 60;
constexpr int kMaxOfficersPerAgencyDistrict = 4;

// ---------------------------------------------------------------- time (days since 1970-01-01, Bangkok)

// Day numbers are calendar.h's (days since 1970-01-01), days in Asia/Bangkok.
inline CivilDate DateOf(int day) { return DateFromDayNumber(day); }
inline int DayOf(const CivilDate& d) { return static_cast<int>(DayNumber(d)); }
inline int64_t DayStartNs(int day) { return BangkokStartOfDayNs(DateOf(day)); }
// Sundays off.
inline int Workday(int day) { return (day + 4) % 7 == 0 ? day + 1 : day; }

// ---------------------------------------------------------------- randomness

inline uint64_t SplitMix(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

inline uint64_t Mix(uint64_t a, uint64_t b) {
  uint64_t s = a * 0x100000001b3ULL ^ b;
  SplitMix(s);
  return SplitMix(s);
}

inline uint64_t MixText(uint64_t a, std::string_view text) {
  for (char c : text) a = Mix(a, static_cast<uint8_t>(c));
  return a;
}

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) : state_(seed) {}
  uint64_t Next() { return SplitMix(state_); }
  // Uniform in [lo, hi].
  int Uniform(int lo, int hi) { return lo + static_cast<int>(Next() % static_cast<uint64_t>(hi - lo + 1)); }
  bool Percent(int p) { return static_cast<int>(Next() % 100) < p; }
  // Index by integer weights.
  template <typename Weights>
  size_t Weighted(const Weights& w) {
    int total = 0;
    for (int x : w) total += x;
    int pick = Uniform(0, total - 1);
    for (size_t i = 0; i < w.size(); ++i) {
      if (pick < w[i]) return i;
      pick -= w[i];
    }
    return w.size() - 1;
  }

 private:
  uint64_t state_;
};

// ---------------------------------------------------------------- the model

enum class Act : uint8_t {
  kTarget,
  kSelect,
  kMentor,
  kWelfare,
  kVisit,
  kAnalyse,
  kPlan,
  kHelp,
  kRefer,
  kResolve,
  kLevel,
  kExit,
  kCorrect
};

// One thing that happens to a household. 32 bytes; a national run holds
// tens of millions.
struct Action {
  int32_t day = 0;      // occurred (Bangkok calendar)
  int16_t minute = -1;  // occurred minute of day; -1 = pick one
  Act act = Act::kVisit;
  uint8_t a = 0, b = 0;  // per act: see Body()
  uint8_t role = 0;      // index into kRoles (anomalies)
  int16_t anomaly = -1;
  int32_t officer = -1;        // recording officer override
  int32_t delay_minutes = -1;  // recording delay override
  int64_t recorded_ns = 0;     // absolute override when set before the timing pass; then the result
};

constexpr const char* kRoles[] = {"",     "first", "duplicate", "help_after_exit", "exit",      "back_dated",
                                  "jump", "bulk",  "visit",     "corrected",       "correction"};
enum Role : uint8_t {
  kNoRole,
  kFirst,
  kDuplicate,
  kHelpAfterExit,
  kExitRole,
  kBackDated,
  kJump,
  kBulk,
  kVisitRole,
  kCorrected,
  kCorrectionRole
};

struct HelpGiven {
  Dimension dimension = Dimension::kHealth;
  uint8_t item = 0;  // index into MenuOf(dimension)
  int8_t plan_ref = -1;
  bool beneficiary = false;
  int32_t officer = 0;
  int64_t value = 0;
  enum { kPending, kAcked, kRefused } state = kPending;
  uint64_t seq = 0;
  Hash hash{};
};

struct PlanItem {
  Dimension dimension;
  uint8_t indicator;
  uint8_t item;
  int32_t due;
};

struct House {
  std::string code;
  uint32_t sub = 0;
  uint8_t members = 1;
  uint8_t village = 1;
  std::vector<uint8_t> failing;  // in order of choice
  std::vector<PlanItem> plan;
  int32_t mentors[2] = {-1, -1};
  std::vector<HelpGiven> helps;
  std::vector<Action> actions;
  uint32_t next = 0;
  Rng rng;
  bool stopped = false;
  bool anomalous = false;
};

struct Sub {
  std::string code;
  uint32_t district;
};
struct DistrictInfo {
  std::string code;
  uint32_t province;
  std::vector<int32_t> officers[kDimensionCount];
  uint32_t households = 0;
  int32_t lat = 0, lon = 0;  // a synthetic point (micro-degrees), not real geography
};
struct ProvinceInfo {
  std::string code, name_th, name_en;
  int32_t agencies[kDimensionCount];
};
struct AgencyInfo {
  std::string code, name_th, name_en;
  Dimension dimension;
  std::string province;
  const PrivateKey* key = nullptr;
};
struct OfficerInfo {
  std::string id;
  int32_t agency;
  uint32_t district;
  schema::OfficerRole role;
  const PrivateKey* key = nullptr;
};

inline capnp::Data::Reader AsData(const std::string& s) {
  return capnp::Data::Reader(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
inline capnp::Data::Reader AsData(const Hash& h) { return capnp::Data::Reader(h.data(), h.size()); }

inline void SetDate(schema::Date::Builder b, const CivilDate& d) {
  b.setYear(static_cast<int16_t>(d.year));
  b.setMonth(static_cast<uint8_t>(d.month));
  b.setDay(static_cast<uint8_t>(d.day));
}

inline std::string Slug(const std::string& english) {
  std::string out;
  for (char c : english) {
    if (c >= 'A' && c <= 'Z')
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
      out.push_back(c);
    else if (!out.empty() && out.back() != '-')
      out.push_back('-');
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

// ---------------------------------------------------------------- Impl

struct Programme::Impl {
  ProgrammeConfig config;
  SeedKeys* keys = nullptr;
  int start = 0, end = 0;  // fiscal year: 1 October .. 30 September (days)
  std::vector<ProvinceInfo> provinces;
  std::vector<DistrictInfo> districts;
  std::vector<Sub> subs;
  std::vector<AgencyInfo> agencies;
  std::vector<OfficerInfo> officers;
  std::vector<House> houses;
  std::vector<Anomaly> anomalies;
  std::unordered_map<uint64_t, uint8_t> visits_per_officer_day;
  uint64_t planned = 0;
  uint64_t counter = 0;                        // idempotency keys and evidence names
  using Entry = std::pair<int64_t, uint32_t>;  // (recorded_ns, household)
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> queue;

  Status Setup(const tools::AdminAreas& areas);
  Status Officers();
  void PlanHousehold(uint32_t hi);
  void InjectAnomalies();
  void Time(House& h);

  int32_t OfficerFor(const House& h, Dimension d, uint64_t salt) const {
    const auto& list = districts[subs[h.sub].district].officers[static_cast<int>(d)];
    return list[Mix(salt, h.sub) % list.size()];
  }
  int VisitDay(int32_t officer, int day) {
    day = Workday(day);
    while (true) {
      uint8_t& n = visits_per_officer_day[(static_cast<uint64_t>(officer) << 32) | static_cast<uint32_t>(day)];
      if (n < kMaxVisitsPerOfficerDay) {
        ++n;
        return day;
      }
      day = Workday(day + 1);
    }
  }
  std::string NextKey() {
    Hash h = Sha256(BigEndian64(config.seed) + BigEndian64(counter++) + "idempotency");
    return std::string(reinterpret_cast<const char*>(h.data()), 16);
  }
  std::string Body(const std::string& household, const std::string& agency, const std::string& officer,
                   const CivilDate& date, int minute, const std::function<void(schema::Payload::Builder)>& fill) {
    capnp::MallocMessageBuilder msg(128);
    auto body = msg.initRoot<schema::EventBody>();
    // Empty texts stay unset, as a JSON round trip (event_json.h) leaves them.
    if (!household.empty()) body.setHousehold(household);
    body.setAgency(agency);
    if (!officer.empty()) body.setOfficer(officer);
    auto occ = body.initOccurredAt();
    SetDate(occ.initDate(), date);
    occ.setMinuteOfDay(static_cast<int16_t>(minute));
    std::string key = NextKey();
    body.setIdempotencyKey(AsData(key));
    fill(body.initPayload());
    return CanonicalBytes(body.asReader());
  }
  Hash MemberHash(const House& h, int member) const {
    uint64_t r = Mix(MixText(config.seed, h.code), static_cast<uint64_t>(member) + 1);
    return HmacSha256(keys->citizen_secret(), SyntheticCitizenId(r));
  }
  void BuildHousehold(House& h, uint32_t hi, const Action& x, PlannedEvent* out);
};

}  // namespace ledger::seed
