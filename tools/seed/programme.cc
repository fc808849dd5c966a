// The synthetic programme: see programme.h and docs/domain.md ("Seeded
// data"). Three passes build every household's life as a list of actions
// (days, then the anomalies, then minutes and recording times); Next() then
// merges the households' lists by recording time and builds each event.
#include "seed/programme.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <queue>
#include <unordered_map>

#include "ledger/calendar.h"
#include "ledger/event_codec.h"
#include "ledger/projection.h"
#include "ledger/reasons.h"
#include "seed/citizen_id.h"
#include "seed/menu.h"

namespace ledger::seed {
namespace {

constexpr int64_t kNsPerMinute = 60'000'000'000LL;
constexpr int kMaxVisitsPerOfficerDay = 8;   // clean data never exceeds it
constexpr int kHouseholdsPerOfficer = 60;
constexpr int kMaxOfficersPerAgencyDistrict = 4;

// ---------------------------------------------------------------- time (days since 1970-01-01, Bangkok)

// Day numbers are calendar.h's (days since 1970-01-01), days in Asia/Bangkok.
CivilDate DateOf(int day) { return DateFromDayNumber(day); }
int DayOf(const CivilDate& d) { return static_cast<int>(DayNumber(d)); }
int64_t DayStartNs(int day) { return BangkokStartOfDayNs(DateOf(day)); }
// Sundays off.
int Workday(int day) { return (day + 4) % 7 == 0 ? day + 1 : day; }

// ---------------------------------------------------------------- randomness

uint64_t SplitMix(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t Mix(uint64_t a, uint64_t b) {
  uint64_t s = a * 0x100000001b3ULL ^ b;
  SplitMix(s);
  return SplitMix(s);
}

uint64_t MixText(uint64_t a, std::string_view text) {
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
  kTarget, kSelect, kMentor, kWelfare, kVisit, kAnalyse, kPlan, kHelp, kRefer, kResolve, kLevel, kExit, kCorrect
};

// One thing that happens to a household. 32 bytes; a national run holds
// tens of millions.
struct Action {
  int32_t day = 0;               // occurred (Bangkok calendar)
  int16_t minute = -1;           // occurred minute of day; -1 = pick one
  Act act = Act::kVisit;
  uint8_t a = 0, b = 0;          // per act: see Body()
  uint8_t role = 0;              // index into kRoles (anomalies)
  int16_t anomaly = -1;
  int32_t officer = -1;          // recording officer override
  int32_t delay_minutes = -1;    // recording delay override
  int64_t recorded_ns = 0;       // absolute override when set before the timing pass; then the result
};

constexpr const char* kRoles[] = {"",          "first",    "duplicate", "help_after_exit", "exit",
                                  "back_dated", "jump",     "bulk",      "visit",           "corrected",
                                  "correction"};
enum Role : uint8_t {
  kNoRole, kFirst, kDuplicate, kHelpAfterExit, kExitRole, kBackDated, kJump, kBulk, kVisitRole, kCorrected,
  kCorrectionRole
};

struct HelpGiven {
  Dimension dimension = Dimension::kHealth;
  uint8_t item = 0;              // index into MenuOf(dimension)
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
  int32_t lat = 0, lon = 0;      // a synthetic point (micro-degrees), not real geography
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

capnp::Data::Reader AsData(const std::string& s) {
  return capnp::Data::Reader(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
capnp::Data::Reader AsData(const Hash& h) { return capnp::Data::Reader(h.data(), h.size()); }

void SetDate(schema::Date::Builder b, const CivilDate& d) {
  b.setYear(static_cast<int16_t>(d.year));
  b.setMonth(static_cast<uint8_t>(d.month));
  b.setDay(static_cast<uint8_t>(d.day));
}

std::string Slug(const std::string& english) {
  std::string out;
  for (char c : english) {
    if (c >= 'A' && c <= 'Z') out.push_back(static_cast<char>(c - 'A' + 'a'));
    else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) out.push_back(c);
    else if (!out.empty() && out.back() != '-') out.push_back('-');
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

}  // namespace

// ---------------------------------------------------------------- Impl

struct Programme::Impl {
  ProgrammeConfig config;
  SeedKeys* keys = nullptr;
  int start = 0, end = 0;        // fiscal year: 1 October .. 30 September (days)
  std::vector<ProvinceInfo> provinces;
  std::vector<DistrictInfo> districts;
  std::vector<Sub> subs;
  std::vector<AgencyInfo> agencies;
  std::vector<OfficerInfo> officers;
  std::vector<House> houses;
  std::vector<Anomaly> anomalies;
  std::unordered_map<uint64_t, uint8_t> visits_per_officer_day;
  uint64_t planned = 0;
  uint64_t counter = 0;          // idempotency keys and evidence names
  using Entry = std::pair<int64_t, uint32_t>;   // (recorded_ns, household)
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

Status Programme::Impl::Setup(const tools::AdminAreas& areas) {
  const int year_ce = config.fiscal_year_be - kBuddhistEraOffset;
  start = DayOf({year_ce - 1, 10, 1});
  end = DayOf({year_ce, 9, 30});
  std::vector<const tools::Province*> chosen;
  if (config.provinces.empty()) {
    for (const auto& p : areas.provinces()) chosen.push_back(&p);
  } else {
    for (const auto& code : config.provinces) {
      const tools::Province* p = areas.FindProvince(code);
      if (!p) return InvalidArgumentError(fmt::format("--provinces: '{}' is not a province code", code), reason::kBadProvince);
      if (std::find(chosen.begin(), chosen.end(), p) == chosen.end()) chosen.push_back(p);
    }
  }
  for (const tools::Province* p : chosen) {
    ProvinceInfo pi{p->code, p->name_th, p->name_en, {}};
    for (Dimension d : kDimensions) {
      const LeadAgency& lead = LeadAgencyOf(d);
      pi.agencies[static_cast<int>(d)] = static_cast<int32_t>(agencies.size());
      agencies.push_back({AgencyCode(lead, p->code), std::string(lead.name_th) + p->name_th,
                          p->name_en + " " + lead.name_en, d, p->code, nullptr});
    }
    const uint32_t pidx = static_cast<uint32_t>(provinces.size());
    provinces.push_back(std::move(pi));
    for (const auto& d : p->districts) {
      DistrictInfo di;
      di.code = d.code;
      di.province = pidx;
      uint64_t g = MixText(0x5eed, d.code);   // a fixed point per district, whatever the seed
      di.lat = 6'000'000 + static_cast<int32_t>(g % 14'000'000);
      di.lon = 98'000'000 + static_cast<int32_t>((g >> 32) % 7'000'000);
      const uint32_t didx = static_cast<uint32_t>(districts.size());
      districts.push_back(std::move(di));
      for (const auto& s : d.subdistricts) subs.push_back({s.code, didx});
    }
  }
  if (subs.empty()) return InvalidArgumentError("--provinces: no sub-districts chosen", reason::kBadProvince);

  // Households in uniformly chosen sub-districts; house codes start with
  // the district code.
  Rng global(Mix(config.seed, 0x686f757365));
  std::unordered_map<uint32_t, uint32_t> next_number;
  houses.resize(config.households);
  for (uint32_t i = 0; i < houses.size(); ++i) {
    House& h = houses[i];
    h.sub = static_cast<uint32_t>(global.Next() % subs.size());
    DistrictInfo& d = districts[subs[h.sub].district];
    auto [it, fresh] = next_number.try_emplace(subs[h.sub].district, 0);
    if (fresh) it->second = 1'000'000 + static_cast<uint32_t>(Mix(config.seed, MixText(1, d.code)) % 8'000'000);
    h.code = d.code + fmt::format("{:07d}", it->second++ % 10'000'000);
    h.rng = Rng(Mix(config.seed, i));
    ++d.households;
  }
  return Officers();
}

Status Programme::Impl::Officers() {
  for (AgencyInfo& a : agencies) {
    ASSIGN_OR_RETURN(a.key, keys->Agency(a.code));
  }
  for (uint32_t di = 0; di < districts.size(); ++di) {
    DistrictInfo& d = districts[di];
    if (d.households == 0) continue;
    const int per_agency = std::clamp<int>((d.households + kHouseholdsPerOfficer - 1) / kHouseholdsPerOfficer, 1,
                                           kMaxOfficersPerAgencyDistrict);
    for (Dimension dim : kDimensions) {
      const int32_t agency = provinces[d.province].agencies[static_cast<int>(dim)];
      for (int k = 1; k <= per_agency; ++k) {
        OfficerInfo o;
        o.id = fmt::format("{}-{}-{:02d}", agencies[agency].code.substr(0, agencies[agency].code.find('-')), d.code, k);
        o.agency = agency;
        o.district = di;
        o.role = dim == Dimension::kIncome && k == 1 ? schema::OfficerRole::TEAM_LEAD : schema::OfficerRole::MENTOR;
        ASSIGN_OR_RETURN(o.key, keys->Officer(o.id));
        d.officers[static_cast<int>(dim)].push_back(static_cast<int32_t>(officers.size()));
        officers.push_back(std::move(o));
      }
    }
  }
  return OkStatus();
}

// Pass 1: the days of a clean household life cycle.
void Programme::Impl::PlanHousehold(uint32_t hi) {
  House& h = houses[hi];
  Rng& r = h.rng;
  std::vector<Action>& acts = h.actions;
  auto add = [&](int day, Act act, uint8_t a = 0, uint8_t b = 0) {
    Action x;
    x.day = day;
    x.act = act;
    x.a = a;
    x.b = b;
    acts.push_back(x);
    return acts.size() - 1;
  };
  const int last = end - 5;

  // Targeting: the TPMAP list is worked through from October to mid December.
  const int target = Workday(start + r.Uniform(0, 75));
  static constexpr int kFailingCount[] = {30, 35, 25, 10};
  const size_t failing = r.Weighted(std::vector<int>(std::begin(kFailingCount), std::end(kFailingCount))) + 1;
  std::vector<int> weights;
  for (const auto& w : IndicatorWeights()) weights.push_back(w.weight);
  std::vector<Dimension> dims;
  while (h.failing.size() < failing) {
    const auto& w = IndicatorWeights()[r.Weighted(weights)];
    if (std::find(h.failing.begin(), h.failing.end(), w.indicator) != h.failing.end()) continue;
    h.failing.push_back(w.indicator);
    if (std::find(dims.begin(), dims.end(), w.dimension) == dims.end()) dims.push_back(w.dimension);
  }
  h.members = static_cast<uint8_t>(r.Uniform(1, 6));
  h.village = static_cast<uint8_t>(r.Uniform(1, 15));
  add(target, Act::kTarget);
  if (r.Percent(5)) add(Workday(target + r.Uniform(3, 20)), Act::kSelect, r.Percent(80));

  // Mentor team: an officer of the first failing dimension's lead agency,
  // sometimes with a community development officer.
  h.mentors[0] = OfficerFor(h, dims[0], Mix(hi, 1));
  if (r.Percent(40)) {
    h.mentors[1] = OfficerFor(h, dims[0] == Dimension::kIncome ? Dimension::kHealth : Dimension::kIncome, Mix(hi, 2));
  }
  const int mentor_day = Workday(target + r.Uniform(1, 20));
  add(mentor_day, Act::kMentor, 0);
  if (h.mentors[1] >= 0) add(mentor_day, Act::kMentor, 1);

  // Phase 1: welfare rights.
  for (int n = r.Uniform(0, 2); n > 0; --n) {
    static constexpr int kResults[] = {50, 30, 20};
    add(Workday(mentor_day + r.Uniform(1, 15)), Act::kWelfare, static_cast<uint8_t>(r.Uniform(0, 4)),
        static_cast<uint8_t>(r.Weighted(std::vector<int>(std::begin(kResults), std::end(kResults)))));
  }
  // Phase 2: first visit, 4ท analysis, household plan.
  const int first_visit = VisitDay(h.mentors[0], mentor_day + r.Uniform(1, 20));
  add(first_visit, Act::kVisit, 0);
  add(first_visit, Act::kAnalyse);
  const int plan_day = Workday(first_visit + r.Uniform(2, 14));
  uint32_t used_items[kDimensionCount] = {};
  auto pick_item = [&](Dimension d, int indicator) -> int {
    auto menu = MenuOf(d);
    std::vector<int> free, matching;
    for (size_t i = 0; i < menu.size(); ++i) {
      if (used_items[static_cast<int>(d)] & (1u << i)) continue;
      free.push_back(static_cast<int>(i));
      if (menu[i].indicator == indicator) matching.push_back(static_cast<int>(i));
    }
    const auto& from = matching.empty() ? free : matching;
    if (from.empty()) return -1;
    int item = from[r.Uniform(0, static_cast<int>(from.size()) - 1)];
    used_items[static_cast<int>(d)] |= 1u << item;
    return item;
  };
  for (Dimension d : dims) {
    if (h.plan.size() == 3) break;
    int indicator = 0;
    for (uint8_t n : h.failing) {
      for (const auto& w : IndicatorWeights()) {
        if (w.indicator == n && w.dimension == d && indicator == 0) indicator = n;
      }
    }
    int item = pick_item(d, indicator);
    if (item < 0) continue;
    h.plan.push_back({d, static_cast<uint8_t>(indicator), static_cast<uint8_t>(item),
                      std::min(plan_day + r.Uniform(60, 180), end - 1)});
  }
  add(plan_day, Act::kPlan);

  // Phase 3: help from the menu, by the dimension's lead agency.
  auto add_help = [&](int day, Dimension d, int item, int plan_ref) {
    HelpGiven g;
    g.dimension = d;
    g.item = static_cast<uint8_t>(item);
    g.plan_ref = static_cast<int8_t>(plan_ref);
    g.officer = OfficerFor(h, d, Mix(hi, 3 + static_cast<int>(d)));
    h.helps.push_back(g);
    return add(Workday(std::min(day, end - 10)), Act::kHelp, static_cast<uint8_t>(h.helps.size() - 1));
  };
  std::vector<int> first_help_day(kDimensionCount, 0);
  for (size_t k = 0; k < h.plan.size(); ++k) {
    const PlanItem& p = h.plan[k];
    int day = plan_day + r.Uniform(7, 150);
    add_help(day, p.dimension, p.item, static_cast<int>(k));
    int& first = first_help_day[static_cast<int>(p.dimension)];
    if (first == 0 || day < first) first = std::min(day, end - 10);
    if (r.Percent(45)) {
      int item = pick_item(p.dimension, -1);
      int later = day + r.Uniform(30, 90);
      if (item >= 0 && later <= end - 10) add_help(later, p.dimension, item, -1);
    }
  }
  if (r.Percent(30)) {
    Dimension d = r.Percent(50) ? Dimension::kAccess : dims[r.Uniform(0, static_cast<int>(dims.size()) - 1)];
    int item = pick_item(d, -1);
    if (item >= 0) add_help(plan_day + r.Uniform(10, 200), d, item, -1);
  }
  // Phase 4: follow-up visits, referrals, resolutions, levels.
  for (int v = first_visit;;) {
    v += r.Uniform(20, 60);
    if (v > end - 15) break;
    int which = h.mentors[1] >= 0 && r.Percent(30) ? 1 : 0;
    v = VisitDay(h.mentors[which], v);
    add(v, Act::kVisit, static_cast<uint8_t>(which));
    if (r.Percent(12)) add(v, Act::kRefer, static_cast<uint8_t>(r.Uniform(0, kDimensionCount - 1)));
  }
  int first_help = 0;
  for (const Action& x : acts) {
    if (x.act == Act::kHelp && (first_help == 0 || x.day < first_help)) first_help = x.day;
  }
  for (uint8_t n : h.failing) {
    for (const auto& w : IndicatorWeights()) {
      if (w.indicator != n) continue;
      int helped = first_help_day[static_cast<int>(w.dimension)];
      if (helped == 0 || !r.Percent(65)) continue;
      int day = Workday(helped + r.Uniform(15, 60));
      if (day <= last) add(day, Act::kResolve, n);
    }
  }
  int sustainable = 0;
  if (first_help && r.Percent(85)) {
    int survive = Workday(first_help + r.Uniform(5, 20));
    if (survive <= last) {
      add(survive, Act::kLevel, 0);
      int sufficient = Workday(survive + r.Uniform(60, 150));
      if (r.Percent(55) && sufficient <= last) {
        add(sufficient, Act::kLevel, 1);
        int top = Workday(sufficient + r.Uniform(45, 120));
        if (r.Percent(30) && top <= last) {
          add(top, Act::kLevel, 2);
          sustainable = top;
        }
      }
    }
  }
  // Some households leave the programme.
  if (r.Percent(5)) {
    int exit_day;
    uint8_t reason;
    if (sustainable) {
      exit_day = Workday(sustainable + r.Uniform(5, 30));
      reason = static_cast<uint8_t>(ExitReason::kGraduated);
    } else {
      exit_day = Workday(r.Uniform(plan_day + 10, std::max(plan_day + 10, end - 20)));
      static constexpr int kReasons[] = {50, 30, 20};
      reason = static_cast<uint8_t>(1 + r.Weighted(std::vector<int>(std::begin(kReasons), std::end(kReasons))));
    }
    if (exit_day <= last) {
      std::erase_if(acts, [&](const Action& x) { return x.day > exit_day; });
      add(exit_day, Act::kExit, reason);
    }
  }
  // A few help records are corrected by their agency within days.
  if (config.corrections) {
    const size_t n = acts.size();
    for (size_t i = 0; i < n; ++i) {
      if (acts[i].act != Act::kHelp || acts[i].day > end - 40 || !r.Percent(2)) continue;
      add(Workday(acts[i].day + r.Uniform(1, 10)), Act::kCorrect, acts[i].a, r.Percent(70) ? 1 : 0);
    }
  }
  std::stable_sort(acts.begin(), acts.end(), [](const Action& x, const Action& y) { return x.day < y.day; });
}

// Pass 2: the documented anomalies (docs/domain.md).
void Programme::Impl::InjectAnomalies() {
  Rng r(Mix(config.seed, 0xa707a1));
  const size_t n = houses.size();
  const int per_type = n >= 200 ? 3 : n >= 50 ? 2 : 1;
  std::vector<uint32_t> order(n);
  for (uint32_t i = 0; i < n; ++i) order[i] = i;
  for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[r.Next() % i]);

  auto has = [](const House& h, Act a) {
    return std::any_of(h.actions.begin(), h.actions.end(), [a](const Action& x) { return x.act == a; });
  };
  auto day_of = [](const House& h, Act a) {
    for (const Action& x : h.actions) {
      if (x.act == a) return x.day;
    }
    return 0;
  };
  auto take = [&](const std::function<bool(const House&)>& ok) -> House* {
    for (uint32_t i : order) {
      House& h = houses[i];
      if (!h.anomalous && ok(h)) {
        h.anomalous = true;
        std::erase_if(h.actions, [](const Action& x) { return x.act == Act::kCorrect; });
        return &h;
      }
    }
    return nullptr;
  };
  auto new_anomaly = [&](std::string type, const House* h, std::string description) {
    anomalies.push_back({std::move(type), h ? h->code : "", "", std::move(description), {}});
    return static_cast<int16_t>(anomalies.size() - 1);
  };
  auto tag = [](Action& x, int16_t anomaly, Role role) {
    x.anomaly = anomaly;
    x.role = role;
  };
  auto insert_sorted = [](House& h, const Action& x) {
    auto it = std::upper_bound(h.actions.begin(), h.actions.end(), x.day,
                               [](int day, const Action& y) { return day < y.day; });
    h.actions.insert(it, x);
  };
  auto new_help = [&](House& h, Dimension d, int32_t officer) -> int {
    auto menu = MenuOf(d);
    for (size_t item = 0; item < menu.size(); ++item) {
      bool used = std::any_of(h.helps.begin(), h.helps.end(),
                              [&](const HelpGiven& g) { return g.dimension == d && g.item == item; });
      if (used) continue;
      HelpGiven g;
      g.dimension = d;
      g.item = static_cast<uint8_t>(item);
      g.officer = officer;
      h.helps.push_back(g);
      return static_cast<int>(h.helps.size() - 1);
    }
    return -1;
  };
  auto clean_candidate = [&](const House& h) { return has(h, Act::kHelp) && !has(h, Act::kExit); };

  // Duplicate help: the same menu item again within days, from the same
  // officer or from another agency.
  for (int k = 0; k < per_type; ++k) {
    House* h = take(clean_candidate);
    if (!h) break;
    auto first = std::find_if(h->actions.begin(), h->actions.end(), [](const Action& x) { return x.act == Act::kHelp; });
    HelpGiven g = h->helps[first->a];
    const bool other_agency = k % 2 == 1;
    if (other_agency) {
      g.officer = OfficerFor(*h, g.dimension == Dimension::kIncome ? Dimension::kAccess : Dimension::kIncome, 99);
    }
    g.plan_ref = -1;
    h->helps.push_back(g);
    int16_t id = new_anomaly("duplicate_help", h,
                             fmt::format("menu item {} given twice within days{}", MenuOf(g.dimension)[g.item].code,
                                         other_agency ? ", by two agencies" : ""));
    tag(*first, id, kFirst);
    Action dup = *first;
    dup.day = Workday(first->day + r.Uniform(1, 5));
    dup.a = static_cast<uint8_t>(h->helps.size() - 1);
    tag(dup, id, kDuplicate);
    insert_sorted(*h, dup);
  }
  // Help after exit: the exit is recorded late (back-dated), and help is
  // recorded in between with a date after the exit.
  for (int k = 0; k < std::max(1, per_type - 1); ++k) {
    House* h = take([&](const House& x) { return clean_candidate(x) && day_of(x, Act::kPlan) + 60 < end - 40; });
    if (!h) break;
    const int exit_day = Workday(day_of(*h, Act::kPlan) + r.Uniform(30, 60));
    int help = new_help(*h, Dimension::kHealth, OfficerFor(*h, Dimension::kHealth, 5));
    if (help < 0) help = new_help(*h, Dimension::kAccess, OfficerFor(*h, Dimension::kAccess, 5));
    if (help < 0) continue;
    std::erase_if(h->actions, [&](const Action& x) { return x.day > exit_day; });
    int16_t id = new_anomaly("help_after_exit", h, "help dated after the household's exit (the exit was entered late)");
    Action given;
    given.day = Workday(exit_day + r.Uniform(3, 8));
    given.act = Act::kHelp;
    given.a = static_cast<uint8_t>(help);
    given.delay_minutes = r.Uniform(30, 240);
    tag(given, id, kHelpAfterExit);
    h->actions.push_back(given);
    Action exit;
    exit.day = exit_day;
    exit.act = Act::kExit;
    exit.a = static_cast<uint8_t>(ExitReason::kMoved);
    exit.delay_minutes = 20 * 1440;
    tag(exit, id, kExitRole);
    h->actions.push_back(exit);
  }
  // Back-dating: help recorded 60-120 days after the date it declares; the
  // household has no later records.
  for (int k = 0; k < per_type; ++k) {
    House* h = take([&](const House& x) { return clean_candidate(x) && day_of(x, Act::kPlan) + 20 <= start + 150; });
    if (!h) break;
    const int cut = std::min(Workday(day_of(*h, Act::kPlan) + r.Uniform(20, 60)), start + 150);
    int help = new_help(*h, Dimension::kIncome, OfficerFor(*h, Dimension::kIncome, 7));
    if (help < 0) help = new_help(*h, Dimension::kAccess, OfficerFor(*h, Dimension::kAccess, 7));
    if (help < 0) continue;
    std::erase_if(h->actions, [&](const Action& x) { return x.day > cut; });
    int16_t id = new_anomaly("back_dating", h, "help recorded 60-120 days after its declared date");
    Action late;
    late.day = Workday(cut - r.Uniform(0, 5));
    late.act = Act::kHelp;
    late.a = static_cast<uint8_t>(help);
    late.delay_minutes = r.Uniform(60, 120) * 1440;
    tag(late, id, kBackDated);
    h->actions.push_back(late);
  }
  // Level jump: the first assessment says sustainable.
  for (int k = 0; k < std::max(1, per_type - 1); ++k) {
    House* h = take(clean_candidate);
    if (!h) break;
    int first_help = day_of(*h, Act::kHelp);
    std::erase_if(h->actions, [](const Action& x) { return x.act == Act::kLevel; });
    int16_t id = new_anomaly("level_jump", h, "assessed sustainable with no survive or sufficient before");
    Action jump;
    jump.day = Workday(std::min(first_help + r.Uniform(5, 20), end - 5));
    jump.act = Act::kLevel;
    jump.a = static_cast<uint8_t>(Level::kSustainable);
    tag(jump, id, kJump);
    insert_sorted(*h, jump);
  }
  // Corrections after the cut-off of 30 September.
  if (config.corrections) {
    for (int k = 0; k < std::max(1, per_type - 1); ++k) {
      House* h = take(clean_candidate);
      if (!h) break;
      auto help = std::find_if(h->actions.begin(), h->actions.end(), [](const Action& x) { return x.act == Act::kHelp; });
      int16_t id = new_anomaly("correction_after_cutoff", h, "a help record corrected in October, after the cut-off");
      tag(*help, id, kCorrected);
      const int day = Workday(end + r.Uniform(3, 10));
      Action fix;
      fix.day = day;
      fix.act = Act::kCorrect;
      fix.a = help->a;
      fix.b = 1;
      fix.recorded_ns = DayStartNs(day) + 10 * 60 * kNsPerMinute;
      tag(fix, id, kCorrectionRole);
      h->actions.push_back(fix);
    }
  }
  // The busiest districts host the two officer anomalies.
  std::vector<uint32_t> by_size;
  for (uint32_t d = 0; d < districts.size(); ++d) {
    if (districts[d].households > 0) by_size.push_back(d);
  }
  std::stable_sort(by_size.begin(), by_size.end(),
                   [&](uint32_t a, uint32_t b) { return districts[a].households > districts[b].households; });
  auto households_of = [&](uint32_t district, const std::function<bool(const House&)>& ok) {
    std::vector<House*> out;
    for (uint32_t i : order) {
      House& h = houses[i];
      if (subs[h.sub].district == district && !h.anomalous && ok(h)) out.push_back(&h);
    }
    return out;
  };
  // Bulk entry: one officer enters ~60 old visits on 29-30 September.
  if (!by_size.empty()) {
    const uint32_t district = by_size[0];
    auto chosen = households_of(district, [&](const House& h) {
      return day_of(h, Act::kTarget) <= end - 130 && (day_of(h, Act::kExit) == 0 || day_of(h, Act::kExit) > end - 60);
    });
    if (chosen.size() > 12) chosen.resize(12);
    if (!chosen.empty()) {
      const int32_t officer = districts[district].officers[static_cast<int>(Dimension::kIncome)][0];
      int16_t id = new_anomaly("bulk_entry_before_cutoff", nullptr,
                               "one officer enters many months-old visits on the last two days before 30 September");
      anomalies[id].officer = officers[officer].id;
      const int per_house = std::max(5, 60 / static_cast<int>(chosen.size()));
      int entry = 0;
      for (House* h : chosen) {
        h->anomalous = true;
        std::erase_if(h->actions, [&](const Action& x) { return x.day > end - 60 || x.act == Act::kCorrect; });
        for (int k = 0; k < per_house; ++k, ++entry) {
          Action v;
          v.day = Workday(std::max(day_of(*h, Act::kTarget) + 1, end - 120 + r.Uniform(0, 85)));
          v.act = Act::kVisit;
          v.officer = officer;
          v.recorded_ns = DayStartNs(end - 1 + entry / 40) + (8 * 60 + (entry % 40) * 12) * kNsPerMinute;
          tag(v, id, kBulk);
          h->actions.push_back(v);
        }
      }
    }
  }
  // Implausible officer: 40 visits in one day.
  if (!by_size.empty()) {
    const uint32_t district = by_size.size() > 1 ? by_size[1] : by_size[0];
    const int day = Workday(start + 180);
    auto chosen = households_of(district, [&](const House& h) {
      int exit = day_of(h, Act::kExit);
      return day_of(h, Act::kTarget) < day && (exit == 0 || exit > day + 1) && !h.actions.empty() &&
             h.actions.back().day > day;
    });
    if (!chosen.empty()) {
      const auto& list = districts[district].officers[static_cast<int>(Dimension::kHealth)];
      const int32_t officer = list[list.size() - 1];
      int16_t id = new_anomaly("implausible_officer_visits", nullptr,
                               fmt::format("40 visits by one officer on {}", FormatDate(DateOf(day))));
      anomalies[id].officer = officers[officer].id;
      for (int k = 0; k < 40; ++k) {
        House* h = chosen[k % chosen.size()];
        h->anomalous = true;
        Action v;
        v.day = day;
        v.minute = static_cast<int16_t>(8 * 60 + k * 12);
        v.act = Act::kVisit;
        v.officer = officer;
        tag(v, id, kVisitRole);
        insert_sorted(*h, v);
      }
    }
  }
}

// Pass 3: minutes and recording times. Recording follows the list order:
// each record at least a minute after the household's previous one.
void Programme::Impl::Time(House& h) {
  Rng& r = h.rng;
  int64_t previous = 0;
  for (Action& x : h.actions) {
    if (x.minute < 0) x.minute = static_cast<int16_t>(r.Uniform(8 * 60, 17 * 60));
    const int64_t occurred = DayStartNs(x.day) + x.minute * kNsPerMinute;
    int64_t recorded = x.recorded_ns;
    if (recorded == 0) {
      int delay = x.delay_minutes;
      if (delay < 0) {
        // Most records are entered the same day; some within days (at most 13).
        int p = r.Uniform(0, 99);
        delay = p < 70 ? r.Uniform(5, 180) : p < 92 ? r.Uniform(1, 3) * 1440 + r.Uniform(-120, 120)
                                                    : r.Uniform(4, 12) * 1440 + r.Uniform(-120, 120);
      }
      recorded = occurred + static_cast<int64_t>(delay) * kNsPerMinute;
    }
    x.recorded_ns = std::max(recorded, previous + kNsPerMinute);
    previous = x.recorded_ns;
  }
}

// ---------------------------------------------------------------- events

void Programme::Impl::BuildHousehold(House& h, uint32_t hi, const Action& x, PlannedEvent* out) {
  Rng& r = h.rng;
  const Sub& sub = subs[h.sub];
  const DistrictInfo& district = districts[sub.district];
  const ProvinceInfo& province = provinces[district.province];
  auto agency_of = [&](Dimension d) -> const AgencyInfo& { return agencies[province.agencies[static_cast<int>(d)]]; };
  int32_t officer = x.officer;
  int32_t help_index = -1;
  switch (x.act) {
    case Act::kTarget:
    case Act::kSelect:
    case Act::kMentor:
    case Act::kExit:
      if (officer < 0) officer = district.officers[static_cast<int>(Dimension::kIncome)][0];
      break;
    case Act::kWelfare:
      if (officer < 0) officer = OfficerFor(h, Dimension::kAccess, Mix(hi, 11));
      break;
    case Act::kHelp:
    case Act::kCorrect:
      help_index = x.a;
      if (officer < 0) officer = h.helps[help_index].officer;
      break;
    case Act::kVisit:
      if (officer < 0) officer = h.mentors[x.a < 2 && h.mentors[x.a] >= 0 ? x.a : 0];
      break;
    default:
      if (officer < 0) officer = h.mentors[0];
      break;
  }
  const OfficerInfo& o = officers[officer];
  const AgencyInfo& agency = agencies[o.agency];
  const CivilDate date = DateOf(x.day);
  auto fill = [&](schema::Payload::Builder p) {
    switch (x.act) {
      case Act::kTarget: {
        auto t = p.initHouseholdTargeted();
        t.setHouseCode(h.code);
        t.setProvince(province.code);
        t.setDistrict(district.code);
        t.setSubdistrict(sub.code);
        t.setVillage(fmt::format("{}{:02d}", sub.code, h.village));
        t.setSurveyYear(static_cast<uint16_t>(config.fiscal_year_be));
        int s = r.Uniform(0, 99);
        t.setSource(s < 90 ? schema::TargetSource::TPMAP : s < 97 ? schema::TargetSource::MISSED
                                                                 : schema::TargetSource::VULNERABLE);
        auto f = t.initFailingIndicators(static_cast<unsigned>(h.failing.size()));
        for (unsigned i = 0; i < h.failing.size(); ++i) f.set(i, h.failing[i]);
        t.setMembers(h.members);
        auto ids = t.initMemberIdHashes(h.members);
        for (unsigned i = 0; i < h.members; ++i) ids.set(i, AsData(MemberHash(h, static_cast<int>(i))));
        break;
      }
      case Act::kSelect: {
        auto s = p.initHouseholdSelected();
        s.setProgramme("โครงการบ้านพอเพียง (sufficiency housing)");
        auto scores = s.initScores(3);
        const char* criteria[] = {"housing condition", "income per person", "dependants"};
        for (unsigned i = 0; i < 3; ++i) {
          scores[i].setCriterion(criteria[i]);
          scores[i].setScore(r.Uniform(1, 5));
        }
        s.setSelected(x.a != 0);
        s.setCommittee(fmt::format("ศจพ.อ. {}", district.code));
        s.setMeeting(fmt::format("{}/{}", r.Uniform(1, 6), config.fiscal_year_be));
        break;
      }
      case Act::kMentor: {
        auto m = p.initMentorAssigned();
        m.setOfficerId(officers[h.mentors[x.a]].id);
        m.setTeamRole(x.a == 0 ? "lead mentor" : "support");
        break;
      }
      case Act::kWelfare: {
        auto w = p.initWelfareRightChecked();
        w.setRight(static_cast<schema::WelfareRight>(x.a));
        w.setResult(static_cast<schema::WelfareResult>(x.b));
        break;
      }
      case Act::kVisit: {
        auto v = p.initHouseholdVisited();
        v.setPurpose(x.role == kBulk ? "follow-up (entered late)" : "follow-up");
        auto g = v.getLocation().initGps();
        g.setLatMicrodeg(district.lat + r.Uniform(-50'000, 50'000));
        g.setLonMicrodeg(district.lon + r.Uniform(-50'000, 50'000));
        v.initEvidence(1).set(0, AsData(Sha256(fmt::format("evidence/{}/{}", h.code, counter))));
        break;
      }
      case Act::kAnalyse: {
        std::vector<Dimension> dims;
        for (const PlanItem& pi : h.plan) dims.push_back(pi.dimension);
        if (dims.empty()) dims.push_back(Dimension::kIncome);
        auto f = p.initProblemsAnalysed().initFindings(static_cast<unsigned>(dims.size()));
        for (unsigned i = 0; i < dims.size(); ++i) {
          f[i].setDimension(static_cast<schema::Dimension>(dims[i]));
          f[i].setAttitude("willing to change");
          f[i].setSkills(dims[i] == Dimension::kIncome ? "farming" : "basic");
          f[i].setResources("family labour");
          f[i].setWayOut(MenuOf(dims[i])[0].description);
        }
        break;
      }
      case Act::kPlan: {
        auto list = p.initPlanAgreed().initActions(static_cast<unsigned>(h.plan.size()));
        for (unsigned i = 0; i < h.plan.size(); ++i) {
          const PlanItem& pi = h.plan[i];
          list[i].setDimension(static_cast<schema::Dimension>(pi.dimension));
          list[i].setIndicator(pi.indicator);
          list[i].setMenuItem(MenuOf(pi.dimension)[pi.item].code);
          list[i].setResponsibleAgency(agency_of(pi.dimension).code);
          list[i].setTargetLevel(schema::Level::SURVIVE);
          SetDate(list[i].initDueDate(), DateOf(pi.due));
        }
        break;
      }
      case Act::kHelp:
      case Act::kCorrect: {
        HelpGiven& g = h.helps[help_index];
        const MenuItem& item = MenuOf(g.dimension)[g.item];
        auto given = [&](schema::AssistanceGiven::Builder a, int64_t value) {
          a.setDimension(static_cast<schema::Dimension>(g.dimension));
          a.setIndicator(item.indicator);
          a.setMenuItem(item.code);
          a.setDescription(item.description);
          a.setQuantity(1);
          a.setUnit(item.unit);
          a.setValueSatang(value);
          if (g.beneficiary) a.setBeneficiary(AsData(MemberHash(h, 0)));
          a.setPlanActionRef(g.plan_ref);
        };
        if (x.act == Act::kHelp) {
          const int64_t span = (item.max_satang - item.min_satang) / 100;
          g.value = item.min_satang + (span > 0 ? static_cast<int64_t>(r.Next() % static_cast<uint64_t>(span + 1)) * 100 : 0);
          g.beneficiary = r.Percent(30);
          auto a = p.initAssistanceGiven();
          given(a, g.value);
          a.initEvidence(1).set(0, AsData(Sha256(fmt::format("evidence/{}/{}", h.code, counter))));
        } else {
          auto c = p.initCorrection();
          c.setCorrectedSeq(g.seq);
          c.setCorrectedHash(AsData(g.hash));
          if (x.b == 0) {
            c.setReason("recorded for the wrong household");
            c.getAction().setVoid();
          } else {
            c.setReason("value entered with a wrong decimal point");
            auto rep = c.getAction().initReplacement().initAssistanceGiven();
            given(rep, g.value / 10 / 100 * 100);
          }
        }
        break;
      }
      case Act::kRefer: {
        auto f = p.initReferred();
        Dimension d = static_cast<Dimension>(x.a % kDimensionCount);
        f.setToAgency(agency_of(d).code);
        f.setProblem(std::string("needs ") + MenuOf(d)[0].description);
        f.setDimension(static_cast<schema::Dimension>(d));
        break;
      }
      case Act::kResolve: {
        auto v = p.initIndicatorResolved();
        v.setIndicator(x.a);
        v.setHowVerified("home visit and interview");
        break;
      }
      case Act::kLevel: {
        auto l = p.initLevelAssessed();
        l.setLevel(static_cast<schema::Level>(x.a));
        l.setReasons(x.a == 0 ? "basic needs met" : x.a == 1 ? "stable income" : "savings and self-reliance");
        break;
      }
      case Act::kExit:
        p.initHouseholdExited().setReason(static_cast<schema::ExitReason>(x.a));
        break;
    }
  };
  out->recorded_ns = x.recorded_ns;
  out->body = Body(h.code, agency.code, o.id, date, x.minute, fill);
  out->key = o.key;
  out->household = hi;
  out->help = x.act == Act::kHelp ? help_index : -1;
  out->anomaly = x.anomaly;
  out->role = kRoles[x.role];
  out->registry = false;
}

// ---------------------------------------------------------------- Programme

Programme::Programme(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Programme::~Programme() = default;

StatusOr<std::unique_ptr<Programme>> Programme::Create(const ProgrammeConfig& config, const tools::AdminAreas& areas,
                                                       SeedKeys* keys) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->keys = keys;
  RETURN_IF_ERROR(impl->Setup(areas));
  for (uint32_t i = 0; i < impl->houses.size(); ++i) impl->PlanHousehold(i);
  if (config.inject_anomalies) impl->InjectAnomalies();
  for (uint32_t i = 0; i < impl->houses.size(); ++i) {
    House& h = impl->houses[i];
    impl->Time(h);
    impl->planned += h.actions.size();
    if (!h.actions.empty()) impl->queue.push({h.actions[0].recorded_ns, i});
  }
  return std::unique_ptr<Programme>(new Programme(std::move(impl)));
}

StatusOr<std::vector<PlannedEvent>> Programme::RegistryEvents() {
  Impl& d = *impl_;
  const int day = d.start - 20;
  const int64_t at = DayStartNs(day) + 9 * 60 * kNsPerMinute;
  std::vector<PlannedEvent> out;
  for (const AgencyInfo& a : d.agencies) {
    PlannedEvent e;
    e.recorded_ns = at;
    e.registry = true;
    e.key = &d.keys->root();
    e.body = d.Body("", a.code, "", DateOf(day), -1, [&](schema::Payload::Builder p) {
      auto r = p.initAgencyRegistered();
      r.setCode(a.code);
      r.setNameTh(a.name_th);
      r.setNameEn(a.name_en);
      r.initDimensions(1).set(0, static_cast<schema::Dimension>(a.dimension));
      r.setPublicKey(AsData(a.key->PublicKeyBytes()));
      r.setProvince(a.province);
    });
    out.push_back(std::move(e));
  }
  for (const OfficerInfo& o : d.officers) {
    const AgencyInfo& a = d.agencies[o.agency];
    PlannedEvent e;
    e.recorded_ns = at;
    e.registry = true;
    e.key = a.key;
    e.body = d.Body("", a.code, "", DateOf(day), -1, [&](schema::Payload::Builder p) {
      auto r = p.initOfficerRegistered();
      r.setOfficerId(o.id);
      r.setAgency(a.code);
      r.setRole(o.role);
      r.setPublicKey(AsData(o.key->PublicKeyBytes()));
      r.initAreas(1).set(0, d.districts[o.district].code);
    });
    out.push_back(std::move(e));
  }
  return out;
}

StatusOr<Programme::Step> Programme::Next(PlannedEvent* out) {
  Impl& d = *impl_;
  while (!d.queue.empty()) {
    const uint32_t hi = d.queue.top().second;
    House& h = d.houses[hi];
    if (h.stopped || h.next >= h.actions.size()) {
      d.queue.pop();
      continue;
    }
    const Action& x = h.actions[h.next];
    if (x.act == Act::kCorrect) {
      const HelpGiven& g = h.helps[x.a];
      if (g.state == HelpGiven::kPending) return Step::kNeedResults;
      if (g.state == HelpGiven::kRefused) {
        d.queue.pop();
        if (++h.next < h.actions.size()) d.queue.push({h.actions[h.next].recorded_ns, hi});
        continue;
      }
    }
    d.queue.pop();
    d.BuildHousehold(h, hi, x, out);
    if (++h.next < h.actions.size()) d.queue.push({h.actions[h.next].recorded_ns, hi});
    return Step::kEvent;
  }
  return Step::kDone;
}

void Programme::Acknowledge(const PlannedEvent& e, const AppendResult& result) {
  Impl& d = *impl_;
  if (e.household != kNoHousehold && e.help >= 0) {
    HelpGiven& g = d.houses[e.household].helps[e.help];
    g.state = HelpGiven::kAcked;
    g.seq = result.seq;
    g.hash = result.leaf_hash;
  }
  if (e.anomaly >= 0) d.anomalies[e.anomaly].events.push_back({e.role, result.seq, result.leaf_hash, true});
}

void Programme::Refused(const PlannedEvent& e) {
  Impl& d = *impl_;
  if (e.household == kNoHousehold) return;
  House& h = d.houses[e.household];
  h.stopped = true;
  if (e.help >= 0) h.helps[e.help].state = HelpGiven::kRefused;
  for (HelpGiven& g : h.helps) {
    if (g.state == HelpGiven::kPending) g.state = HelpGiven::kRefused;
  }
}

const std::vector<Anomaly>& Programme::anomalies() const { return impl_->anomalies; }
uint64_t Programme::planned_events() const { return impl_->planned; }
uint64_t Programme::registry_events() const { return impl_->agencies.size() + impl_->officers.size(); }
uint64_t Programme::households() const { return impl_->houses.size(); }
CivilDate Programme::Cutoff() const { return DateOf(impl_->end); }

std::string Programme::Origin() const {
  const auto& p = impl_->provinces;
  if (p.size() == 1) return "ledger.cdd.go.th/" + Slug(p[0].name_en);
  if (impl_->config.provinces.empty()) return "ledger.cdd.go.th/thailand";
  std::string codes;
  for (const auto& x : p) codes += (codes.empty() ? "" : "-") + x.code;
  return "ledger.cdd.go.th/provinces-" + codes;
}

}  // namespace ledger::seed
