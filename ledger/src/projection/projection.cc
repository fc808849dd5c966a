// The projection fold: events -> household records -> summaries -> area
// totals (projection_internal.h explains the model), and the Projector
// wrapper of projection.h.
#include <capnp/serialize.h>
#include <fmt/format.h>
#include <kj/exception.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "core/digits.h"
#include "ledger/event_codec.h"
#include "ledger/merkle.h"
#include "ledger/reasons.h"
#include "projection/projection_internal.h"

namespace ledger {
namespace projection {
namespace {

uint64_t IndicatorBit(unsigned n) { return n >= 1 && n <= kMaxIndicatorBit ? uint64_t{1} << n : 0; }

template <typename E>
E EnumOr(uint16_t raw, int count, E fallback) {
  return raw < count ? static_cast<E>(raw) : fallback;
}

uint32_t DateOf(schema::Date::Reader d) {
  return PackDate({d.getYear(), d.getMonth(), d.getDay()});
}

// Kinds whose records can change what a household contributes to its areas.
bool AffectsAreas(EventKind k) {
  switch (k) {
    case EventKind::kHouseholdSelected:
    case EventKind::kHouseholdVisited:
    case EventKind::kProblemsAnalysed:
    case EventKind::kWelfareRightChecked:
    case EventKind::kReferred:
      return false;
    default:
      return true;
  }
}

void AddMoney(MoneyTotal& m, int sign, uint64_t count, int64_t satang) {
  m.count += static_cast<uint64_t>(sign) * count;  // wraps back for sign = -1
  m.satang += sign * satang;
}

}  // namespace

// ---------------------------------------------------------------- records

const Record* Household::FindRecord(uint64_t seq) const {
  auto it = std::lower_bound(records.begin(), records.end(), seq,
                             [](const Record& r, uint64_t s) { return r.seq < s; });
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
      r->data = Visited{v.getLocation().isGps(), static_cast<uint16_t>(std::min<size_t>(v.getEvidence().size(), 0xffff))};
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
      r->data = Exited{EnumOr(static_cast<uint16_t>(p.getHouseholdExited().getReason()), kExitReasonCount,
                              ExitReason::kGraduated)};
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
      s.failing |= t.failing;     // a new survey finds them failing (again)
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
      auto it = std::find_if(s.help.begin(), s.help.end(), [&](const HelpTotal& t) {
        return t.agency == r.agency && t.dimension == a.dimension;
      });
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

// ---------------------------------------------------------------- areas

std::string AreaCodeString(uint32_t code) { return std::to_string(code); }

std::optional<uint32_t> ParseAreaCode(std::string_view code) {
  if (code.size() != 2 && code.size() != 4 && code.size() != 6) return std::nullopt;
  if (code[0] == '0') return std::nullopt;
  return ParseDigits(code, code.size());
}

namespace {
Contribution ContributionOf(const Summary& s) {
  Contribution c;
  if (!s.targeted || s.subdistrict < 100000) return c;
  c.subdistrict = s.subdistrict;
  c.with_mentor = !s.mentors.empty();
  c.with_plan = s.plans > 0;
  c.helped = s.help_count > 0;
  c.exited = s.exited;
  c.level = s.has_level ? static_cast<int>(s.level) : -1;
  c.failing = std::popcount(s.failing);
  c.resolved = std::popcount(s.resolved);
  return c;
}

// The three areas of a sub-district: itself, its district, its province.
std::array<uint32_t, 3> AreasOf(uint32_t subdistrict) {
  return {subdistrict, subdistrict / 100, subdistrict / 10000};
}
}  // namespace

AreaTotals& Core::AreaFor(uint32_t code) {
  if (track_) changed_areas_.insert(code);
  return areas_[code];
}

void Core::AddHelp(uint32_t subdistrict, const HelpTotal& t, int sign) {
  const int d = static_cast<int>(t.dimension);
  for (uint32_t code : AreasOf(subdistrict)) {
    AreaTotals& a = AreaFor(code);
    AddMoney(a.by_dimension[d], sign, t.count, t.satang);
    auto it = std::find_if(a.by_agency.begin(), a.by_agency.end(), [&](const auto& e) { return e.first == t.agency; });
    if (it == a.by_agency.end()) it = a.by_agency.insert(a.by_agency.end(), {t.agency, {}});
    AddMoney(it->second[d], sign, t.count, t.satang);
    if (std::all_of(it->second.begin(), it->second.end(), [](const MoneyTotal& m) { return m.count == 0; })) {
      a.by_agency.erase(it);
    }
  }
}

void Core::AddContribution(const Contribution& c, const std::vector<HelpTotal>& help, int sign) {
  if (c.subdistrict == 0) return;
  for (uint32_t code : AreasOf(c.subdistrict)) {
    AreaTotals& a = AreaFor(code);
    a.targeted += sign;
    if (c.with_mentor) a.with_mentor += sign;
    if (c.with_plan) a.with_plan += sign;
    if (c.helped) a.helped += sign;
    if (c.exited) a.exited += sign;
    if (c.level >= 0) a.levels[c.level] += sign;
    a.failing += sign * c.failing;
    a.resolved += sign * c.resolved;
  }
  for (const HelpTotal& t : help) AddHelp(c.subdistrict, t, sign);
  if (sign < 0) {
    for (uint32_t code : AreasOf(c.subdistrict)) {
      if (areas_[code].targeted == 0) areas_.erase(code);
    }
  }
}

void Core::AddDifference(const Contribution& before, const Contribution& after) {
  if (before == after) return;
  for (uint32_t code : AreasOf(after.subdistrict)) {
    AreaTotals& a = AreaFor(code);
    a.with_mentor += static_cast<int>(after.with_mentor) - static_cast<int>(before.with_mentor);
    a.with_plan += static_cast<int>(after.with_plan) - static_cast<int>(before.with_plan);
    a.helped += static_cast<int>(after.helped) - static_cast<int>(before.helped);
    a.exited += static_cast<int>(after.exited) - static_cast<int>(before.exited);
    if (before.level >= 0) --a.levels[before.level];
    if (after.level >= 0) ++a.levels[after.level];
    a.failing += after.failing - before.failing;
    a.resolved += after.resolved - before.resolved;
  }
}

void Core::MarkChanged(Household& h) {
  if (!track_ || h.changed) return;
  h.changed = true;
  changed_households_.push_back(&h);
}

void Core::ClearChanges() {
  for (Household* h : changed_households_) h->changed = false;
  changed_households_.clear();
  changed_areas_.clear();
}

// ---------------------------------------------------------------- Core

std::optional<uint64_t> Core::CodeNumber(std::string_view code) {
  if (code.empty() || code.size() > 17) return std::nullopt;
  uint64_t v = 0;
  for (char c : code) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v * 32 + code.size();   // the length keeps leading zeros apart
}

Household* Core::Loaded(std::string_view code) {
  if (auto n = CodeNumber(code)) return numbered_.Find(*n);
  auto it = named_.find(code);
  return it == named_.end() ? nullptr : it->second;
}

Household& Core::NewHousehold(std::string_view code) {
  owned_.push_back(std::make_unique<Household>());
  Household& ref = *owned_.back();
  ref.code = std::string(code);
  ref.records.reserve(8);
  if (auto n = CodeNumber(code)) {
    numbered_.Insert(*n, &ref);
  } else {
    named_[ref.code] = &ref;
  }
  if (!absent_.empty()) {
    auto it = absent_.find(code);
    if (it != absent_.end()) absent_.erase(it);
  }
  return ref;
}

StatusOr<Household*> Core::Find(std::string_view code) {
  if (Household* h = Loaded(code)) return h;
  if (!loader_ || absent_.count(code)) return static_cast<Household*>(nullptr);
  ASSIGN_OR_RETURN(std::optional<std::string> bytes, loader_(code));
  if (!bytes) {
    absent_.emplace(code);
    return static_cast<Household*>(nullptr);
  }
  return AdoptStoredHousehold(*bytes);
}

Status Core::LoadAll() {
  if (!enumerator_) return OkStatus();
  return enumerator_([this](std::string_view code) -> Status {
    ASSIGN_OR_RETURN(Household * h, Find(code));
    (void)h;
    return OkStatus();
  });
}

Status Core::DecodeBody(uint64_t seq, int64_t recorded_at_ns, const Hash& leaf_hash, schema::EventBody::Reader body,
                        DecodedEvent* out) {
  out->seq = seq;
  out->recorded_at_ns = recorded_at_ns;
  out->leaf_hash = leaf_hash;
  auto household = body.getHousehold();
  out->household.assign(household.cStr(), household.size());
  out->household_number = CodeNumber(out->household).value_or(0);
  out->household_event = false;
  out->has_replacement = false;
  out->household_prev.reset();
  out->prefetched = false;
  out->stored.reset();
  if (out->household.empty()) return OkStatus();
  Record& rec = out->record;
  rec = Record();
  rec.seq = seq;
  rec.occurred = DateOf(body.getOccurredAt().getDate());
  auto agency = body.getAgency();
  auto officer = body.getOfficer();
  rec.agency = Intern(std::string_view(agency.cStr(), agency.size()));
  rec.officer = Intern(std::string_view(officer.cStr(), officer.size()));
  auto payload = body.getPayload();
  out->household_event = RecordFromPayload(*this, payload, &rec);
  if (out->household_event && rec.kind == EventKind::kCorrection && payload.getCorrection().getAction().isReplacement()) {
    out->replacement = Record();
    out->has_replacement =
        RecordFromPayload(*this, payload.getCorrection().getAction().getReplacement(), &out->replacement);
  }
  return OkStatus();
}

Status Core::Apply(DecodedEvent& e) {
  if (e.seq != applied_) {
    return OutOfRangeError(fmt::format("projection: event {} applied after {} events", e.seq, applied_),
                           reason::kOutOfOrder);
  }
  if (e.household_event) {
    Household* h = e.household_number ? numbered_.Find(e.household_number) : Loaded(e.household);
    if (!h && e.prefetched) {
      if (e.stored) {
        ASSIGN_OR_RETURN(h, AdoptStoredHousehold(*e.stored));
      } else {
        h = &NewHousehold(e.household);
      }
    }
    if (!h) {
      ASSIGN_OR_RETURN(h, Find(e.household));
      if (!h) h = &NewHousehold(e.household);
    }
    ApplyToHousehold(*h, e);
  }
  applied_ = e.seq + 1;
  max_recorded_at_ = std::max(max_recorded_at_, e.recorded_at_ns);
  return OkStatus();
}

void Core::Prefetch(const DecodedEvent& e, int stage) const {
  if (!e.household_event || e.household_number == 0) return;
  if (stage == 0) {
    numbered_.Prefetch(e.household_number);
    return;
  }
  const Household* h = numbered_.Find(e.household_number);
  if (!h) return;
  if (stage == 1) {
    const char* p = reinterpret_cast<const char*>(h);
    for (size_t off = 0; off < sizeof(Household); off += 64) __builtin_prefetch(p + off);
  } else {
    __builtin_prefetch(h->records.data() + h->records.size());   // where the next record goes
  }
}

Status Core::ApplyBody(uint64_t seq, int64_t recorded_at_ns, const Hash& leaf_hash,
                       schema::EventBody::Reader body) {
  DecodedEvent e;
  RETURN_IF_ERROR(DecodeBody(seq, recorded_at_ns, leaf_hash, body, &e));
  return Apply(e);
}

void Core::ApplyToHousehold(Household& h, DecodedEvent& e) {
  Record& rec = e.record;
  const uint64_t seq = rec.seq;
  const bool affects = AffectsAreas(rec.kind);
  const Contribution before = affects ? ContributionOf(h.summary) : Contribution();
  if (rec.kind == EventKind::kCorrection) {
    // Anything may change: take the household out of its areas and put it back.
    AddContribution(before, h.summary.help, -1);
    const auto c = std::get<CorrectionOf>(rec.data);
    Record* target = h.FindRecord(c.corrected_seq);
    if (target && target->kind != EventKind::kCorrection) {
      if (c.is_void) {
        target->state = RecordState::kVoided;
      } else if (e.has_replacement && e.replacement.kind == target->kind) {
        target->data = std::move(e.replacement.data);
        target->state = RecordState::kReplaced;
      }
      target->corrected_by = seq;
    }
    h.records.push_back(std::move(rec));
    Refold(h);
    AddContribution(ContributionOf(h.summary), h.summary.help, +1);
  } else {
    h.records.push_back(std::move(rec));
    FoldRecord(h, h.records.size() - 1);
    if (affects) {
      const Record& r = h.records.back();
      const Contribution after = ContributionOf(h.summary);
      if (before.subdistrict != after.subdistrict) {   // targeted, or moved to another sub-district
        AddContribution(before, h.summary.help, -1);
        AddContribution(after, h.summary.help, +1);
      } else if (after.subdistrict != 0) {
        AddDifference(before, after);
        if (r.kind == EventKind::kAssistanceGiven) {
          const auto& a = std::get<Assistance>(r.data);
          AddHelp(after.subdistrict, HelpTotal{r.agency, a.dimension, 1, a.value_satang}, +1);
        }
      }
    }
  }
  h.latest_seq = seq;
  h.latest_hash = e.leaf_hash;
  MarkChanged(h);
}

Status Core::DecodeLeaf(std::string_view leaf, const Hash& leaf_hash, DecodedEvent* out) {
  return WithLeaf(leaf, LeafCheck::kAny, [&](schema::Envelope::Reader env) {
    RETURN_IF_ERROR(DecodeBody(env.getSeq(), env.getRecordedAt(), leaf_hash, env.getSigned().getBody(), out));
    auto prev = env.getHouseholdPrev();
    if (prev.isEvent()) out->household_prev = prev.getEvent().getSeq();
    return OkStatus();
  });
}

Status Core::ApplyHouseholdLeaf(std::string_view leaf, const Hash& leaf_hash) {
  DecodedEvent e;
  RETURN_IF_ERROR(DecodeLeaf(leaf, leaf_hash, &e));
  if (e.seq < applied_) {
    return OutOfRangeError(fmt::format("projection: event {} folded after event {}", e.seq, applied_ - 1),
                           reason::kOutOfOrder);
  }
  applied_ = e.seq;   // the events between belong to others
  return Apply(e);
}

Status Core::ApplyLeaf(std::string_view leaf, const Hash& leaf_hash) {
  DecodedEvent e;
  RETURN_IF_ERROR(DecodeLeaf(leaf, leaf_hash, &e));
  return Apply(e);
}

// ---------------------------------------------------------------- views

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


// ---------------------------------------------------------------- Projector

Projector::Projector() : core_(std::make_unique<projection::Core>()) {}
Projector::Projector(std::unique_ptr<projection::Core> core) : core_(std::move(core)) {}
Projector::~Projector() = default;
Projector::Projector(Projector&&) noexcept = default;
Projector& Projector::operator=(Projector&&) noexcept = default;

Status Projector::Apply(std::string_view leaf_bytes, const Hash& leaf_hash) {
  return core_->ApplyLeaf(leaf_bytes, leaf_hash);
}

Status Projector::Apply(std::string_view leaf_bytes) {
  return core_->ApplyLeaf(leaf_bytes, merkle::HashLeaf(AsBytes(leaf_bytes)));
}

uint64_t Projector::applied() const { return core_->applied(); }
int64_t Projector::max_recorded_at_ns() const { return core_->max_recorded_at(); }

StatusOr<std::optional<HouseholdStatus>> Projector::Household(std::string_view house_code) {
  ASSIGN_OR_RETURN(projection::Household * h, core_->Find(house_code));
  if (!h) return std::optional<HouseholdStatus>();
  return std::optional<HouseholdStatus>(core_->View(*h));
}

std::optional<AreaProgress> Projector::Area(std::string_view code) const {
  auto c = projection::ParseAreaCode(code);
  if (!c || !core_->areas().count(*c)) return std::nullopt;
  return core_->AreaView(*c);
}

std::vector<AreaProgress> Projector::Areas(AreaLevel level) const {
  const uint32_t lo = level == AreaLevel::kProvince ? 10 : level == AreaLevel::kDistrict ? 1000 : 100000;
  std::vector<uint32_t> codes;
  for (const auto& [code, totals] : core_->areas()) {
    if (code >= lo && code < lo * 10) codes.push_back(code);
  }
  std::sort(codes.begin(), codes.end());
  std::vector<AreaProgress> out;
  out.reserve(codes.size());
  for (uint32_t c : codes) out.push_back(core_->AreaView(c));
  return out;
}

StatusOr<std::string> Projector::SerializeHousehold(std::string_view house_code) {
  ASSIGN_OR_RETURN(projection::Household * h, core_->Find(house_code));
  if (!h) return std::string();
  return core_->SerializeHousehold(*h);
}

std::string Projector::SerializeArea(std::string_view code) const {
  auto c = projection::ParseAreaCode(code);
  if (!c || !core_->areas().count(*c)) return {};
  return core_->SerializeArea(*c);
}

}  // namespace ledger
