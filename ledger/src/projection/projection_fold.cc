// The projection's records and their fold (projection_internal.h explains
// the model): a payload becomes a household record, and a household's
// records fold into its summary.
#include <algorithm>
#include <bit>

#include "core/digits.h"
#include "projection/projection_internal.h"

namespace ledger {
namespace projection {
namespace {

uint64_t IndicatorBit(unsigned n) { return n >= 1 && n <= kMaxIndicatorBit ? uint64_t{1} << n : 0; }

template <typename E>
E EnumOr(uint16_t raw, int count, E fallback) {
  return raw < count ? static_cast<E>(raw) : fallback;
}

}  // namespace

uint32_t DateOf(schema::Date::Reader d) { return PackDate({d.getYear(), d.getMonth(), d.getDay()}); }

// ---------------------------------------------------------------- records

const Record* Household::FindRecord(uint64_t seq) const {
  auto it =
      std::lower_bound(records.begin(), records.end(), seq, [](const Record& r, uint64_t s) { return r.seq < s; });
  return it != records.end() && it->seq == seq ? &*it : nullptr;
}

Record* Household::FindRecord(uint64_t seq) {
  return const_cast<Record*>(static_cast<const Household*>(this)->FindRecord(seq));
}

bool RecordFromPayload(Core& core, schema::Payload::Reader p, Record* r) {
  using P = schema::Payload;
  switch (p.which()) {
    case P::HOUSEHOLD_TARGETED: {
      auto t = p.getHouseholdTargeted();
      Targeted d;
      d.survey_year = t.getSurveyYear();
      d.source = EnumOr(static_cast<uint16_t>(t.getSource()), kTargetSourceCount, TargetSource::kTpmap);
      d.subdistrict = ParseDigits(t.getSubdistrict().cStr(), 6).value_or(0);
      if (auto v = ParseDigits(t.getVillage().cStr(), 8)) d.village = static_cast<uint8_t>(*v % 100);
      for (uint8_t n : t.getFailingIndicators()) d.failing |= IndicatorBit(n);
      d.members = t.getMembers();
      d.member_hashes = static_cast<uint16_t>(std::min<size_t>(t.getMemberIdHashes().size(), 0xffff));
      r->kind = EventKind::kHouseholdTargeted;
      r->data = d;
      return true;
    }
    case P::HOUSEHOLD_SELECTED: {
      auto s = p.getHouseholdSelected();
      r->kind = EventKind::kHouseholdSelected;
      r->data = Selected{core.Intern(s.getProgramme().cStr()), s.getSelected()};
      return true;
    }
    case P::MENTOR_ASSIGNED:
      r->kind = EventKind::kMentorAssigned;
      r->data = MentorChange{core.Intern(p.getMentorAssigned().getOfficerId().cStr())};
      return true;
    case P::MENTOR_RELEASED:
      r->kind = EventKind::kMentorReleased;
      r->data = MentorChange{core.Intern(p.getMentorReleased().getOfficerId().cStr())};
      return true;
    case P::HOUSEHOLD_VISITED: {
      auto v = p.getHouseholdVisited();
      r->kind = EventKind::kHouseholdVisited;
      r->data =
          Visited{v.getLocation().isGps(), static_cast<uint16_t>(std::min<size_t>(v.getEvidence().size(), 0xffff))};
      return true;
    }
    case P::PROBLEMS_ANALYSED: {
      Analysed a;
      for (auto f : p.getProblemsAnalysed().getFindings()) {
        auto d = static_cast<uint16_t>(f.getDimension());
        if (d < kDimensionCount) a.dimensions |= static_cast<uint8_t>(1u << d);
      }
      r->kind = EventKind::kProblemsAnalysed;
      r->data = a;
      return true;
    }
    case P::PLAN_AGREED: {
      Planned pl;
      for (auto a : p.getPlanAgreed().getActions()) {
        PlanAction x;
        x.dimension = EnumOr(static_cast<uint16_t>(a.getDimension()), kDimensionCount, Dimension::kHealth);
        x.indicator = a.getIndicator();
        x.target_level = EnumOr(static_cast<uint16_t>(a.getTargetLevel()), kLevelCount, Level::kSurvive);
        x.menu_item = core.Intern(a.getMenuItem().cStr());
        x.responsible_agency = core.Intern(a.getResponsibleAgency().cStr());
        x.due = DateOf(a.getDueDate());
        pl.actions.push_back(x);
      }
      r->kind = EventKind::kPlanAgreed;
      r->data = std::move(pl);
      return true;
    }
    case P::WELFARE_RIGHT_CHECKED: {
      auto w = p.getWelfareRightChecked();
      r->kind = EventKind::kWelfareRightChecked;
      r->data = WelfareChecked{
          EnumOr(static_cast<uint16_t>(w.getRight()), kWelfareRightCount, WelfareRight::kElderly),
          EnumOr(static_cast<uint16_t>(w.getResult()), kWelfareResultCount, WelfareResult::kAlreadyReceiving)};
      return true;
    }
    case P::ASSISTANCE_GIVEN: {
      auto a = p.getAssistanceGiven();
      Assistance d;
      d.dimension = EnumOr(static_cast<uint16_t>(a.getDimension()), kDimensionCount, Dimension::kHealth);
      d.indicator = a.getIndicator();
      d.has_beneficiary = a.getBeneficiary().size() > 0;
      d.menu_item = core.Intern(a.getMenuItem().cStr());
      d.quantity = a.getQuantity();
      d.plan_action = a.getPlanActionRef();
      d.value_satang = a.getValueSatang();
      r->kind = EventKind::kAssistanceGiven;
      r->data = d;
      return true;
    }
    case P::REFERRED: {
      auto f = p.getReferred();
      r->kind = EventKind::kReferred;
      r->data = Referral{core.Intern(f.getToAgency().cStr()),
                         EnumOr(static_cast<uint16_t>(f.getDimension()), kDimensionCount, Dimension::kHealth)};
      return true;
    }
    case P::INDICATOR_RESOLVED:
      r->kind = EventKind::kIndicatorResolved;
      r->data = Resolved{p.getIndicatorResolved().getIndicator()};
      return true;
    case P::LEVEL_ASSESSED:
      r->kind = EventKind::kLevelAssessed;
      r->data = Assessed{EnumOr(static_cast<uint16_t>(p.getLevelAssessed().getLevel()), kLevelCount, Level::kSurvive)};
      return true;
    case P::HOUSEHOLD_EXITED:
      r->kind = EventKind::kHouseholdExited;
      r->data = Exited{
          EnumOr(static_cast<uint16_t>(p.getHouseholdExited().getReason()), kExitReasonCount, ExitReason::kGraduated)};
      return true;
    case P::CORRECTION: {
      auto c = p.getCorrection();
      r->kind = EventKind::kCorrection;
      r->data = CorrectionOf{c.getCorrectedSeq(), c.getAction().isVoid()};
      return true;
    }
    default:
      return false;
  }
}

// ---------------------------------------------------------------- the fold

void FoldRecord(Household& h, size_t i) {
  Summary& s = h.summary;
  const Record& r = h.records[i];
  if (r.kind == EventKind::kPlanAgreed) {
    // Every action takes a plan slot, voided or not, so references stay stable.
    for (size_t k = 0; k < std::get<Planned>(r.data).actions.size(); ++k) {
      s.plan_actions.push_back({r.seq, !r.counts(), false, 0});
    }
    if (r.counts()) ++s.plans;
    return;
  }
  if (!r.counts()) return;
  switch (r.kind) {
    case EventKind::kHouseholdTargeted: {
      const auto& t = std::get<Targeted>(r.data);
      s.targeted = true;
      s.subdistrict = t.subdistrict;
      s.village = t.village;
      s.failing |= t.failing;  // a new survey finds them failing (again)
      s.resolved &= ~t.failing;
      break;
    }
    case EventKind::kHouseholdSelected:
      ++s.selections;
      break;
    case EventKind::kMentorAssigned: {
      StrId m = std::get<MentorChange>(r.data).mentor;
      if (std::find(s.mentors.begin(), s.mentors.end(), m) == s.mentors.end()) s.mentors.push_back(m);
      break;
    }
    case EventKind::kMentorReleased: {
      StrId m = std::get<MentorChange>(r.data).mentor;
      s.mentors.erase(std::remove(s.mentors.begin(), s.mentors.end(), m), s.mentors.end());
      break;
    }
    case EventKind::kHouseholdVisited:
      ++s.visits;
      s.last_visit_seq = r.seq;
      s.last_visit_date = r.occurred;
      break;
    case EventKind::kProblemsAnalysed:
      ++s.analyses;
      break;
    case EventKind::kWelfareRightChecked:
      ++s.welfare_checks;
      break;
    case EventKind::kAssistanceGiven: {
      const auto& a = std::get<Assistance>(r.data);
      ++s.help_count;
      s.help_satang += a.value_satang;
      auto it = std::find_if(s.help.begin(), s.help.end(),
                             [&](const HelpTotal& t) { return t.agency == r.agency && t.dimension == a.dimension; });
      if (it == s.help.end()) it = s.help.insert(s.help.end(), HelpTotal{r.agency, a.dimension, 0, 0});
      ++it->count;
      it->satang += a.value_satang;
      if (a.plan_action >= 0 && static_cast<size_t>(a.plan_action) < s.plan_actions.size()) {
        PlanActionState& pa = s.plan_actions[a.plan_action];
        if (!pa.voided && !pa.done) {
          pa.done = true;
          pa.done_seq = r.seq;
        }
      }
      break;
    }
    case EventKind::kReferred:
      ++s.referrals;
      break;
    case EventKind::kIndicatorResolved: {
      uint64_t bit = IndicatorBit(std::get<Resolved>(r.data).indicator);
      s.failing &= ~bit;
      s.resolved |= bit;
      break;
    }
    case EventKind::kLevelAssessed: {
      Level l = std::get<Assessed>(r.data).level;
      if (!s.has_level || s.level != l) {
        s.level_seq = r.seq;
        s.level_date = r.occurred;
      }
      s.has_level = true;
      s.level = l;
      break;
    }
    case EventKind::kHouseholdExited:
      s.exited = true;
      s.exit_reason = std::get<Exited>(r.data).reason;
      s.exit_seq = r.seq;
      break;
    case EventKind::kCorrection: {
      const auto& c = std::get<CorrectionOf>(r.data);
      s.corrections.push_back({r.seq, c.corrected_seq, c.is_void});
      break;
    }
    default:
      break;
  }
}

void Refold(Household& h) {
  h.summary = Summary();
  for (size_t i = 0; i < h.records.size(); ++i) FoldRecord(h, i);
}

}  // namespace projection
}  // namespace ledger
