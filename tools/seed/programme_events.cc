// Each planned action of a household built as a signed event body
// (programme.h): the payload of its kind, its dates, members and evidence.
#include <fmt/format.h>

#include <algorithm>

#include "ledger/reasons.h"
#include "seed/menu.h"
#include "seed/programme_model.h"

namespace ledger::seed {

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
        t.setSource(s < 90   ? schema::TargetSource::TPMAP
                    : s < 97 ? schema::TargetSource::MISSED
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
          g.value =
              item.min_satang + (span > 0 ? static_cast<int64_t>(r.Next() % static_cast<uint64_t>(span + 1)) * 100 : 0);
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

}  // namespace ledger::seed
