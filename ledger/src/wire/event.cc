#include "ledger/event.h"

#include <fmt/format.h>
#include <kj/exception.h>

#include <array>

#include "ledger/event_codec.h"
#include "ledger/reasons.h"

namespace ledger {
namespace {

constexpr std::array<std::string_view, kEventKindCount> kKindNames = {
    "AgencyRegistered",    "OfficerRegistered", "OfficerKeyRevoked", "HouseholdTargeted",
    "HouseholdSelected",   "MentorAssigned",    "MentorReleased",    "HouseholdVisited",
    "ProblemsAnalysed",    "PlanAgreed",        "WelfareRightChecked", "AssistanceGiven",
    "Referred",            "IndicatorResolved", "LevelAssessed",     "HouseholdExited",
    "Correction",
};

std::string DataToString(capnp::Data::Reader d) {
  return std::string(reinterpret_cast<const char*>(d.begin()), d.size());
}

}  // namespace

std::string_view EventKindName(EventKind kind) {
  auto i = static_cast<size_t>(kind);
  return i < kKindNames.size() ? kKindNames[i] : std::string_view("Unknown");
}

std::optional<EventKind> EventKindFromName(std::string_view name) {
  for (size_t i = 0; i < kKindNames.size(); ++i) {
    if (kKindNames[i] == name) return static_cast<EventKind>(i);
  }
  return std::nullopt;
}

std::string FormatDate(const CivilDate& d) {
  return fmt::format("{:04d}-{:02d}-{:02d}", d.year, d.month, d.day);
}

capnp::ReaderOptions UntrustedReaderOptions() {
  capnp::ReaderOptions o;
  o.traversalLimitInWords = kTraversalLimitWords;
  o.nestingLimit = kNestingLimit;
  return o;
}

std::string SignBody(schema::EventBody::Reader body, const PrivateKey& key) {
  std::string canonical = CanonicalBytes(body);
  std::string sig = key.Sign(canonical);
  capnp::MallocMessageBuilder msg;
  auto signed_body = msg.initRoot<schema::SignedBody>();
  signed_body.setBody(body);
  signed_body.setSignature(capnp::Data::Reader(reinterpret_cast<const uint8_t*>(sig.data()), sig.size()));
  auto words = capnp::messageToFlatArray(msg);
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

std::string RegistrySubject(schema::Payload::Reader payload) {
  switch (payload.which()) {
    case schema::Payload::AGENCY_REGISTERED: return payload.getAgencyRegistered().getCode();
    case schema::Payload::OFFICER_REGISTERED: return payload.getOfficerRegistered().getOfficerId();
    case schema::Payload::OFFICER_KEY_REVOKED: return payload.getOfficerKeyRevoked().getOfficerId();
    default: return {};
  }
}

StatusOr<MessageBytes> MessageBytes::Parse(std::string_view bytes, bool framed) {
  if (bytes.size() % sizeof(capnp::word) != 0) {
    return InvalidArgumentError(fmt::format("message of {} bytes is not a whole number of words", bytes.size()),
                                reason::kMalformedMessage);
  }
  if (bytes.empty()) return InvalidArgumentError("empty message", reason::kMalformedMessage);
  MessageBytes m;
  m.words_ = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
  memcpy(m.words_.begin(), bytes.data(), bytes.size());
  try {
    if (framed) {
      m.reader_ = kj::heap<capnp::FlatArrayMessageReader>(m.words_.asPtr(), UntrustedReaderOptions());
    } else {
      m.segments_ = kj::heapArray<kj::ArrayPtr<const capnp::word>>(1);
      m.segments_[0] = m.words_.asPtr();
      m.reader_ = kj::heap<capnp::SegmentArrayMessageReader>(m.segments_.asPtr(), UntrustedReaderOptions());
    }
    // Walk the whole message once so that malformed pointers fail here.
    (void)m.reader_->getRoot<capnp::AnyPointer>().targetSize();
  } catch (const kj::Exception& e) {
    return InvalidArgumentError(std::string("malformed Cap'n Proto message: ") + e.getDescription().cStr(),
                                reason::kMalformedMessage);
  }
  return m;
}

StatusOr<EventInfo> DecodeEvent(std::string_view leaf_bytes, bool require_canonical) {
  auto parsed = MessageBytes::Parse(leaf_bytes, /*framed=*/false);
  if (!parsed.ok()) return DataLossError(parsed.status().message());
  try {
    if (require_canonical && !parsed->IsCanonical()) {
      return DataLossError("leaf bytes are not canonical");
    }
    auto env = parsed->Root<schema::Envelope>();
    EventInfo e;
    e.seq = env.getSeq();
    e.recorded_at_ns = env.getRecordedAt();
    auto prev = env.getPrevHash();
    if (prev.size() != 32) return DataLossError("prevHash is not 32 bytes");
    std::copy(prev.begin(), prev.end(), e.prev_hash.begin());
    if (env.getHouseholdPrev().isEvent()) {
      auto link = env.getHouseholdPrev().getEvent();
      e.household_prev_seq = link.getSeq();
      if (link.getHash().size() != 32) return DataLossError("householdPrevHash is not 32 bytes");
      std::copy(link.getHash().begin(), link.getHash().end(), e.household_prev_hash.begin());
    }
    auto sb = env.getSigned();
    auto body = sb.getBody();
    e.household = body.getHousehold();
    e.agency = body.getAgency();
    e.officer = body.getOfficer();
    auto which = static_cast<uint16_t>(body.getPayload().which());
    if (which >= kEventKindCount) return DataLossError("unknown event kind " + std::to_string(which));
    e.kind = static_cast<EventKind>(which);
    auto occ = body.getOccurredAt();
    e.occurred = {occ.getDate().getYear(), occ.getDate().getMonth(), occ.getDate().getDay()};
    e.occurred_minute = occ.getMinuteOfDay();
    e.idempotency_key = DataToString(body.getIdempotencyKey());
    e.body_canonical = CanonicalBytes(body);
    e.signature = DataToString(sb.getSignature());
    e.registry_subject = RegistrySubject(body.getPayload());
    if (env.hasHeadsRoot()) {
      auto root = env.getHeadsRoot();
      if (root.size() != 32) return DataLossError("headsRoot is not 32 bytes");
      Hash h;
      std::copy(root.begin(), root.end(), h.begin());
      e.heads_root = h;
    }
    return e;
  } catch (const kj::Exception& ex) {
    return DataLossError(std::string("malformed envelope: ") + ex.getDescription().cStr());
  }
}

}  // namespace ledger
