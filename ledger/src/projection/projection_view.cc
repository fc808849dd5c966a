// The projection's views (projection.h): a household's status and an
// area's progress as the public structs, and FoldHousehold for a single
// household's leaves.
#include <fmt/format.h>

#include <algorithm>
#include <bit>

#include "ledger/event_codec.h"
#include "ledger/merkle.h"
#include "projection/projection_internal.h"

namespace ledger {
namespace projection {

namespace {
std::vector<int> BitsToIndicators(uint64_t bits) {
  std::vector<int> out;
  for (int n = 1; n <= kMaxIndicatorBit; ++n) {
    if (bits & (uint64_t{1} << n)) out.push_back(n);
  }
  return out;
}

std::string SubdistrictString(uint32_t code) { return code ? fmt::format("{:06d}", code) : std::string(); }
}  // namespace

HouseholdStatus Core::View(const Household& h) const {
  const Summary& s = h.summary;
  HouseholdStatus v;
  v.house_code = h.code;
  v.targeted = s.targeted;
  if (s.targeted) {
    v.subdistrict = SubdistrictString(s.subdistrict);
    v.district = v.subdistrict.substr(0, 4);
    v.province = v.subdistrict.substr(0, 2);
    if (s.village) v.village = v.subdistrict + fmt::format("{:02d}", s.village);
  }
  v.failing = BitsToIndicators(s.failing);
  v.resolved = BitsToIndicators(s.resolved);
  if (s.has_level) {
    v.level = s.level;
    v.level_seq = s.level_seq;
    v.level_reached = UnpackDate(s.level_date);
  }
  for (StrId m : s.mentors) v.mentors.push_back(Str(m));
  for (const Record& r : h.records) {
    if (r.kind == EventKind::kHouseholdTargeted) {
      const auto& t = std::get<Targeted>(r.data);
      TargetingRecord tr;
      tr.seq = r.seq;
      tr.agency = Str(r.agency);
      tr.occurred = UnpackDate(r.occurred);
      tr.survey_year = t.survey_year;
      tr.source = t.source;
      tr.subdistrict = SubdistrictString(t.subdistrict);
      if (t.village) tr.village = tr.subdistrict + fmt::format("{:02d}", t.village);
      tr.failing = BitsToIndicators(t.failing);
      tr.members = t.members;
      tr.state = r.state;
      v.targetings.push_back(std::move(tr));
    } else if (r.kind == EventKind::kPlanAgreed) {
      for (const PlanAction& a : std::get<Planned>(r.data).actions) {
        PlanActionView pa;
        pa.plan_seq = r.seq;
        pa.index = static_cast<int>(v.plan.size());
        pa.dimension = a.dimension;
        pa.indicator = a.indicator;
        pa.menu_item = Str(a.menu_item);
        pa.responsible_agency = Str(a.responsible_agency);
        pa.target_level = a.target_level;
        pa.due = UnpackDate(a.due);
        if (static_cast<size_t>(pa.index) < s.plan_actions.size()) {
          const PlanActionState& st = s.plan_actions[pa.index];
          pa.voided = st.voided;
          pa.done = st.done;
          pa.done_seq = st.done_seq;
        }
        v.plan.push_back(std::move(pa));
      }
    } else if (r.kind == EventKind::kAssistanceGiven) {
      const auto& a = std::get<Assistance>(r.data);
      HelpRecord hr;
      hr.seq = r.seq;
      hr.agency = Str(r.agency);
      hr.officer = Str(r.officer);
      hr.occurred = UnpackDate(r.occurred);
      hr.dimension = a.dimension;
      hr.indicator = a.indicator;
      hr.menu_item = Str(a.menu_item);
      hr.quantity = a.quantity;
      hr.value_satang = a.value_satang;
      hr.plan_action = a.plan_action;
      hr.state = r.state;
      hr.corrected_by = r.corrected_by;
      v.help.push_back(std::move(hr));
    }
  }
  v.help_total = {s.help_count, s.help_satang};
  for (const HelpTotal& t : s.help) {
    const int d = static_cast<int>(t.dimension);
    v.help_by_dimension[d].count += t.count;
    v.help_by_dimension[d].satang += t.satang;
    auto& per = v.help_by_agency[Str(t.agency)][d];
    per.count += t.count;
    per.satang += t.satang;
  }
  v.visits = s.visits;
  if (s.last_visit_date) {
    v.last_visit_seq = s.last_visit_seq;
    v.last_visit = UnpackDate(s.last_visit_date);
  }
  v.welfare_checks = s.welfare_checks;
  v.referrals = s.referrals;
  v.analyses = s.analyses;
  v.selections = s.selections;
  for (const CorrectionApplied& c : s.corrections) v.corrections.push_back({c.seq, c.corrected_seq, c.is_void});
  v.exited = s.exited;
  v.exit_reason = s.exit_reason;
  v.exit_seq = s.exit_seq;
  v.events = h.records.size();
  v.latest_seq = h.latest_seq;
  v.latest_hash = h.latest_hash;
  return v;
}

AreaProgress Core::AreaView(uint32_t code) const {
  AreaProgress v;
  v.code = AreaCodeString(code);
  auto it = areas_.find(code);
  if (it == areas_.end()) return v;
  const AreaTotals& a = it->second;
  v.targeted = a.targeted;
  v.with_mentor = a.with_mentor;
  v.with_plan = a.with_plan;
  v.helped = a.helped;
  v.exited = a.exited;
  for (int l = 0; l < kLevelCount; ++l) v.levels[l] = a.levels[l];
  v.indicators_failing = a.failing;
  v.indicators_resolved = a.resolved;
  v.help_by_dimension = a.by_dimension;
  for (const auto& [agency, dims] : a.by_agency) v.help_by_agency[Str(agency)] = dims;
  return v;
}

}  // namespace projection

StatusOr<std::optional<HouseholdStatus>> FoldHousehold(std::string_view house_code,
                                                       const std::vector<std::string>& leaves) {
  projection::Core core;
  for (const std::string& leaf : leaves) {
    RETURN_IF_ERROR(core.ApplyHouseholdLeaf(leaf, merkle::HashLeaf(AsBytes(leaf))));
  }
  ASSIGN_OR_RETURN(projection::Household * h, core.Find(house_code));
  if (!h) return std::optional<HouseholdStatus>();
  return std::optional<HouseholdStatus>(core.View(*h));
}

}  // namespace ledger
