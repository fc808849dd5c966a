// The formats of identifiers and dates in an event, which need no ledger
// state: house codes, citizen-ID hashes, DOPA area codes, dates. One
// implementation, used by the ledger at append (the first of its domain
// rules, docs/domain.md §1) and by clients before they sign or send
// (`ledger append`, `ledger household CODE`), with the same reasons and
// messages naming the field.
//
//   RETURN_IF_ERROR(CheckHouseCode(argv[1], "household"));       // BAD_HOUSE_CODE
//   RETURN_IF_ERROR(CheckEventFormats(body_canonical, ReferenceData::Builtin()));
#pragma once

#include <string_view>

#include "ledger/event.h"
#include "ledger/reference.h"
#include "ledger/status.h"

namespace ledger {

// Exactly 11 digits (รหัสประจำบ้าน). BAD_HOUSE_CODE.
Status CheckHouseCode(std::string_view code, std::string_view field);
// A keyed hash of a citizen ID: 32 bytes, and never a 13-digit run (the ID
// in the clear). CITIZEN_ID_IN_CLEAR, BAD_ID_HASH.
Status CheckIdHash(std::string_view bytes, std::string_view field);
// A valid CE date in 1950..2400 (a year that looks like BE says so). BAD_DATE.
Status CheckEventDate(const CivilDate& d, std::string_view field);
// A known province (2 digits), district (4) or sub-district (6), or a
// village (8) of a known sub-district. UNKNOWN_AREA.
Status CheckAreaCode(const ReferenceData& ref, std::string_view code, std::string_view field);

// Every format above in an event body (canonical EventBody bytes, as
// BodyFromJson returns them): occurredAt, the household (empty on registry
// events, else a house code), the areas of AgencyRegistered,
// OfficerRegistered and HouseholdTargeted (and that the latter's codes nest
// and its houseCode is the household), member and beneficiary hashes, plan
// due dates, in a Correction's replacement too. The first failure, with the
// reason the ledger gives at append.
Status CheckEventFormats(std::string_view body_canonical, const ReferenceData& ref);

}  // namespace ledger
