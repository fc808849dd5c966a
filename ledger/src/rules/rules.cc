#include "rules/rules.h"

#include "rules/formats.h"

#include <fmt/format.h>

#include "ledger/calendar.h"
#include "ledger/projection.h"
#include "ledger/reasons.h"

namespace ledger {
namespace {

using P = schema::Payload;
using projection::Household;
using projection::Record;

constexpr int kMinSurveyYearBe = 2500;
constexpr int kMaxSurveyYearBe = 2700;

// Thailand's bounding box, generously (micro-degrees).
constexpr int32_t kMinLat = 5'000'000, kMaxLat = 21'000'000;
constexpr int32_t kMinLon = 97'000'000, kMaxLon = 106'000'000;

std::string_view Sv(capnp::Text::Reader t) { return {t.cStr(), t.size()}; }

Status CheckEvidence(capnp::List<capnp::Data>::Reader list, std::string_view field) {
  for (unsigned i = 0; i < list.size(); ++i) {
    if (list[i].size() != 32) {
      return InvalidArgumentError(fmt::format("{}[{}]: must be a 32-byte SHA-256, got {} bytes", field, i,
                                              list[i].size()),
                                  reason::kBadEvidenceHash);
    }
  }
  return OkStatus();
}

template <typename E>
Status CheckEnum(E value, int count, std::string_view field, std::string_view reason) {
  auto raw = static_cast<uint16_t>(value);
  if (raw >= count) {
    return InvalidArgumentError(fmt::format("{}: unknown value {}", field, raw), std::string(reason));
  }
  return OkStatus();
}

Status CheckDimension(schema::Dimension d, std::string_view field) {
  return CheckEnum(d, kDimensionCount, field, reason::kBadDimension);
}

// `n` must be a BMN indicator number; with `dimension`, an indicator the
// table places in another dimension is refused. 0 means "no indicator" and
// passes when `allow_none`.
Status CheckIndicator(const ReferenceData& ref, int n, std::optional<schema::Dimension> dimension,
                      std::string_view field, bool allow_none) {
  if (n == 0 && allow_none) return OkStatus();
  if (!ref.IndicatorKnown(n)) {
    return InvalidArgumentError(fmt::format("{}: {} is not a BMN indicator number (1..{})", field, n,
                                            kBmnIndicatorCount),
                                reason::kBadIndicator);
  }
  auto d = ref.IndicatorDimension(n);
  if (d && dimension && static_cast<uint16_t>(*dimension) < kDimensionCount &&
      static_cast<uint16_t>(*d) != static_cast<uint16_t>(*dimension)) {
    return InvalidArgumentError(
        fmt::format("{}: indicator {} belongs to dimension {}, not {}", field, n, DimensionName(*d),
                    DimensionName(static_cast<Dimension>(static_cast<uint16_t>(*dimension)))),
        reason::kBadIndicator);
  }
  return OkStatus();
}

Status Missing(std::string_view field) {
  return InvalidArgumentError(fmt::format("{}: must not be empty", field), reason::kMissingField);
}

bool AgencyRegistered(const RuleContext& ctx, std::string_view code) {
  return ctx.registry.agencies().count(std::string(code)) > 0;
}

int PlanSize(const Household* h) { return h ? static_cast<int>(h->summary.plan_actions.size()) : 0; }

// ---------------------------------------------------------------- fields of a payload
// Rules that need only the payload, the household's id and state that a
// replacement must also respect. `f` prefixes field names.

Status CheckTargetedFields(const RuleContext& ctx, P::Reader p, std::string_view household, std::string_view f,
                           uint64_t replacing_seq) {
  // houseCode, areas and member hashes: formats.cc (checked first).
  auto t = p.getHouseholdTargeted();
  const int year = t.getSurveyYear();
  if (year < kMinSurveyYearBe || year > kMaxSurveyYearBe) {
    return InvalidArgumentError(
        fmt::format("{}.surveyYear: {} is not a Buddhist Era year in {}..{}", f, year, kMinSurveyYearBe,
                    kMaxSurveyYearBe),
        reason::kBadSurveyYear);
  }
  RETURN_IF_ERROR(CheckEnum(t.getSource(), kTargetSourceCount, fmt::format("{}.source", f), reason::kBadSource));
  auto failing = t.getFailingIndicators();
  for (unsigned i = 0; i < failing.size(); ++i) {
    RETURN_IF_ERROR(CheckIndicator(ctx.reference, failing[i], std::nullopt,
                                   fmt::format("{}.failingIndicators[{}]", f, i), /*allow_none=*/false));
  }
  auto hashes = t.getMemberIdHashes();
  if (t.getMembers() == 0 || t.getMembers() < hashes.size()) {
    return InvalidArgumentError(fmt::format("{}.members: {} must be at least 1 and at least the {} member ID hashes",
                                            f, t.getMembers(), hashes.size()),
                                reason::kBadMembers);
  }
  // Once per household per survey year (other counted targetings).
  if (ctx.household) {
    for (const Record& r : ctx.household->records) {
      if (r.kind != EventKind::kHouseholdTargeted || !r.counts() || r.seq == replacing_seq) continue;
      if (std::get<projection::Targeted>(r.data).survey_year == year) {
        return FailedPreconditionError(
            fmt::format("{}.surveyYear: household {} was already targeted for survey year {} (event {})", f,
                        household, year, r.seq),
            reason::kAlreadyTargetedThisYear);
      }
    }
  }
  return OkStatus();
}

Status CheckPlanFields(const RuleContext& ctx, P::Reader p, std::string_view f) {
  auto actions = p.getPlanAgreed().getActions();
  if (actions.size() == 0) return Missing(fmt::format("{}.actions", f));
  for (unsigned i = 0; i < actions.size(); ++i) {
    auto a = actions[i];
    std::string af = fmt::format("{}.actions[{}]", f, i);
    RETURN_IF_ERROR(CheckDimension(a.getDimension(), af + ".dimension"));
    RETURN_IF_ERROR(CheckIndicator(ctx.reference, a.getIndicator(), a.getDimension(), af + ".indicator", true));
    if (a.getMenuItem().size() == 0) return Missing(af + ".menuItem");
    if (!AgencyRegistered(ctx, Sv(a.getResponsibleAgency()))) {
      return InvalidArgumentError(
          fmt::format("{}.responsibleAgency: '{}' is not a registered agency", af, Sv(a.getResponsibleAgency())),
          reason::kUnknownAgency);
    }
    RETURN_IF_ERROR(CheckEnum(a.getTargetLevel(), kLevelCount, af + ".targetLevel", reason::kBadLevel));
  }
  return OkStatus();
}

Status CheckAssistanceFields(const RuleContext& ctx, P::Reader p, std::string_view f) {
  auto a = p.getAssistanceGiven();
  RETURN_IF_ERROR(CheckDimension(a.getDimension(), fmt::format("{}.dimension", f)));
  RETURN_IF_ERROR(
      CheckIndicator(ctx.reference, a.getIndicator(), a.getDimension(), fmt::format("{}.indicator", f), true));
  if (a.getMenuItem().size() == 0) return Missing(fmt::format("{}.menuItem", f));
  if (a.getValueSatang() < 0) {
    return InvalidArgumentError(
        fmt::format("{}.valueSatang: {} is negative; money is a non-negative number of satang", f,
                    a.getValueSatang()),
        reason::kNegativeValue);
  }
  RETURN_IF_ERROR(CheckEvidence(a.getEvidence(), fmt::format("{}.evidence", f)));
  const int ref = a.getPlanActionRef();
  if (ref != -1 && (ref < 0 || ref >= PlanSize(ctx.household))) {
    return InvalidArgumentError(
        fmt::format("{}.planActionRef: {} is not an action of the household's plan ({} actions)", f, ref,
                    PlanSize(ctx.household)),
        reason::kBadPlanActionRef);
  }
  if (ref >= 0 && ctx.household->summary.plan_actions[ref].voided) {
    return InvalidArgumentError(fmt::format("{}.planActionRef: action {} belongs to a voided plan", f, ref),
                                reason::kBadPlanActionRef);
  }
  return OkStatus();
}

// Field rules of every household kind (also applied to a Correction's
// replacement). `replacing_seq` is the corrected event's seq, or ~0.
Status CheckHouseholdFields(const RuleContext& ctx, P::Reader p, std::string_view household, std::string_view f,
                            uint64_t replacing_seq) {
  switch (p.which()) {
    case P::HOUSEHOLD_TARGETED:
      return CheckTargetedFields(ctx, p, household, fmt::format("{}householdTargeted", f), replacing_seq);
    case P::HOUSEHOLD_SELECTED:
      if (p.getHouseholdSelected().getProgramme().size() == 0) {
        return Missing(fmt::format("{}householdSelected.programme", f));
      }
      return OkStatus();
    case P::MENTOR_ASSIGNED:
      if (p.getMentorAssigned().getOfficerId().size() == 0) return Missing(fmt::format("{}mentorAssigned.officerId", f));
      return OkStatus();
    case P::MENTOR_RELEASED:
      if (p.getMentorReleased().getOfficerId().size() == 0) return Missing(fmt::format("{}mentorReleased.officerId", f));
      return OkStatus();
    case P::HOUSEHOLD_VISITED: {
      auto v = p.getHouseholdVisited();
      if (v.getLocation().isGps()) {
        auto g = v.getLocation().getGps();
        if (g.getLatMicrodeg() < kMinLat || g.getLatMicrodeg() > kMaxLat || g.getLonMicrodeg() < kMinLon ||
            g.getLonMicrodeg() > kMaxLon) {
          return InvalidArgumentError(
              fmt::format("{}householdVisited.location.gps: ({:.6f}, {:.6f}) is outside Thailand", f,
                          g.getLatMicrodeg() / 1e6, g.getLonMicrodeg() / 1e6),
              reason::kBadLocation);
        }
      }
      return CheckEvidence(v.getEvidence(), fmt::format("{}householdVisited.evidence", f));
    }
    case P::PROBLEMS_ANALYSED: {
      auto findings = p.getProblemsAnalysed().getFindings();
      if (findings.size() == 0) return Missing(fmt::format("{}problemsAnalysed.findings", f));
      for (unsigned i = 0; i < findings.size(); ++i) {
        RETURN_IF_ERROR(
            CheckDimension(findings[i].getDimension(), fmt::format("{}problemsAnalysed.findings[{}].dimension", f, i)));
      }
      return OkStatus();
    }
    case P::PLAN_AGREED:
      RETURN_IF_ERROR(CheckPlanFields(ctx, p, fmt::format("{}planAgreed", f)));
      return ctx.menu.CheckPayloadItems(p, f, /*replacement=*/replacing_seq != ~uint64_t{0});
    case P::WELFARE_RIGHT_CHECKED: {
      auto w = p.getWelfareRightChecked();
      RETURN_IF_ERROR(CheckEnum(w.getRight(), kWelfareRightCount, fmt::format("{}welfareRightChecked.right", f),
                                reason::kBadWelfareRight));
      return CheckEnum(w.getResult(), kWelfareResultCount, fmt::format("{}welfareRightChecked.result", f),
                       reason::kBadWelfareResult);
    }
    case P::ASSISTANCE_GIVEN:
      RETURN_IF_ERROR(CheckAssistanceFields(ctx, p, fmt::format("{}assistanceGiven", f)));
      return ctx.menu.CheckPayloadItems(p, f, /*replacement=*/replacing_seq != ~uint64_t{0});
    case P::REFERRED: {
      auto r = p.getReferred();
      if (!AgencyRegistered(ctx, Sv(r.getToAgency()))) {
        return InvalidArgumentError(
            fmt::format("{}referred.toAgency: '{}' is not a registered agency", f, Sv(r.getToAgency())),
            reason::kUnknownAgency);
      }
      if (r.getProblem().size() == 0) return Missing(fmt::format("{}referred.problem", f));
      return CheckDimension(r.getDimension(), fmt::format("{}referred.dimension", f));
    }
    case P::INDICATOR_RESOLVED:
      return CheckIndicator(ctx.reference, p.getIndicatorResolved().getIndicator(), std::nullopt,
                            fmt::format("{}indicatorResolved.indicator", f), /*allow_none=*/false);
    case P::LEVEL_ASSESSED:
      return CheckEnum(p.getLevelAssessed().getLevel(), kLevelCount, fmt::format("{}levelAssessed.level", f),
                       reason::kBadLevel);
    case P::HOUSEHOLD_EXITED:
      return CheckEnum(p.getHouseholdExited().getReason(), kExitReasonCount,
                       fmt::format("{}householdExited.reason", f), reason::kBadExitReason);
    default:
      return OkStatus();
  }
}

// ---------------------------------------------------------------- per kind

Status CheckRegistryEvent(const RuleContext& ctx, schema::EventBody::Reader body) {
  // The empty household and the areas: formats.cc.
  auto p = body.getPayload();
  if (p.isAgencyRegistered()) {
    auto dims = p.getAgencyRegistered().getDimensions();
    for (unsigned i = 0; i < dims.size(); ++i) {
      RETURN_IF_ERROR(CheckDimension(dims[i], fmt::format("agencyRegistered.dimensions[{}]", i)));
    }
  } else if (p.isOfficerRegistered()) {
    RETURN_IF_ERROR(CheckEnum(p.getOfficerRegistered().getRole(), 4, "officerRegistered.role", reason::kBadRole));
  } else if (p.isMenuPublished()) {
    auto m = p.getMenuPublished();
    RETURN_IF_ERROR(ctx.menu.CheckPublish(m));
    auto items = m.getItems();
    for (unsigned i = 0; i < items.size(); ++i) {
      RETURN_IF_ERROR(CheckIndicator(ctx.reference, items[i].getIndicator(), items[i].getDimension(),
                                     fmt::format("menuPublished.items[{}].indicator", i), /*allow_none=*/true));
    }
  }
  return OkStatus();
}

Status CheckCorrection(const RuleContext& ctx, schema::EventBody::Reader body) {
  auto c = body.getPayload().getCorrection();
  std::string_view household = Sv(body.getHousehold());
  if (c.getReason().size() == 0) return Missing("correction.reason");
  const uint64_t target_seq = c.getCorrectedSeq();
  if (target_seq >= ctx.seq) {
    return NotFoundError(fmt::format("correction.correctedSeq: event {} does not exist (the log has {} events)",
                                     target_seq, ctx.seq),
                         reason::kCorrectionTargetMissing);
  }
  const Record* target = ctx.household ? ctx.household->FindRecord(target_seq) : nullptr;
  if (!target) {
    return FailedPreconditionError(
        fmt::format("correction.correctedSeq: event {} is not an event of household {}", target_seq, household),
        reason::kCorrectionOtherHousehold);
  }
  auto given = c.getCorrectedHash();
  ASSIGN_OR_RETURN(Hash actual, ctx.leaf_hash(target_seq));
  if (given.size() != actual.size() || !std::equal(actual.begin(), actual.end(), given.begin())) {
    return FailedPreconditionError(
        fmt::format("correction.correctedHash: does not match the leaf hash of event {} ({})", target_seq,
                    ToHex(actual)),
        reason::kCorrectionHashMismatch);
  }
  if (target->kind == EventKind::kCorrection) {
    return FailedPreconditionError(
        fmt::format("correction.correctedSeq: event {} is itself a Correction; correct the original event", target_seq),
        reason::kCorrectionOfCorrection);
  }
  const bool by_operator = body.getOfficer().size() == 0;   // signed by the operator's root key (registry.h)
  if (!by_operator && Sv(body.getAgency()) != ctx.core.Str(target->agency)) {
    return PermissionDeniedError(
        fmt::format("agency: '{}' may not correct event {}, recorded by agency '{}' (only the recording agency or "
                    "the operator may)",
                    Sv(body.getAgency()), target_seq, ctx.core.Str(target->agency)),
        reason::kCorrectionNotRecorder);
  }
  auto action = c.getAction();
  if (action.isReplacement()) {
    auto replacement = action.getReplacement();
    const auto kind = static_cast<uint16_t>(replacement.which());
    if (kind != static_cast<uint16_t>(target->kind)) {
      return InvalidArgumentError(
          fmt::format("correction.replacement: a {} cannot replace event {}, a {}",
                      EventKindName(static_cast<EventKind>(kind)), target_seq, EventKindName(target->kind)),
          reason::kCorrectionKindMismatch);
    }
    RETURN_IF_ERROR(CheckHouseholdFields(ctx, replacement, household, "correction.replacement.", target_seq));
  }
  return OkStatus();
}

Status CheckHouseholdEvent(const RuleContext& ctx, schema::EventBody::Reader body) {
  auto p = body.getPayload();
  std::string_view household = Sv(body.getHousehold());   // set, 11 digits (formats.cc)
  const projection::Summary* s = ctx.household ? &ctx.household->summary : nullptr;
  if (!p.isHouseholdTargeted() && !(s && s->targeted)) {
    return FailedPreconditionError(fmt::format("household: {} is not targeted (no HouseholdTargeted counts)", household),
                                   reason::kHouseholdNotTargeted);
  }
  if (!p.isCorrection() && s && s->exited) {
    return FailedPreconditionError(
        fmt::format("household: {} exited at event {} ({}); void that exit with a Correction to record more",
                    household, s->exit_seq, ExitReasonName(s->exit_reason)),
        reason::kHouseholdExited);
  }
  if (p.isCorrection()) return CheckCorrection(ctx, body);
  RETURN_IF_ERROR(CheckHouseholdFields(ctx, p, household, "", ~uint64_t{0}));

  // Rules on the household's state.
  switch (p.which()) {
    case P::MENTOR_ASSIGNED: {
      std::string officer = p.getMentorAssigned().getOfficerId();
      const auto& officers = ctx.registry.officers();
      auto it = officers.find(officer);
      if (it == officers.end() || it->second.revoked) {
        return FailedPreconditionError(
            fmt::format("mentorAssigned.officerId: '{}' is {}", officer,
                        it == officers.end() ? "not a registered officer" : "revoked"),
            reason::kOfficerNotActive);
      }
      if (auto id = ctx.core.FindStr(officer)) {
        for (projection::StrId m : s->mentors) {
          if (m == *id) {
            return FailedPreconditionError(
                fmt::format("mentorAssigned.officerId: '{}' is already a mentor of household {}", officer, household),
                reason::kAlreadyMentor);
          }
        }
      }
      return OkStatus();
    }
    case P::MENTOR_RELEASED: {
      auto id = ctx.core.FindStr(Sv(p.getMentorReleased().getOfficerId()));
      bool is_mentor = id && std::find(s->mentors.begin(), s->mentors.end(), *id) != s->mentors.end();
      if (!is_mentor) {
        return FailedPreconditionError(
            fmt::format("mentorReleased.officerId: '{}' is not a mentor of household {}",
                        Sv(p.getMentorReleased().getOfficerId()), household),
            reason::kNotAMentor);
      }
      return OkStatus();
    }
    case P::INDICATOR_RESOLVED: {
      const int n = p.getIndicatorResolved().getIndicator();
      if (!(s->failing & (uint64_t{1} << n))) {
        return FailedPreconditionError(
            fmt::format("indicatorResolved.indicator: indicator {} is not failing for household {}", n, household),
            reason::kIndicatorNotFailing);
      }
      return OkStatus();
    }
    default:
      return OkStatus();
  }
}

}  // namespace

Status CheckRules(const RuleContext& ctx, schema::EventBody::Reader body) {
  RETURN_IF_ERROR(CheckFormats(body, ctx.reference));
  auto occurred = body.getOccurredAt();
  // Declared dates may not run ahead of the server's Bangkok date (one day of slack).
  CivilDate today = BangkokDate(ctx.recorded_at_ns);
  CivilDate latest_ok = BangkokDate(ctx.recorded_at_ns + int64_t{86400} * 1'000'000'000);
  CivilDate when{occurred.getDate().getYear(), occurred.getDate().getMonth(), occurred.getDate().getDay()};
  if (when > latest_ok) {
    return InvalidArgumentError(fmt::format("occurredAt.date: {} is after the recording date {}", FormatDate(when),
                                            FormatDate(today)),
                                reason::kOccurredInFuture);
  }
  auto which = body.getPayload().which();
  if (!IsHouseholdKind(which)) return CheckRegistryEvent(ctx, body);
  return CheckHouseholdEvent(ctx, body);
}

}  // namespace ledger
