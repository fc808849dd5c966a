#include "ledger/event.h"

#include <fmt/format.h>
#include <kj/exception.h>

#include <array>

#include "ledger/event_codec.h"
#include "ledger/event_names_th.h"
#include "ledger/reasons.h"

namespace ledger {
namespace {

// Each kind's catalogue name and the name Thai reports give it, by ordinal.
struct KindNames {
  std::string_view name, name_th;
};
constexpr std::array<KindNames, kEventKindCount> kKindNames = {{
    {"AgencyRegistered", "ลงทะเบียนหน่วยงาน"},
    {"OfficerRegistered", "ลงทะเบียนเจ้าหน้าที่"},
    {"OfficerKeyRevoked", "เพิกถอนกุญแจเจ้าหน้าที่"},
    {"HouseholdTargeted", "ระบุครัวเรือนเป้าหมาย"},
    {"HouseholdSelected", "คัดเลือกเข้าโครงการ"},
    {"MentorAssigned", "มอบหมายพี่เลี้ยง"},
    {"MentorReleased", "สิ้นสุดการเป็นพี่เลี้ยง"},
    {"HouseholdVisited", "เยี่ยมบ้าน"},
    {"ProblemsAnalysed", "วิเคราะห์ปัญหา"},
    {"PlanAgreed", "ตกลงแผนพัฒนาครัวเรือน"},
    {"WelfareRightChecked", "ตรวจสอบสิทธิสวัสดิการ"},
    {"AssistanceGiven", "ให้ความช่วยเหลือ"},
    {"Referred", "ส่งต่อหน่วยงาน"},
    {"IndicatorResolved", "แก้ไขตัวชี้วัดสำเร็จ"},
    {"LevelAssessed", "ประเมินระดับ"},
    {"HouseholdExited", "ออกจากการดูแล"},
    {"Correction", "แก้ไขรายการ"},
    {"MenuPublished", "ประกาศเมนูแก้จน"},
}};

std::string DataToString(capnp::Data::Reader d) {
  return std::string(reinterpret_cast<const char*>(d.begin()), d.size());
}

}  // namespace

std::string_view EventKindName(EventKind kind) {
  auto i = static_cast<size_t>(kind);
  return i < kKindNames.size() ? kKindNames[i].name : std::string_view("Unknown");
}

std::string_view EventKindNameTh(EventKind kind) {
  auto i = static_cast<size_t>(kind);
  return i < kKindNames.size() ? kKindNames[i].name_th : std::string_view("ไม่ทราบชนิด");
}

std::optional<EventKind> EventKindFromName(std::string_view name) {
  for (size_t i = 0; i < kKindNames.size(); ++i) {
    if (kKindNames[i].name == name) return static_cast<EventKind>(i);
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
  EventInfo e;
  RETURN_IF_ERROR(WithLeaf(leaf_bytes, require_canonical ? LeafCheck::kCanonical : LeafCheck::kAny,
                           [&](schema::Envelope::Reader env) {
                             RETURN_IF_ERROR(ReadEventLinks(env, &e));
                             auto sb = env.getSigned();
                             auto body = sb.getBody();
                             e.household = body.getHousehold();
                             e.agency = body.getAgency();
                             e.officer = body.getOfficer();
                             auto occ = body.getOccurredAt();
                             e.occurred = {occ.getDate().getYear(), occ.getDate().getMonth(), occ.getDate().getDay()};
                             e.occurred_minute = occ.getMinuteOfDay();
                             e.idempotency_key = DataToString(body.getIdempotencyKey());
                             e.body_canonical = CanonicalBytes(body);
                             e.signature = DataToString(sb.getSignature());
                             e.registry_subject = RegistrySubject(body.getPayload());
                             return OkStatus();
                           }));
  return e;
}

}  // namespace ledger
