// The anomalies ledger-seed injects into clean programme data (programme.h,
// docs/domain.md "Seeded data"): each one an action changed or added so
// that ledger-anomalies has something true to find.
#include <fmt/format.h>

#include <algorithm>

#include "seed/menu.h"
#include "seed/programme_model.h"

namespace ledger::seed {

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
    auto first =
        std::find_if(h->actions.begin(), h->actions.end(), [](const Action& x) { return x.act == Act::kHelp; });
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
      auto help =
          std::find_if(h->actions.begin(), h->actions.end(), [](const Action& x) { return x.act == Act::kHelp; });
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
}  // namespace ledger::seed
