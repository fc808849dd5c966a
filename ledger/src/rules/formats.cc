// Formats of identifiers and dates (ledger/field_formats.h): the domain
// rules that need no state, shared by the ledger and its clients.
#include "rules/formats.h"

#include <fmt/format.h>
#include <kj/exception.h>

#include "core/digits.h"
#include "ledger/calendar.h"
#include "ledger/event_codec.h"
#include "ledger/reasons.h"

namespace ledger {
namespace {

using P = schema::Payload;

constexpr int kMinEventYearCe = 1950;
constexpr int kMaxEventYearCe = 2400;   // later years are most likely BE years sent as CE
constexpr size_t kKeyedHashSize = 32;

std::string_view Sv(capnp::Text::Reader t) { return {t.cStr(), t.size()}; }
std::string_view Sv(capnp::Data::Reader d) { return {reinterpret_cast<const char*>(d.begin()), d.size()}; }

Status CheckDateField(schema::Date::Reader d, std::string_view field) {
  return CheckEventDate({d.getYear(), d.getMonth(), d.getDay()}, field);
}

Status UnknownArea(std::string_view field, std::string_view code) {
  return InvalidArgumentError(fmt::format("{}: '{}' is not a known DOPA area code", field, code), reason::kUnknownArea);
}

Status CheckTargetedAreas(const ReferenceData& ref, schema::HouseholdTargeted::Reader t, std::string_view household,
                          std::string_view f) {
  if (Sv(t.getHouseCode()) != household) {
    return InvalidArgumentError(fmt::format("{}.houseCode: '{}' differs from the event's household '{}'", f,
                                            Sv(t.getHouseCode()), household),
                                reason::kHouseCodeMismatch);
  }
  std::string_view sub = Sv(t.getSubdistrict());
  if (!IsDigits(sub, 6) || !ref.AreaExists(sub)) return UnknownArea(fmt::format("{}.subdistrict", f), sub);
  if (Sv(t.getDistrict()) != sub.substr(0, 4)) {
    return InvalidArgumentError(fmt::format("{}.district: '{}' is not the district of sub-district {}", f,
                                            Sv(t.getDistrict()), sub),
                                reason::kAreaMismatch);
  }
  if (Sv(t.getProvince()) != sub.substr(0, 2)) {
    return InvalidArgumentError(fmt::format("{}.province: '{}' is not the province of sub-district {}", f,
                                            Sv(t.getProvince()), sub),
                                reason::kAreaMismatch);
  }
  std::string_view village = Sv(t.getVillage());
  if (!village.empty() && (!IsDigits(village, 8) || village.substr(0, 6) != sub || village.substr(6) == "00")) {
    return InvalidArgumentError(
        fmt::format("{}.village: '{}' must be PPDDTTMM within sub-district {} (MM 01..99)", f, village, sub),
        reason::kAreaMismatch);
  }
  auto hashes = t.getMemberIdHashes();
  for (unsigned i = 0; i < hashes.size(); ++i) {
    RETURN_IF_ERROR(CheckIdHash(Sv(hashes[i]), fmt::format("{}.memberIdHashes[{}]", f, i)));
  }
  return OkStatus();
}

// The formats of a payload; `f` prefixes field names ("" or "correction.replacement.").
Status CheckPayloadFormats(const ReferenceData& ref, P::Reader p, std::string_view household, std::string_view f) {
  switch (p.which()) {
    case P::AGENCY_REGISTERED: {
      std::string_view province = Sv(p.getAgencyRegistered().getProvince());
      if (!province.empty() && (province.size() != 2 || !ref.AreaExists(province))) {
        return UnknownArea(fmt::format("{}agencyRegistered.province", f), province);
      }
      return OkStatus();
    }
    case P::OFFICER_REGISTERED: {
      auto areas = p.getOfficerRegistered().getAreas();
      for (unsigned i = 0; i < areas.size(); ++i) {
        RETURN_IF_ERROR(CheckAreaCode(ref, Sv(areas[i]), fmt::format("{}officerRegistered.areas[{}]", f, i)));
      }
      return OkStatus();
    }
    case P::HOUSEHOLD_TARGETED:
      return CheckTargetedAreas(ref, p.getHouseholdTargeted(), household, fmt::format("{}householdTargeted", f));
    case P::PLAN_AGREED: {
      auto actions = p.getPlanAgreed().getActions();
      for (unsigned i = 0; i < actions.size(); ++i) {
        RETURN_IF_ERROR(CheckDateField(actions[i].getDueDate(), fmt::format("{}planAgreed.actions[{}].dueDate", f, i)));
      }
      return OkStatus();
    }
    case P::ASSISTANCE_GIVEN: {
      auto b = p.getAssistanceGiven().getBeneficiary();
      if (b.size() > 0) return CheckIdHash(Sv(b), fmt::format("{}assistanceGiven.beneficiary", f));
      return OkStatus();
    }
    case P::CORRECTION: {
      auto action = p.getCorrection().getAction();
      if (!action.isReplacement() || f.size() > 0) return OkStatus();
      return CheckPayloadFormats(ref, action.getReplacement(), household, "correction.replacement.");
    }
    default:
      return OkStatus();
  }
}

}  // namespace

bool IsHouseholdKind(P::Which w) {
  return w != P::AGENCY_REGISTERED && w != P::OFFICER_REGISTERED && w != P::OFFICER_KEY_REVOKED &&
         w != P::MENU_PUBLISHED;
}

Status CheckHouseCode(std::string_view code, std::string_view field) {
  if (!IsDigits(code, 11)) {
    return InvalidArgumentError(fmt::format("{}: '{}' is not an 11-digit house code", field, code),
                                reason::kBadHouseCode);
  }
  return OkStatus();
}

Status CheckIdHash(std::string_view bytes, std::string_view field) {
  size_t run = 0;
  for (char c : bytes) {
    run = (c >= '0' && c <= '9') ? run + 1 : 0;
    if (run >= 13) {
      return InvalidArgumentError(
          fmt::format("{}: holds a citizen ID in the clear; send HMAC-SHA-256(operator secret, ID) (PDPA)", field),
          reason::kCitizenIdInClear);
    }
  }
  if (bytes.size() != kKeyedHashSize) {
    return InvalidArgumentError(fmt::format("{}: must be a 32-byte keyed hash, got {} bytes", field, bytes.size()),
                                reason::kBadIdHash);
  }
  return OkStatus();
}

Status CheckEventDate(const CivilDate& d, std::string_view field) {
  const int y = d.year;
  constexpr int kBe = kBuddhistEraOffset;
  if (y > kMaxEventYearCe && y - kBe >= kMinEventYearCe && y - kBe <= kMaxEventYearCe) {
    return InvalidArgumentError(
        fmt::format("{}: year {} looks like a Buddhist Era year; dates are CE ({} BE = {} CE)", field, y, y, y - kBe),
        reason::kBadDate);
  }
  if (y < kMinEventYearCe || y > kMaxEventYearCe || !IsValidDate(d)) {
    return InvalidArgumentError(fmt::format("{}: {:04d}-{:02d}-{:02d} is not a valid date", field, y, d.month, d.day),
                                reason::kBadDate);
  }
  return OkStatus();
}

Status CheckAreaCode(const ReferenceData& ref, std::string_view code, std::string_view field) {
  const bool ok = code.size() == 8 ? IsDigits(code, 8) && ref.AreaExists(code.substr(0, 6)) : ref.AreaExists(code);
  return ok ? OkStatus() : UnknownArea(field, code);
}

Status CheckFormats(schema::EventBody::Reader body, const ReferenceData& ref) {
  auto occurred = body.getOccurredAt();
  RETURN_IF_ERROR(CheckDateField(occurred.getDate(), "occurredAt.date"));
  const int minute = occurred.getMinuteOfDay();
  if (minute < -1 || minute > 1439) {
    return InvalidArgumentError(fmt::format("occurredAt.minuteOfDay: {} is not in 0..1439 (or -1)", minute),
                                reason::kBadTime);
  }
  auto p = body.getPayload();
  std::string_view household = Sv(body.getHousehold());
  if (!IsHouseholdKind(p.which())) {
    if (!household.empty()) {
      return InvalidArgumentError("household: must be empty on registry events", reason::kUnexpectedHousehold);
    }
  } else if (household.empty()) {
    return InvalidArgumentError(
        fmt::format("household: required on {} events", EventKindName(static_cast<EventKind>(p.which()))),
        reason::kMissingHousehold);
  } else {
    RETURN_IF_ERROR(CheckHouseCode(household, "household"));
  }
  return CheckPayloadFormats(ref, p, household, "");
}

Status CheckEventFormats(std::string_view body_canonical, const ReferenceData& ref) {
  ASSIGN_OR_RETURN(MessageBytes msg, MessageBytes::Parse(body_canonical, /*framed=*/false));
  try {
    return CheckFormats(msg.Root<schema::EventBody>(), ref);
  } catch (const kj::Exception& e) {
    return InvalidArgumentError(std::string("malformed event: ") + e.getDescription().cStr(),
                                reason::kMalformedMessage);
  }
}

}  // namespace ledger
