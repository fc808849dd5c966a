// Canonical encoding of projections (schemas/projection.capnp).
//
// Two forms of the same canonical message:
//   * Serialize() output: capnp::canonicalize() words, households with
//     their summaries -- the bytes compared between rebuild and increment;
//   * stored values (`projection` and `snapshots` column families): the
//     canonical words of a household without its summary, or of an area,
//     in Cap'n Proto packed encoding (capnp::writePackedMessage: segment
//     table, then packed words), which drops the many zero bytes.
// Strings are per household, interned in order of first use (see the
// schema's header), so no encoding depends on a Core's interning ids.
#include <capnp/serialize-packed.h>
#include <fmt/format.h>
#include <kj/exception.h>
#include <kj/io.h>

#include <algorithm>

#include "ledger/event_codec.h"
#include "ledger/reasons.h"
#include "projection/projection_internal.h"
#include "schemas/projection.capnp.h"

namespace ledger::projection {
namespace {

// A household's string table: StrId -> index, in order of first use.
class StringTable {
 public:
  explicit StringTable(const Core& core) : core_(core) {}
  uint32_t operator()(StrId id) {
    for (size_t i = 0; i < ids_.size(); ++i) {
      if (ids_[i] == id) return static_cast<uint32_t>(i);
    }
    ids_.push_back(id);
    return static_cast<uint32_t>(ids_.size() - 1);
  }
  void Build(capnp::List<capnp::Text>::Builder out) const {
    for (size_t i = 0; i < ids_.size(); ++i) out.set(static_cast<unsigned>(i), core_.Str(ids_[i]));
  }
  size_t size() const { return ids_.size(); }

 private:
  const Core& core_;
  std::vector<StrId> ids_;
};

template <typename E, typename S>
S ToSchema(E e) {
  return static_cast<S>(static_cast<uint16_t>(e));
}

void BuildRecord(const Record& r, StringTable& strings, schema::HouseholdRecord::Builder b) {
  b.setSeq(r.seq);
  b.setOccurred(r.occurred);
  b.setAgency(strings(r.agency));
  b.setOfficer(strings(r.officer));
  b.setState(ToSchema<RecordState, schema::RecordState>(r.state));
  b.setCorrectedBy(r.corrected_by);
  auto body = b.getBody();
  switch (r.kind) {
    case EventKind::kHouseholdTargeted: {
      const auto& d = std::get<Targeted>(r.data);
      auto g = body.initTargeted();
      g.setSurveyYear(d.survey_year);
      g.setSource(ToSchema<TargetSource, schema::TargetSource>(d.source));
      g.setSubdistrict(d.subdistrict);
      g.setVillage(d.village);
      g.setFailing(d.failing);
      g.setMembers(d.members);
      g.setMemberHashes(d.member_hashes);
      break;
    }
    case EventKind::kHouseholdSelected: {
      const auto& d = std::get<Selected>(r.data);
      auto g = body.initSelected();
      g.setProgramme(strings(d.programme));
      g.setChosen(d.chosen);
      break;
    }
    case EventKind::kMentorAssigned:
      body.initMentorAssigned().setMentor(strings(std::get<MentorChange>(r.data).mentor));
      break;
    case EventKind::kMentorReleased:
      body.initMentorReleased().setMentor(strings(std::get<MentorChange>(r.data).mentor));
      break;
    case EventKind::kHouseholdVisited: {
      const auto& d = std::get<Visited>(r.data);
      auto g = body.initVisited();
      g.setHasGps(d.has_gps);
      g.setEvidence(d.evidence);
      break;
    }
    case EventKind::kProblemsAnalysed:
      body.initAnalysed().setDimensions(std::get<Analysed>(r.data).dimensions);
      break;
    case EventKind::kPlanAgreed: {
      const auto& d = std::get<Planned>(r.data);
      auto list = body.initPlanAgreed().initActions(static_cast<unsigned>(d.actions.size()));
      for (unsigned i = 0; i < d.actions.size(); ++i) {
        const PlanAction& a = d.actions[i];
        auto x = list[i];
        x.setDimension(ToSchema<Dimension, schema::Dimension>(a.dimension));
        x.setIndicator(a.indicator);
        x.setTargetLevel(ToSchema<Level, schema::Level>(a.target_level));
        x.setMenuItem(strings(a.menu_item));
        x.setResponsibleAgency(strings(a.responsible_agency));
        x.setDueDate(a.due);
      }
      break;
    }
    case EventKind::kWelfareRightChecked: {
      const auto& d = std::get<WelfareChecked>(r.data);
      auto g = body.initWelfareChecked();
      g.setRight(ToSchema<WelfareRight, schema::WelfareRight>(d.right));
      g.setResult(ToSchema<WelfareResult, schema::WelfareResult>(d.result));
      break;
    }
    case EventKind::kAssistanceGiven: {
      const auto& d = std::get<Assistance>(r.data);
      auto g = body.initAssistance();
      g.setDimension(ToSchema<Dimension, schema::Dimension>(d.dimension));
      g.setIndicator(d.indicator);
      g.setMenuItem(strings(d.menu_item));
      g.setQuantity(d.quantity);
      g.setValueSatang(d.value_satang);
      g.setPlanAction(d.plan_action);
      g.setHasBeneficiary(d.has_beneficiary);
      break;
    }
    case EventKind::kReferred: {
      const auto& d = std::get<Referral>(r.data);
      auto g = body.initReferred();
      g.setToAgency(strings(d.to_agency));
      g.setDimension(ToSchema<Dimension, schema::Dimension>(d.dimension));
      break;
    }
    case EventKind::kIndicatorResolved:
      body.initResolved().setIndicator(std::get<Resolved>(r.data).indicator);
      break;
    case EventKind::kLevelAssessed:
      body.initAssessed().setLevel(ToSchema<Level, schema::Level>(std::get<Assessed>(r.data).level));
      break;
    case EventKind::kHouseholdExited:
      body.initExited().setReason(ToSchema<ExitReason, schema::ExitReason>(std::get<Exited>(r.data).reason));
      break;
    case EventKind::kCorrection: {
      const auto& d = std::get<CorrectionOf>(r.data);
      auto g = body.initCorrection();
      g.setCorrectedSeq(d.corrected_seq);
      g.setIsVoid(d.is_void);
      break;
    }
    default:
      break;
  }
}

void BuildSummary(const Summary& s, StringTable& strings, schema::HouseholdSummary::Builder b) {
  b.setTargeted(s.targeted);
  b.setSubdistrict(s.subdistrict);
  b.setVillage(s.village);
  b.setFailing(s.failing);
  b.setResolved(s.resolved);
  b.setHasLevel(s.has_level);
  b.setLevel(ToSchema<Level, schema::Level>(s.level));
  b.setLevelSeq(s.level_seq);
  b.setLevelDate(s.level_date);
  auto mentors = b.initMentors(static_cast<unsigned>(s.mentors.size()));
  for (unsigned i = 0; i < s.mentors.size(); ++i) mentors.set(i, strings(s.mentors[i]));
  b.setPlans(s.plans);
  auto actions = b.initPlanActions(static_cast<unsigned>(s.plan_actions.size()));
  for (unsigned i = 0; i < s.plan_actions.size(); ++i) {
    actions[i].setPlanSeq(s.plan_actions[i].plan_seq);
    actions[i].setVoided(s.plan_actions[i].voided);
    actions[i].setDone(s.plan_actions[i].done);
    actions[i].setDoneSeq(s.plan_actions[i].done_seq);
  }
  b.setHelpCount(s.help_count);
  b.setHelpSatang(s.help_satang);
  auto help = b.initHelp(static_cast<unsigned>(s.help.size()));
  for (unsigned i = 0; i < s.help.size(); ++i) {
    help[i].setAgency(strings(s.help[i].agency));
    help[i].setDimension(ToSchema<Dimension, schema::Dimension>(s.help[i].dimension));
    help[i].setCount(s.help[i].count);
    help[i].setSatang(s.help[i].satang);
  }
  b.setVisits(s.visits);
  b.setLastVisitSeq(s.last_visit_seq);
  b.setLastVisitDate(s.last_visit_date);
  b.setWelfareChecks(s.welfare_checks);
  b.setReferrals(s.referrals);
  b.setAnalyses(s.analyses);
  b.setSelections(s.selections);
  auto corrections = b.initCorrections(static_cast<unsigned>(s.corrections.size()));
  for (unsigned i = 0; i < s.corrections.size(); ++i) {
    corrections[i].setSeq(s.corrections[i].seq);
    corrections[i].setCorrectedSeq(s.corrections[i].corrected_seq);
    corrections[i].setIsVoid(s.corrections[i].is_void);
  }
  b.setExited(s.exited);
  b.setExitReason(ToSchema<ExitReason, schema::ExitReason>(s.exit_reason));
  b.setExitSeq(s.exit_seq);
}

void BuildHousehold(const Core& core, const Household& h, bool with_summary, schema::HouseholdState::Builder b) {
  StringTable strings(core);
  b.setHouseCode(h.code);
  b.setLatestSeq(h.latest_seq);
  b.setLatestHash(capnp::Data::Reader(h.latest_hash.data(), h.latest_hash.size()));
  auto records = b.initRecords(static_cast<unsigned>(h.records.size()));
  for (unsigned i = 0; i < h.records.size(); ++i) BuildRecord(h.records[i], strings, records[i]);
  if (with_summary) BuildSummary(h.summary, strings, b.initSummary());
  strings.Build(b.initStrings(static_cast<unsigned>(strings.size())));
}

void BuildMoney(const std::array<MoneyTotal, kDimensionCount>& m, capnp::List<schema::MoneyTotal>::Builder out) {
  for (unsigned d = 0; d < kDimensionCount; ++d) {
    out[d].setCount(m[d].count);
    out[d].setSatang(m[d].satang);
  }
}

void BuildArea(const Core& core, uint32_t code, const AreaTotals& a, schema::AreaState::Builder b) {
  b.setCode(AreaCodeString(code));
  b.setTargeted(static_cast<uint64_t>(a.targeted));
  b.setWithMentor(static_cast<uint64_t>(a.with_mentor));
  b.setWithPlan(static_cast<uint64_t>(a.with_plan));
  b.setHelped(static_cast<uint64_t>(a.helped));
  b.setExited(static_cast<uint64_t>(a.exited));
  b.setSurvive(static_cast<uint64_t>(a.levels[0]));
  b.setSufficient(static_cast<uint64_t>(a.levels[1]));
  b.setSustainable(static_cast<uint64_t>(a.levels[2]));
  b.setIndicatorsFailing(static_cast<uint64_t>(a.failing));
  b.setIndicatorsResolved(static_cast<uint64_t>(a.resolved));
  BuildMoney(a.by_dimension, b.initHelpByDimension(kDimensionCount));
  std::vector<std::pair<std::string_view, const std::array<MoneyTotal, kDimensionCount>*>> agencies;
  for (const auto& [id, dims] : a.by_agency) agencies.emplace_back(core.Str(id), &dims);
  std::sort(agencies.begin(), agencies.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  auto list = b.initHelpByAgency(static_cast<unsigned>(agencies.size()));
  for (unsigned i = 0; i < agencies.size(); ++i) {
    list[i].setAgency(std::string(agencies[i].first));
    BuildMoney(*agencies[i].second, list[i].initByDimension(kDimensionCount));
  }
}

std::vector<uint32_t> SortedAreaCodes(const std::unordered_map<uint32_t, AreaTotals>& areas) {
  std::vector<std::pair<std::string, uint32_t>> codes;
  codes.reserve(areas.size());
  for (const auto& [code, a] : areas) codes.emplace_back(AreaCodeString(code), code);
  std::sort(codes.begin(), codes.end());
  std::vector<uint32_t> out;
  out.reserve(codes.size());
  for (auto& c : codes) out.push_back(c.second);
  return out;
}

template <typename Reader>
std::string PackedCanonical(Reader reader) {
  kj::Array<capnp::word> words = capnp::canonicalize(reader);
  kj::ArrayPtr<const capnp::word> segments[1] = {words.asPtr()};
  kj::VectorOutputStream out(words.size() * sizeof(capnp::word) / 2 + 16);
  capnp::writePackedMessage(out, kj::arrayPtr(segments, 1));
  auto bytes = out.getArray();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

// Reads a packed stored value.
template <typename T, typename F>
auto WithPacked(std::string_view bytes, F&& f) -> decltype(f(std::declval<typename T::Reader>())) {
  kj::ArrayInputStream in(kj::ArrayPtr<const kj::byte>(reinterpret_cast<const kj::byte*>(bytes.data()), bytes.size()));
  capnp::PackedMessageReader reader(in, UntrustedReaderOptions());
  return f(reader.getRoot<T>());
}

template <typename E, typename S>
E FromSchema(S s, int count, E fallback) {
  auto raw = static_cast<uint16_t>(s);
  return raw < count ? static_cast<E>(raw) : fallback;
}

MoneyTotal ReadMoney(schema::MoneyTotal::Reader m) { return {m.getCount(), m.getSatang()}; }

}  // namespace

std::string Core::SerializeHousehold(const Household& h) const {
  capnp::MallocMessageBuilder msg(256);
  BuildHousehold(*this, h, /*with_summary=*/true, msg.initRoot<schema::HouseholdState>());
  return CanonicalBytes(msg.getRoot<schema::HouseholdState>().asReader());
}

std::string Core::StoredHousehold(const Household& h) const {
  capnp::MallocMessageBuilder msg(256);
  BuildHousehold(*this, h, /*with_summary=*/false, msg.initRoot<schema::HouseholdState>());
  return PackedCanonical(msg.getRoot<schema::HouseholdState>().asReader());
}

StatusOr<Household*> Core::AdoptStoredHousehold(std::string_view bytes) {
  try {
    return WithPacked<schema::HouseholdState>(bytes, [&](schema::HouseholdState::Reader st) -> StatusOr<Household*> {
      std::vector<StrId> ids;
      for (auto s : st.getStrings()) ids.push_back(Intern(std::string_view(s.cStr(), s.size())));
      auto str = [&](uint32_t i) -> StatusOr<StrId> {
        if (i >= ids.size()) return DataLossError("projection: string index out of range", reason::kBadProjection);
        return ids[i];
      };
      Household h;
      h.code = st.getHouseCode();
      h.latest_seq = st.getLatestSeq();
      auto hash = st.getLatestHash();
      if (hash.size() != h.latest_hash.size()) {
        return DataLossError("projection: household " + h.code + ": latestHash is not 32 bytes", reason::kBadProjection);
      }
      std::copy(hash.begin(), hash.end(), h.latest_hash.begin());
      h.records.reserve(st.getRecords().size());
      for (auto rr : st.getRecords()) {
        Record r;
        r.seq = rr.getSeq();
        r.occurred = rr.getOccurred();
        ASSIGN_OR_RETURN(r.agency, str(rr.getAgency()));
        ASSIGN_OR_RETURN(r.officer, str(rr.getOfficer()));
        r.state = FromSchema(rr.getState(), 3, RecordState::kOriginal);
        r.corrected_by = rr.getCorrectedBy();
        auto body = rr.getBody();
        using B = schema::HouseholdRecord::Body;
        switch (body.which()) {
          case B::TARGETED: {
            auto g = body.getTargeted();
            Targeted d;
            d.survey_year = g.getSurveyYear();
            d.source = FromSchema(g.getSource(), kTargetSourceCount, TargetSource::kTpmap);
            d.subdistrict = g.getSubdistrict();
            d.village = g.getVillage();
            d.failing = g.getFailing();
            d.members = g.getMembers();
            d.member_hashes = g.getMemberHashes();
            r.kind = EventKind::kHouseholdTargeted;
            r.data = d;
            break;
          }
          case B::SELECTED: {
            Selected d;
            ASSIGN_OR_RETURN(d.programme, str(body.getSelected().getProgramme()));
            d.chosen = body.getSelected().getChosen();
            r.kind = EventKind::kHouseholdSelected;
            r.data = d;
            break;
          }
          case B::MENTOR_ASSIGNED: {
            MentorChange d;
            ASSIGN_OR_RETURN(d.mentor, str(body.getMentorAssigned().getMentor()));
            r.kind = EventKind::kMentorAssigned;
            r.data = d;
            break;
          }
          case B::MENTOR_RELEASED: {
            MentorChange d;
            ASSIGN_OR_RETURN(d.mentor, str(body.getMentorReleased().getMentor()));
            r.kind = EventKind::kMentorReleased;
            r.data = d;
            break;
          }
          case B::VISITED:
            r.kind = EventKind::kHouseholdVisited;
            r.data = Visited{body.getVisited().getHasGps(), body.getVisited().getEvidence()};
            break;
          case B::ANALYSED:
            r.kind = EventKind::kProblemsAnalysed;
            r.data = Analysed{body.getAnalysed().getDimensions()};
            break;
          case B::PLAN_AGREED: {
            Planned d;
            for (auto x : body.getPlanAgreed().getActions()) {
              PlanAction a;
              a.dimension = FromSchema(x.getDimension(), kDimensionCount, Dimension::kHealth);
              a.indicator = x.getIndicator();
              a.target_level = FromSchema(x.getTargetLevel(), kLevelCount, Level::kSurvive);
              ASSIGN_OR_RETURN(a.menu_item, str(x.getMenuItem()));
              ASSIGN_OR_RETURN(a.responsible_agency, str(x.getResponsibleAgency()));
              a.due = x.getDueDate();
              d.actions.push_back(a);
            }
            r.kind = EventKind::kPlanAgreed;
            r.data = std::move(d);
            break;
          }
          case B::WELFARE_CHECKED:
            r.kind = EventKind::kWelfareRightChecked;
            r.data = WelfareChecked{
                FromSchema(body.getWelfareChecked().getRight(), kWelfareRightCount, WelfareRight::kElderly),
                FromSchema(body.getWelfareChecked().getResult(), kWelfareResultCount,
                           WelfareResult::kAlreadyReceiving)};
            break;
          case B::ASSISTANCE: {
            auto g = body.getAssistance();
            Assistance d;
            d.dimension = FromSchema(g.getDimension(), kDimensionCount, Dimension::kHealth);
            d.indicator = g.getIndicator();
            d.has_beneficiary = g.getHasBeneficiary();
            ASSIGN_OR_RETURN(d.menu_item, str(g.getMenuItem()));
            d.quantity = g.getQuantity();
            d.plan_action = g.getPlanAction();
            d.value_satang = g.getValueSatang();
            r.kind = EventKind::kAssistanceGiven;
            r.data = d;
            break;
          }
          case B::REFERRED: {
            Referral d;
            ASSIGN_OR_RETURN(d.to_agency, str(body.getReferred().getToAgency()));
            d.dimension = FromSchema(body.getReferred().getDimension(), kDimensionCount, Dimension::kHealth);
            r.kind = EventKind::kReferred;
            r.data = d;
            break;
          }
          case B::RESOLVED:
            r.kind = EventKind::kIndicatorResolved;
            r.data = Resolved{body.getResolved().getIndicator()};
            break;
          case B::ASSESSED:
            r.kind = EventKind::kLevelAssessed;
            r.data = Assessed{FromSchema(body.getAssessed().getLevel(), kLevelCount, Level::kSurvive)};
            break;
          case B::EXITED:
            r.kind = EventKind::kHouseholdExited;
            r.data = Exited{FromSchema(body.getExited().getReason(), kExitReasonCount, ExitReason::kGraduated)};
            break;
          case B::CORRECTION:
            r.kind = EventKind::kCorrection;
            r.data = CorrectionOf{body.getCorrection().getCorrectedSeq(), body.getCorrection().getIsVoid()};
            break;
          default:
            return DataLossError("projection: household " + h.code + ": unknown record kind", reason::kBadProjection);
        }
        if (!h.records.empty() && h.records.back().seq >= r.seq) {
          return DataLossError("projection: household " + h.code + ": records out of order", reason::kBadProjection);
        }
        h.records.push_back(std::move(r));
      }
      Refold(h);
      Household* slot = Loaded(h.code);
      if (!slot) slot = &NewHousehold(h.code);
      *slot = std::move(h);
      return slot;
    });
  } catch (const kj::Exception& e) {
    return DataLossError(std::string("projection: malformed household: ") + e.getDescription().cStr(),
                         reason::kBadProjection);
  }
}

std::string Core::SerializeArea(uint32_t code) const {
  capnp::MallocMessageBuilder msg(128);
  auto it = areas_.find(code);
  BuildArea(*this, code, it == areas_.end() ? AreaTotals() : it->second, msg.initRoot<schema::AreaState>());
  return CanonicalBytes(msg.getRoot<schema::AreaState>().asReader());
}

std::string Core::StoredArea(uint32_t code) const {
  capnp::MallocMessageBuilder msg(128);
  auto it = areas_.find(code);
  BuildArea(*this, code, it == areas_.end() ? AreaTotals() : it->second, msg.initRoot<schema::AreaState>());
  return PackedCanonical(msg.getRoot<schema::AreaState>().asReader());
}

namespace {
StatusOr<std::pair<uint32_t, AreaTotals>> ReadArea(Core& core, schema::AreaState::Reader a) {
  auto code = ParseAreaCode(a.getCode().cStr());
  if (!code) return DataLossError(fmt::format("projection: bad area code '{}'", a.getCode().cStr()), reason::kBadProjection);
  AreaTotals t;
  t.targeted = static_cast<int64_t>(a.getTargeted());
  t.with_mentor = static_cast<int64_t>(a.getWithMentor());
  t.with_plan = static_cast<int64_t>(a.getWithPlan());
  t.helped = static_cast<int64_t>(a.getHelped());
  t.exited = static_cast<int64_t>(a.getExited());
  t.levels = {static_cast<int64_t>(a.getSurvive()), static_cast<int64_t>(a.getSufficient()),
              static_cast<int64_t>(a.getSustainable())};
  t.failing = static_cast<int64_t>(a.getIndicatorsFailing());
  t.resolved = static_cast<int64_t>(a.getIndicatorsResolved());
  auto dims = a.getHelpByDimension();
  for (unsigned d = 0; d < kDimensionCount && d < dims.size(); ++d) t.by_dimension[d] = ReadMoney(dims[d]);
  for (auto ag : a.getHelpByAgency()) {
    auto& per = t.by_agency.emplace_back(core.Intern(std::string_view(ag.getAgency().cStr(), ag.getAgency().size())),
                                         std::array<MoneyTotal, kDimensionCount>{})
                    .second;
    auto bd = ag.getByDimension();
    for (unsigned d = 0; d < kDimensionCount && d < bd.size(); ++d) per[d] = ReadMoney(bd[d]);
  }
  return std::make_pair(*code, std::move(t));
}
}  // namespace

Status Core::AdoptStoredArea(std::string_view bytes) {
  try {
    return WithPacked<schema::AreaState>(bytes, [&](schema::AreaState::Reader a) -> Status {
      ASSIGN_OR_RETURN(auto area, ReadArea(*this, a));
      areas_[area.first] = std::move(area.second);
      return OkStatus();
    });
  } catch (const kj::Exception& e) {
    return DataLossError(std::string("projection: malformed area: ") + e.getDescription().cStr(), reason::kBadProjection);
  }
}

std::string Core::StoredAreaSet() const {
  capnp::MallocMessageBuilder msg(4096);
  auto codes = SortedAreaCodes(areas_);
  auto list = msg.initRoot<schema::AreaSet>().initAreas(static_cast<unsigned>(codes.size()));
  for (unsigned i = 0; i < codes.size(); ++i) BuildArea(*this, codes[i], areas_.at(codes[i]), list[i]);
  return PackedCanonical(msg.getRoot<schema::AreaSet>().asReader());
}

Status Core::AdoptStoredAreaSet(std::string_view bytes) {
  try {
    return WithPacked<schema::AreaSet>(bytes, [&](schema::AreaSet::Reader set) -> Status {
      areas_.clear();
      for (auto a : set.getAreas()) {
        ASSIGN_OR_RETURN(auto area, ReadArea(*this, a));
        areas_[area.first] = std::move(area.second);
      }
      return OkStatus();
    });
  } catch (const kj::Exception& e) {
    return DataLossError(std::string("projection: malformed area set: ") + e.getDescription().cStr(),
                         reason::kBadProjection);
  }
}

std::string Core::SerializeAll() const {
  capnp::MallocMessageBuilder msg(1 << 16);
  auto root = msg.initRoot<schema::ProjectionState>();
  root.setApplied(applied_);
  root.setMaxRecordedAt(max_recorded_at_);
  std::vector<const Household*> hs;
  hs.reserve(household_count());
  ForEachHousehold([&](const Household& h) { hs.push_back(&h); });
  std::sort(hs.begin(), hs.end(), [](const Household* a, const Household* b) { return a->code < b->code; });
  auto list = root.initHouseholds(static_cast<unsigned>(hs.size()));
  for (unsigned i = 0; i < hs.size(); ++i) BuildHousehold(*this, *hs[i], /*with_summary=*/true, list[i]);
  auto codes = SortedAreaCodes(areas_);
  auto areas = root.initAreas(static_cast<unsigned>(codes.size()));
  for (unsigned i = 0; i < codes.size(); ++i) BuildArea(*this, codes[i], areas_.at(codes[i]), areas[i]);
  return CanonicalBytes(root.asReader());
}

}  // namespace ledger::projection

namespace ledger {

StatusOr<std::string> Projector::Serialize() {
  RETURN_IF_ERROR(core_->LoadAll());
  return core_->SerializeAll();
}

StatusOr<std::vector<std::string>> Projector::HouseholdCodes() {
  RETURN_IF_ERROR(core_->LoadAll());
  std::vector<std::string> codes;
  codes.reserve(core_->household_count());
  core_->ForEachHousehold([&](const projection::Household& h) { codes.push_back(h.code); });
  std::sort(codes.begin(), codes.end());
  return codes;
}

}  // namespace ledger
