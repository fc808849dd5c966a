// The anomaly scan (anomalies.h). Add() keeps one compact record per event
// (indexed by seq, so a Correction finds its target in O(1)) and applies
// corrections to the records as they come; per-officer entry counts for the
// bulk-entry check are folded as events arrive. Findings() then groups the
// records by household and by officer and applies each check.
#include "ledger/anomalies.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <climits>
#include <map>
#include <unordered_map>

#include "ledger/calendar.h"
#include "ledger/event_codec.h"
#include "ledger/ledger.h"
#include "ledger/projection.h"
#include "ledger/reasons.h"
#include "projection/projection_internal.h"

namespace ledger {
namespace {

constexpr uint32_t kNone = ~0u;

constexpr std::array<std::string_view, kAnomalyTypeCount> kTypeNames = {
    "duplicate_help", "help_not_targeted",          "help_after_exit",         "back_dating",
    "bulk_entry_before_cutoff", "level_jump", "implausible_officer_visits", "correction_after_cutoff",
};

// One event, as much as the checks need (24 bytes).
struct Rec {
  uint32_t household = kNone;   // interned house code; kNone for registry events
  uint32_t who = kNone;         // interned (agency, officer)
  uint32_t item = 0;            // help: interned menu item (0 = none); assessment: level
  int32_t occurred = 0;         // day number of occurredAt's date
  int32_t recorded = 0;         // day number of recordedAt in Asia/Bangkok
  EventKind kind = EventKind::kAgencyRegistered;
  RecordState state = RecordState::kOriginal;
  bool counts() const { return state != RecordState::kVoided; }
};

// Entries of one officer in one fiscal year (bulk_entry_before_cutoff).
struct OfficerYear {
  int32_t first_day = INT32_MAX;     // first recorded day in the year
  uint64_t late_before_window = 0;   // late entries before the window
  std::vector<uint64_t> late_in_window;   // seqs (voided ones removed at Findings())
};

int32_t Day(const CivilDate& d) { return static_cast<int32_t>(DayNumber(d)); }
CivilDate Date(int32_t day) { return DateFromDayNumber(day); }
std::string DateText(int32_t day) { return FormatDate(Date(day)); }

}  // namespace

std::string_view AnomalyTypeName(AnomalyType type) { return kTypeNames[static_cast<size_t>(type)]; }

std::optional<AnomalyType> AnomalyTypeFromName(std::string_view name) {
  for (size_t i = 0; i < kTypeNames.size(); ++i) {
    if (kTypeNames[i] == name) return static_cast<AnomalyType>(i);
  }
  return std::nullopt;
}

struct AnomalyScanner::State {
  AnomalyOptions options;
  std::vector<Rec> recs;   // by seq
  std::vector<std::pair<uint64_t, uint64_t>> corrections;   // (seq, corrected seq)

  std::vector<std::string> households;
  std::unordered_map<std::string, uint32_t> household_ids;
  std::vector<std::pair<std::string, std::string>> people;   // (agency, officer)
  std::map<std::pair<std::string, std::string>, uint32_t> people_ids;
  std::vector<std::string> items{""};                        // menu items; 0 = none
  std::unordered_map<std::string, uint32_t> item_ids{{"", 0}};
  std::map<std::pair<uint32_t, int>, OfficerYear> officer_years;   // (who, fiscal year CE)

  uint32_t Intern(std::string_view s, std::vector<std::string>& names,
                  std::unordered_map<std::string, uint32_t>& ids) {
    auto [it, fresh] = ids.try_emplace(std::string(s), static_cast<uint32_t>(names.size()));
    if (fresh) names.emplace_back(s);
    return it->second;
  }
  uint32_t Person(std::string_view agency, std::string_view officer) {
    auto [it, fresh] = people_ids.try_emplace({std::string(agency), std::string(officer)},
                                              static_cast<uint32_t>(people.size()));
    if (fresh) people.push_back(it->first);
    return it->second;
  }

  Status Add(schema::Envelope::Reader env);
  void CountEntry(const Rec& r, uint64_t seq);
  void Emit(std::vector<Anomaly>& out, AnomalyType type, const Rec& key,
            std::vector<std::pair<uint64_t, std::string>> events, CivilDate date, std::string description) const;
  void HouseholdChecks(const std::vector<uint64_t>& seqs, std::vector<Anomaly>& out) const;
};

Status AnomalyScanner::State::Add(schema::Envelope::Reader env) {
  const uint64_t seq = env.getSeq();
  if (seq != recs.size()) {
    return OutOfRangeError(fmt::format("anomalies: event {} added after {} events", seq, recs.size()),
                           reason::kOutOfOrder);
  }
  auto body = env.getSigned().getBody();
  Rec r;
  r.recorded = Day(BangkokDate(env.getRecordedAt()));
  auto date = body.getOccurredAt().getDate();
  CivilDate occurred{date.getYear(), date.getMonth(), date.getDay()};
  r.occurred = IsValidDate(occurred) ? Day(occurred) : r.recorded;
  auto payload = body.getPayload();
  r.kind = static_cast<EventKind>(payload.which());
  auto household = body.getHousehold();
  if (household.size() > 0) {
    r.household = Intern(std::string_view(household.cStr(), household.size()), households, household_ids);
    r.who = Person(body.getAgency().cStr(), body.getOfficer().cStr());
  }
  auto help_item = [&](schema::Payload::Reader p) {
    auto m = p.getAssistanceGiven().getMenuItem();
    return Intern(std::string_view(m.cStr(), m.size()), items, item_ids);
  };
  switch (payload.which()) {
    case schema::Payload::ASSISTANCE_GIVEN:
      r.item = help_item(payload);
      break;
    case schema::Payload::LEVEL_ASSESSED:
      r.item = static_cast<uint32_t>(payload.getLevelAssessed().getLevel());
      break;
    case schema::Payload::CORRECTION: {
      auto c = payload.getCorrection();
      const uint64_t target = c.getCorrectedSeq();
      if (r.household != kNone && target < recs.size() && recs[target].household == r.household &&
          recs[target].kind != EventKind::kCorrection) {
        Rec& t = recs[target];
        corrections.emplace_back(seq, target);
        if (c.getAction().isVoid()) {
          t.state = RecordState::kVoided;
        } else {
          auto rep = c.getAction().getReplacement();
          if (static_cast<EventKind>(rep.which()) == t.kind) {
            t.state = RecordState::kReplaced;
            if (rep.isAssistanceGiven()) t.item = help_item(rep);
            if (rep.isLevelAssessed()) t.item = static_cast<uint32_t>(rep.getLevelAssessed().getLevel());
          }
        }
      }
      break;
    }
    default:
      break;
  }
  recs.push_back(r);
  if (r.household != kNone && !people[r.who].second.empty()) CountEntry(r, seq);
  return OkStatus();
}

void AnomalyScanner::State::CountEntry(const Rec& r, uint64_t seq) {
  const FiscalYear fy = FiscalYearOf(Date(r.recorded));
  OfficerYear& y = officer_years[{r.who, fy.year_ce}];
  y.first_day = std::min(y.first_day, r.recorded);
  if (r.recorded - r.occurred < options.bulk_late_days) return;
  if (r.recorded > Day(fy.last) - options.bulk_window_days) {
    y.late_in_window.push_back(seq);
  } else {
    ++y.late_before_window;
  }
}

void AnomalyScanner::State::Emit(std::vector<Anomaly>& out, AnomalyType type, const Rec& key,
                                 std::vector<std::pair<uint64_t, std::string>> events, CivilDate date,
                                 std::string description) const {
  Anomaly a;
  a.type = type;
  if (key.household != kNone) a.household = households[key.household];
  if (key.who != kNone) std::tie(a.agency, a.officer) = people[key.who];
  a.date = date;
  a.description = std::move(description);
  std::sort(events.begin(), events.end());
  for (auto& [seq, role] : events) a.events.push_back({seq, Hash{}, std::move(role)});
  out.push_back(std::move(a));
}

void AnomalyScanner::State::HouseholdChecks(const std::vector<uint64_t>& seqs, std::vector<Anomaly>& out) const {
  const AnomalyOptions& o = options;
  std::vector<uint64_t> targetings, voided_targetings, exits, helps;
  std::optional<uint64_t> previous_level;
  for (uint64_t s : seqs) {
    const Rec& r = recs[s];
    switch (r.kind) {
      case EventKind::kHouseholdTargeted:
        (r.counts() ? targetings : voided_targetings).push_back(s);
        break;
      case EventKind::kHouseholdExited:
        if (r.counts()) exits.push_back(s);
        break;
      case EventKind::kAssistanceGiven:
        if (r.counts()) helps.push_back(s);
        break;
      case EventKind::kLevelAssessed: {
        if (!r.counts()) break;
        const int before = previous_level ? static_cast<int>(recs[*previous_level].item) : -1;
        if (static_cast<int>(r.item) > before + 1) {
          std::vector<std::pair<uint64_t, std::string>> ev = {{s, "assessment"}};
          if (previous_level) ev.emplace_back(*previous_level, "previous_assessment");
          Emit(out, AnomalyType::kLevelJump, r, std::move(ev), Date(r.occurred),
               fmt::format("assessed {} on {} {}", LevelName(static_cast<Level>(r.item)), DateText(r.occurred),
                           previous_level ? fmt::format("straight after {} (seq {})",
                                                        LevelName(static_cast<Level>(before)), *previous_level)
                                          : std::string("with no earlier assessment")));
        }
        previous_level = s;
        break;
      }
      default:
        break;
    }
  }

  // help_not_targeted
  for (uint64_t h : helps) {
    const Rec& r = recs[h];
    auto first = std::find_if(targetings.begin(), targetings.end(), [h](uint64_t t) { return t < h; });
    if (first == targetings.end()) {
      std::vector<std::pair<uint64_t, std::string>> ev = {{h, "help"}};
      std::string why = "help recorded while the household had no targeting that still counts";
      for (uint64_t t : voided_targetings) {
        if (t < h) {
          ev.emplace_back(t, "voided_targeting");
          why += fmt::format(" (its targeting, seq {}, was voided)", t);
        }
      }
      Emit(out, AnomalyType::kHelpNotTargeted, r, std::move(ev), Date(r.occurred), std::move(why));
      continue;
    }
    uint64_t earliest = *first;
    for (uint64_t t : targetings) {
      if (t < h && recs[t].occurred < recs[earliest].occurred) earliest = t;
    }
    if (r.occurred < recs[earliest].occurred) {
      Emit(out, AnomalyType::kHelpNotTargeted, r, {{h, "help"}, {earliest, "targeting"}}, Date(r.occurred),
           fmt::format("help dated {}, before the household was targeted on {}", DateText(r.occurred),
                       DateText(recs[earliest].occurred)));
    }
  }

  // help_after_exit
  for (uint64_t e : exits) {
    const Rec& x = recs[e];
    std::vector<std::pair<uint64_t, std::string>> ev = {{e, "exit"}};
    for (uint64_t h : helps) {
      if (h > e || recs[h].occurred > x.occurred) ev.emplace_back(h, "help");
    }
    if (ev.size() == 1) continue;
    Emit(out, AnomalyType::kHelpAfterExit, recs[ev[1].first], ev, Date(x.occurred),
         fmt::format("{} help record(s) dated or recorded after the household's exit dated {} (recorded {})",
                     ev.size() - 1, DateText(x.occurred), DateText(x.recorded)));
  }

  // duplicate_help: runs of the same menu item within the window.
  std::vector<uint64_t> by_item = helps;
  std::erase_if(by_item, [&](uint64_t h) { return recs[h].item == 0; });
  std::stable_sort(by_item.begin(), by_item.end(), [&](uint64_t a, uint64_t b) {
    return std::pair(recs[a].item, recs[a].occurred) < std::pair(recs[b].item, recs[b].occurred);
  });
  for (size_t i = 0; i < by_item.size();) {
    size_t j = i + 1;
    while (j < by_item.size() && recs[by_item[j]].item == recs[by_item[i]].item &&
           recs[by_item[j]].occurred - recs[by_item[j - 1]].occurred <= o.duplicate_window_days) {
      ++j;
    }
    if (j - i >= 2) {
      std::vector<std::pair<uint64_t, std::string>> ev;
      std::vector<std::string> dates, agencies;
      for (size_t k = i; k < j; ++k) {
        const Rec& r = recs[by_item[k]];
        ev.emplace_back(by_item[k], k == i ? "help" : "duplicate");
        dates.push_back(DateText(r.occurred));
        const std::string& agency = people[r.who].first;
        if (std::find(agencies.begin(), agencies.end(), agency) == agencies.end()) agencies.push_back(agency);
      }
      const Rec& r = recs[by_item[i]];
      Emit(out, AnomalyType::kDuplicateHelp, r, std::move(ev), Date(r.occurred),
           fmt::format("menu item {} given {} times within {} days ({}) by {}", items[r.item], j - i,
                       o.duplicate_window_days, fmt::join(dates, ", "), fmt::join(agencies, ", ")));
    }
    i = j;
  }
}

AnomalyScanner::AnomalyScanner(const AnomalyOptions& options) : state_(std::make_unique<State>()) {
  state_->options = options;
}
AnomalyScanner::~AnomalyScanner() = default;
AnomalyScanner::AnomalyScanner(AnomalyScanner&&) noexcept = default;
AnomalyScanner& AnomalyScanner::operator=(AnomalyScanner&&) noexcept = default;

Status AnomalyScanner::Add(std::string_view leaf_bytes) {
  return WithLeaf(leaf_bytes, LeafCheck::kAny, [&](schema::Envelope::Reader env) { return state_->Add(env); });
}

uint64_t AnomalyScanner::added() const { return state_->recs.size(); }

std::vector<Anomaly> AnomalyScanner::Findings() const {
  const State& st = *state_;
  const AnomalyOptions& o = st.options;
  const std::vector<Rec>& recs = st.recs;
  std::vector<Anomaly> out;

  // Household checks, over each household's events in seq order (a
  // counting sort by household keeps seq order within each).
  std::vector<uint64_t> start(st.households.size() + 1, 0);
  for (const Rec& r : recs) {
    if (r.household != kNone) ++start[r.household + 1];
  }
  for (size_t i = 1; i < start.size(); ++i) start[i] += start[i - 1];
  std::vector<uint64_t> order(start.back());
  {
    std::vector<uint64_t> next(start.begin(), start.end() - 1);
    for (uint64_t s = 0; s < recs.size(); ++s) {
      if (recs[s].household != kNone) order[next[recs[s].household]++] = s;
    }
  }
  std::vector<uint64_t> seqs;
  for (size_t h = 0; h < st.households.size(); ++h) {
    seqs.assign(order.begin() + static_cast<long>(start[h]), order.begin() + static_cast<long>(start[h + 1]));
    st.HouseholdChecks(seqs, out);
  }

  // bulk_entry_before_cutoff
  std::vector<bool> in_bulk;
  for (const auto& [key, y] : st.officer_years) {
    std::vector<uint64_t> late;
    for (uint64_t s : y.late_in_window) {
      if (recs[s].counts()) late.push_back(s);
    }
    const FiscalYear fy = FiscalYearEnding(key.second);
    const int32_t window_start = Day(fy.last) - o.bulk_window_days + 1;
    const int32_t active_days = window_start - std::max(Day(fy.first), y.first_day);
    const double norm = active_days > 0 ? static_cast<double>(y.late_before_window) * o.bulk_window_days / active_days
                                        : 0.0;
    if (late.size() < static_cast<size_t>(o.bulk_min_records) || static_cast<double>(late.size()) < o.bulk_factor * norm) {
      continue;
    }
    if (in_bulk.empty()) in_bulk.resize(recs.size());
    std::vector<std::pair<uint64_t, std::string>> ev;
    for (uint64_t s : late) {
      in_bulk[s] = true;
      ev.emplace_back(s, "late_entry");
    }
    Rec key_rec;
    key_rec.who = key.first;
    st.Emit(out, AnomalyType::kBulkEntryBeforeCutoff, key_rec, std::move(ev), fy.last,
         fmt::format("{} records dated {} or more days earlier entered in the last {} days before the {} cut-off "
                     "(this officer's usual rate: {:.1f} per {} days)",
                     late.size(), o.bulk_late_days, o.bulk_window_days, FormatDate(fy.last), norm,
                     o.bulk_window_days));
  }

  // back_dating
  for (uint64_t s = 0; s < recs.size(); ++s) {
    const Rec& r = recs[s];
    if (r.household == kNone || !r.counts() || r.recorded - r.occurred < o.back_dating_days) continue;
    if (!in_bulk.empty() && in_bulk[s]) continue;
    st.Emit(out, AnomalyType::kBackDating, r, {{s, "event"}}, Date(r.occurred),
         fmt::format("{} dated {} recorded {} days later, on {}", EventKindName(r.kind), DateText(r.occurred),
                     r.recorded - r.occurred, DateText(r.recorded)));
  }

  // implausible_officer_visits: (officer, day) runs.
  std::vector<uint64_t> visits;
  for (uint64_t s = 0; s < recs.size(); ++s) {
    const Rec& r = recs[s];
    if (r.kind == EventKind::kHouseholdVisited && r.counts() && !st.people[r.who].second.empty()) visits.push_back(s);
  }
  std::stable_sort(visits.begin(), visits.end(), [&](uint64_t a, uint64_t b) {
    return std::pair(recs[a].who, recs[a].occurred) < std::pair(recs[b].who, recs[b].occurred);
  });
  for (size_t i = 0; i < visits.size();) {
    size_t j = i + 1;
    while (j < visits.size() && recs[visits[j]].who == recs[visits[i]].who &&
           recs[visits[j]].occurred == recs[visits[i]].occurred) {
      ++j;
    }
    if (j - i > static_cast<size_t>(o.max_visits_per_day)) {
      std::vector<std::pair<uint64_t, std::string>> ev;
      for (size_t k = i; k < j; ++k) ev.emplace_back(visits[k], "visit");
      Rec key_rec;
      key_rec.who = recs[visits[i]].who;
      const int32_t day = recs[visits[i]].occurred;
      st.Emit(out, AnomalyType::kImplausibleOfficerVisits, key_rec, std::move(ev), Date(day),
           fmt::format("{} household visits on {} (more than {} a day)", j - i, DateText(day), o.max_visits_per_day));
    }
    i = j;
  }

  // correction_after_cutoff
  for (const auto& [seq, target] : st.corrections) {
    const Rec& c = recs[seq];
    const Rec& t = recs[target];
    const CivilDate cutoff = FiscalYearOf(Date(t.recorded)).last;
    if (c.recorded <= Day(cutoff) + o.correction_grace_days) continue;
    st.Emit(out, AnomalyType::kCorrectionAfterCutoff, c, {{target, "corrected"}, {seq, "correction"}}, Date(c.recorded),
         fmt::format("{} recorded {} corrected on {}, after the {} cut-off", EventKindName(t.kind),
                     DateText(t.recorded), DateText(c.recorded), FormatDate(cutoff)));
  }

  std::stable_sort(out.begin(), out.end(), [](const Anomaly& a, const Anomaly& b) {
    return std::pair(a.type, a.events.front().seq) < std::pair(b.type, b.events.front().seq);
  });
  return out;
}

StatusOr<std::vector<Anomaly>> FindAnomalies(const Ledger& ledger, uint64_t size, const AnomalyOptions& options,
                                             const std::function<void(uint64_t, uint64_t)>& progress) {
  AnomalyScanner scan(options);
  RETURN_IF_ERROR(ledger.ForEachEvent(0, size, [&](uint64_t seq, std::string_view leaf) -> Status {
    if (progress && (seq & 0xffff) == 0) progress(seq, size);
    return scan.Add(leaf);
  }));
  if (progress) progress(size, size);
  std::vector<Anomaly> found = scan.Findings();
  for (Anomaly& a : found) {
    for (AnomalyEvent& e : a.events) {
      ASSIGN_OR_RETURN(e.leaf_hash, ledger.LeafHash(e.seq));
    }
  }
  return found;
}

}  // namespace ledger
