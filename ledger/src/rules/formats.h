// The reader form of CheckEventFormats (ledger/field_formats.h), for the
// domain rules (rules.cc), which check it first.
#pragma once

#include "ledger/field_formats.h"
#include "schemas/ledger.capnp.h"

namespace ledger {

Status CheckFormats(schema::EventBody::Reader body, const ReferenceData& ref);

// Registry kinds (no household): AgencyRegistered, OfficerRegistered,
// OfficerKeyRevoked, MenuPublished.
bool IsHouseholdKind(schema::Payload::Which w);

}  // namespace ledger
