// Events as JSON: the `ledger-replay export --format jsonl` object
// (DESIGN.md §8, contract) and its inverse for `ledger append` (JSON in).
//
//   ASSIGN_OR_RETURN(nlohmann::json j, EventToJson(leaf_bytes));
//   std::cout << j.dump() << "\n";
//
//   ASSIGN_OR_RETURN(std::string body, BodyFromJson(j));        // unsigned EventBody
//   ASSIGN_OR_RETURN(std::string wire, SignBodyBytes(body, officer_key));
//   ledger->Append({wire});
//
// Shape (one flat object per event; docs/formats.md has the full grammar):
//
//   seq                 integer
//   kind                catalogue name, e.g. "AssistanceGiven"
//   household, agency, officer   text ("" when absent)
//   occurred_at         "YYYY-MM-DD" (Asia/Bangkok calendar date)
//   occurred_time       "HH:MM", only when a time of day was given
//   recorded_at         "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" (UTC)
//   recorded_at_ns      integer, ns since the Unix epoch
//   leaf_hash, prev_hash                 64 hex digits
//   household_prev_seq, household_prev_hash   integer / hex, or null
//   idempotency_key, signature           hex
//   <payload fields>    every field of the kind's payload struct, named as in
//                       schemas/ledger.capnp converted to snake_case
//                       (memberIdHashes -> member_id_hashes)
//
// Payload values: Text as strings; Data as lowercase hex; integers as JSON
// integers (money is `value_satang`, never a float); Bool as true/false;
// enums as their enumerant name in snake_case ("welfare_card",
// "programme_selection"); lists as arrays; structs (plan actions, findings,
// scores, GPS points) as nested objects; a Date field as "YYYY-MM-DD".
// A union group is the name of its active member when that member is Void
// ("location": "none", "action": "void"), otherwise an object holding the
// active member ("location": {"gps": {...}}, "action": {"replacement": {...}}).
// A nested Payload (a correction's replacement) is an object with its own
// "kind" and its fields.
//
// A payload field whose name is one of the envelope keys above is written as
// "payload_<name>" (today: `agency` of OfficerRegistered and
// OfficerKeyRevoked, which appears as "payload_agency").
//
// The conversion walks the schema with Cap'n Proto's dynamic API, so fields
// added to schemas/ledger.capnp appear without changes here.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "ledger/calendar.h"
#include "ledger/crypto.h"
#include "ledger/status.h"

namespace ledger {

// Leaf bytes (canonical Envelope) -> the export object. DataLoss when the
// bytes are not a well-formed canonical Envelope.
StatusOr<nlohmann::json> EventToJson(std::string_view leaf_bytes);

// FormatTimestampNs (the recorded_at text) is in ledger/calendar.h.

// Builds an unsigned EventBody from the object above and returns its
// canonical bytes (what the officer signs). Reads `kind`, `household`,
// `agency`, `officer`, `occurred_at`, `occurred_time` (optional),
// `idempotency_key` (optional: 16 random bytes when absent) and the payload
// fields of `kind`; payload fields left out take their schema defaults.
// Empty strings, hex and arrays leave their field unset (JSON cannot tell
// the two apart, and every reader reads an unset one as empty).
// The envelope keys the server sets (seq, recorded_at, recorded_at_ns,
// leaf_hash, prev_hash, household_prev_seq, household_prev_hash, signature)
// are ignored, so an exported object is accepted as it is. Any other key
// fails with InvalidArgument (reason "BAD_JSON") naming it, as does a value
// of the wrong type or out of range.
StatusOr<std::string> BodyFromJson(const nlohmann::json& event);

// Signs canonical EventBody bytes (as from BodyFromJson) and returns the
// SignedBody message (standard framing) that Ledger::Append takes.
// InvalidArgument when `body_canonical` is not a canonical EventBody.
StatusOr<std::string> SignBodyBytes(std::string_view body_canonical, const PrivateKey& key);

}  // namespace ledger
