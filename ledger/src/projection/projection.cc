// The projection core: events decoded and applied to their households
// (projection_internal.h explains the model; the fold is in
// projection_fold.cc, areas in projection_areas.cc, views in
// projection_view.cc), and the Projector wrapper of projection.h.
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

}  // namespace

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

}  // namespace projection

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
