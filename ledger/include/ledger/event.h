// Decoded view of a stored event (an Envelope's leaf bytes), for code that
// does not want the Cap'n Proto generated headers.
//
//   ASSIGN_OR_RETURN(EventInfo e, DecodeEvent(leaf_bytes));
//   std::cout << e.seq << " " << EventKindName(e.kind) << " " << e.household;
//
// Leaf bytes are the canonical Cap'n Proto encoding of schema::Envelope
// (one segment, no segment table; see docs/formats.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ledger/bytes.h"
#include "ledger/status.h"

namespace ledger {

// The payload union's ordinals (contract: never renumbered).
enum class EventKind : uint16_t {
  kAgencyRegistered = 0,
  kOfficerRegistered = 1,
  kOfficerKeyRevoked = 2,
  kHouseholdTargeted = 3,
  kHouseholdSelected = 4,
  kMentorAssigned = 5,
  kMentorReleased = 6,
  kHouseholdVisited = 7,
  kProblemsAnalysed = 8,
  kPlanAgreed = 9,
  kWelfareRightChecked = 10,
  kAssistanceGiven = 11,
  kReferred = 12,
  kIndicatorResolved = 13,
  kLevelAssessed = 14,
  kHouseholdExited = 15,
  kCorrection = 16,
  kMenuPublished = 17,
};
inline constexpr int kEventKindCount = 18;

// The catalogue name, e.g. "AssistanceGiven".
std::string_view EventKindName(EventKind kind);
std::optional<EventKind> EventKindFromName(std::string_view name);

struct CivilDate {
  int year = 1970;  // CE
  int month = 1;
  int day = 1;
  friend auto operator<=>(const CivilDate&, const CivilDate&) = default;
};
// "2022-09-30"
std::string FormatDate(const CivilDate& d);

// What places a stored event in the log, as its envelope records it: the
// fields every reader of stored events checks (sizes checked on decode).
struct EventLinks {
  uint64_t seq = 0;
  int64_t recorded_at_ns = 0;
  Hash prev_hash{};
  std::optional<uint64_t> household_prev_seq;
  Hash household_prev_hash{};
  EventKind kind = EventKind::kAgencyRegistered;
  // Envelope.headsRoot: set on the last event of a group commit (docs/formats.md §7).
  std::optional<Hash> heads_root;
};

struct EventInfo : EventLinks {
  std::string household;
  std::string agency;
  std::string officer;
  CivilDate occurred;
  int occurred_minute = -1;      // minute of day, -1 if not given
  std::string idempotency_key;
  std::string body_canonical;    // canonical bytes of the EventBody (what was signed)
  std::string signature;
  // AgencyRegistered: the agency's code; OfficerRegistered, OfficerKeyRevoked:
  // the officer's id; "" for every other kind (the entity a registry event is about).
  std::string registry_subject;
};

// Parses leaf bytes with traversal and nesting limits. Fails with DataLoss
// on bytes that are not a well-formed (canonical, if `require_canonical`)
// Envelope.
StatusOr<EventInfo> DecodeEvent(std::string_view leaf_bytes, bool require_canonical = true);

}  // namespace ledger
