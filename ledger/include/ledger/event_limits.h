// Input limits of an event (docs/protocol.md §3.2, docs/operations.md
// "Limits"): how large a signed event may be, how long its texts and lists,
// and that every text is UTF-8. Ledger::Append checks them for every event,
// whoever sends it (ledgerd, ledger-admin, ledger-seed), before the trust
// chain; BodyFromJson and SignBodyBytes (ledger/event_json.h) check them too,
// so `ledger append` refuses an event before sending it.
//
//   if (Status s = CheckEventLimits(signed_body); !s.ok()) ...   // INVALID_ARGUMENT
//
// Each violation is INVALID_ARGUMENT with its own reason, and the message
// names the field ("payload.assistanceGiven.description: 5000 bytes, at most
// 4096"): EVENT_TOO_LARGE, TEXT_TOO_LONG, LIST_TOO_LONG, INVALID_UTF8.
#pragma once

#include <cstddef>
#include <string_view>

#include "ledger/status.h"

namespace ledger {

// A SignedBody as sent (standard framing), like Tessera's cap on entries;
// the canonical EventBody it holds is smaller, the stored leaf (the
// Envelope) at most a few hundred bytes larger.
inline constexpr size_t kMaxEventBytes = 64 * 1024;
// Ids and codes: the envelope's household, agency and officer, agency and
// officer codes, DOPA area codes, house codes, menu items.
inline constexpr size_t kMaxCodeBytes = 64;
// Names and short texts (agency names, programme, committee, purpose, unit,
// and any Text field not listed otherwise): 1 KiB, about 340 Thai letters.
inline constexpr size_t kMaxTextBytes = 1024;
// Free-text notes (reasons, descriptions, the 4T findings, how an indicator
// was verified): 4 KiB.
inline constexpr size_t kMaxNoteBytes = 4096;
// Every list (failing indicators, member id hashes, evidence, areas, plan
// actions, findings, scores, dimensions).
inline constexpr size_t kMaxListItems = 256;

// The byte limit of a Text field by its name in schemas/ledger.capnp
// ("description", "houseCode"): kMaxCodeBytes, kMaxNoteBytes or
// kMaxTextBytes.
size_t TextLimitOf(std::string_view field_name);

// EVENT_TOO_LARGE when a SignedBody of that many bytes (framed) is over
// kMaxEventBytes.
Status CheckEventSize(size_t signed_body_bytes);

// Checks a SignedBody message (standard framing, as Ledger::Append takes
// it): its size, then every text and list of its body. OK when within the
// limits; a message that does not parse is MALFORMED_MESSAGE.
Status CheckEventLimits(std::string_view signed_body);

}  // namespace ledger
