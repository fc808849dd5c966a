// The inspector's check of an assistance claim (`ledger verify-claim`):
// fetch the event, its inclusion proof and a checkpoint signed by the pinned
// server key; check the officer's signature, that the officer belonged to
// the agency and that the officer's key was registered and not revoked when
// the event was recorded (from the registry events, themselves proven and
// signature-checked); give a verdict with the evidence.
//
//   ClaimVerifier v(client, root_public_key);   // "" : agency registrations unchecked
//   ASSIGN_OR_RETURN(ClaimVerdict by_seq, v.VerifySeq(1234));
//   Claim c{.household = "33010012345", .agency = "PHO-33", .menu_item = "H-07",
//           .date = CivilDate{2022, 3, 15}};
//   ASSIGN_OR_RETURN(ClaimVerdict verdict, v.VerifyClaim(c));
//   if (verdict.result == ClaimResult::kMismatch) print(verdict.field, verdict.message);
//
// Errors (StatusOr failure) are reserved for what stops the check itself:
// no connection, or a server whose answers do not verify (DATA_LOSS). A
// claim that is not in the log, or that differs from it, is a verdict.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ledger/event.h"
#include "ledger/net/client.h"

namespace ledger::net {

struct Claim {
  std::string household;
  std::string agency;
  std::string menu_item;           // "" : any item
  std::optional<CivilDate> date;   // occurredAt date; nullopt : any date
  std::string officer;             // "" : any officer
};

enum class ClaimResult { kVerified, kNotFound, kMismatch };
std::string_view ClaimResultName(ClaimResult r);   // "verified", "not_found", "mismatch"

struct ClaimCheck {
  std::string name;     // "inclusion", "signature", "officer_agency", "officer_key", ...
  bool ok = false;
  std::string detail;
};

struct ClaimVerdict {
  ClaimResult result = ClaimResult::kNotFound;
  std::string field;               // for a mismatch: the field that differs
  std::string message;             // one line for people
  std::optional<ProvenEvent> event;
  std::vector<ClaimCheck> checks;  // the evidence, in order
};

class ClaimVerifier {
 public:
  // `root_public_key`: the operator's 32-byte root key, pinned like the
  // server key, to check agency registrations; "" skips that check (said so
  // in the evidence).
  ClaimVerifier(Client& client, std::string root_public_key)
      : client_(client), root_key_(std::move(root_public_key)) {}

  StatusOr<ClaimVerdict> VerifySeq(uint64_t seq);
  StatusOr<ClaimVerdict> VerifyLeafHash(const Hash& leaf_hash);
  // Finds the AssistanceGiven events of the claim's household that match
  // it; verifies the match, or names the field that differs in the closest one.
  StatusOr<ClaimVerdict> VerifyClaim(const Claim& claim);

 private:
  // A lookup's result: not found is a verdict, other errors stop the check.
  StatusOr<ClaimVerdict> CheckFound(StatusOr<ProvenEvent> event);
  // Signature, officer and key validity of a proven event.
  StatusOr<ClaimVerdict> CheckEvent(ProvenEvent event);

  Client& client_;
  std::string root_key_;
};

}  // namespace ledger::net
