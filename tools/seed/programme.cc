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
#include "ledger/event_json.h"
#include "ledger/menu.h"
#include "ledger/projection.h"
#include "ledger/reasons.h"
#include "seed/citizen_id.h"
#include "seed/menu.h"
#include "seed/programme_model.h"

namespace ledger::seed {

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
      if (!p)
        return InvalidArgumentError(fmt::format("--provinces: '{}' is not a province code", code),
                                    reason::kBadProvince);
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
      uint64_t g = MixText(0x5eed, d.code);  // a fixed point per district, whatever the seed
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
        delay = p < 70   ? r.Uniform(5, 180)
                : p < 92 ? r.Uniform(1, 3) * 1440 + r.Uniform(-120, 120)
                         : r.Uniform(4, 12) * 1440 + r.Uniform(-120, 120);
      }
      recorded = occurred + static_cast<int64_t>(delay) * kNsPerMinute;
    }
    x.recorded_ns = std::max(recorded, previous + kNsPerMinute);
    previous = x.recorded_ns;
  }
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
  {
    // The menu first (data/menu.csv, version 1), so that every help record
    // and plan is checked against it. Its idempotency key is the seed's own
    // and leaves the other events' keys as they were.
    PlannedEvent e;
    e.recorded_ns = at;
    e.registry = true;
    e.key = &d.keys->root();
    nlohmann::json menu = MenuPublishedJson(BuiltinMenu(), 1, kDefaultMenuPublisher, FormatDate(DateOf(day)),
                                            "the programme's menu (data/menu.csv)");
    Hash key = Sha256(BigEndian64(d.config.seed) + "menu idempotency");
    menu["idempotency_key"] = ToHex(std::string_view(reinterpret_cast<const char*>(key.data()), 16));
    ASSIGN_OR_RETURN(e.body, BodyFromJson(menu));
    out.push_back(std::move(e));
  }
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
uint64_t Programme::registry_events() const { return 1 + impl_->agencies.size() + impl_->officers.size(); }
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
