#include "ledger/net/claim.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <map>

#include "ledger/crypto.h"
#include "ledger/event_json.h"
#include "ledger/reasons.h"

namespace ledger::net {
namespace {

using nlohmann::json;

struct Registry {
  std::optional<ProvenEvent> agency;
  std::optional<ProvenEvent> officer;
  std::optional<ProvenEvent> revoked;
};

StatusOr<json> Fields(const std::string& leaf) {
  auto j = EventToJson(leaf);
  if (!j.ok()) return DataLossError("event: " + j.status().message(), reason::kBadEvent);
  return *j;
}

StatusOr<std::string> KeyField(const json& j, const char* name) {
  auto raw = FromHex(j.value(name, ""));
  if (!raw.ok() || raw->size() != kEd25519PublicKeySize) {
    return DataLossError(fmt::format("registry event: {} is not a 32-byte key", name), reason::kBadEvent);
  }
  return *raw;
}

ClaimVerdict Mismatch(ClaimVerdict v, std::string field, std::string message) {
  v.result = ClaimResult::kMismatch;
  v.field = std::move(field);
  v.message = std::move(message);
  return v;
}

}  // namespace

std::string_view ClaimResultName(ClaimResult r) {
  switch (r) {
    case ClaimResult::kVerified:
      return "verified";
    case ClaimResult::kNotFound:
      return "not_found";
    case ClaimResult::kMismatch:
      return "mismatch";
  }
  return "unknown";
}

StatusOr<ClaimVerdict> ClaimVerifier::VerifySeq(uint64_t seq) { return CheckFound(client_.GetEvent(seq)); }

StatusOr<ClaimVerdict> ClaimVerifier::VerifyLeafHash(const Hash& leaf_hash) {
  return CheckFound(client_.GetEventByHash(leaf_hash));
}

StatusOr<ClaimVerdict> ClaimVerifier::CheckFound(StatusOr<ProvenEvent> event) {
  if (!event.ok() && event.status().reason() == reason::kNoSuchEvent) {
    ClaimVerdict v;
    v.message = event.status().message();
    return v;
  }
  if (!event.ok()) return event.status();
  return CheckEvent(std::move(*event));
}

StatusOr<ClaimVerdict> ClaimVerifier::CheckEvent(ProvenEvent event) {
  ASSIGN_OR_RETURN(EventInfo info, DecodeEvent(event.leaf));
  ClaimVerdict v;
  v.checks.push_back({"inclusion", true,
                      fmt::format("event {} (leaf hash {}) is in the log of size {}, checkpoint signed by the "
                                  "pinned server key and consistent with every checkpoint seen before",
                                  event.seq, ToHex(event.proof.leaf_hash), event.proof.tree_size)});
  v.event = std::move(event);
  const uint64_t seq = v.event->seq;

  // Who must have signed it (DESIGN.md §7).
  std::string signer_key, signer_name;
  const bool root_signed = info.kind == EventKind::kAgencyRegistered || info.kind == EventKind::kMenuPublished ||
                           (info.kind == EventKind::kCorrection && info.officer.empty());
  const bool agency_signed = info.kind == EventKind::kOfficerRegistered || info.kind == EventKind::kOfficerKeyRevoked;
  if (root_signed) {
    if (root_key_.empty()) {
      v.checks.push_back({"signature", false, "signed by the operator's root key, which is not pinned (--root-key)"});
      v.result = ClaimResult::kVerified;
      v.message = fmt::format("event {} is in the log; its root signature was not checked", seq);
      return v;
    }
    signer_key = root_key_;
    signer_name = "the operator's root key";
  } else {
    auto reg_events = client_.Registry(info.agency, agency_signed ? "" : info.officer);
    if (!reg_events.ok()) {
      if (reg_events.status().code() != StatusCode::kNotFound) return reg_events.status();
      const bool agency_missing = reg_events.status().reason() == reason::kUnknownAgency;
      return Mismatch(std::move(v), agency_missing ? "agency" : "officer", reg_events.status().message());
    }
    Registry reg;
    for (ProvenEvent& r : reg_events->events) {
      ASSIGN_OR_RETURN(EventInfo ri, DecodeEvent(r.leaf));
      ASSIGN_OR_RETURN(json j, Fields(r.leaf));
      if (ri.kind == EventKind::kAgencyRegistered && j.value("code", "") == info.agency) {
        reg.agency = std::move(r);
      } else if (ri.kind == EventKind::kOfficerRegistered && j.value("officer_id", "") == info.officer) {
        reg.officer = std::move(r);
      } else if (ri.kind == EventKind::kOfficerKeyRevoked && j.value("officer_id", "") == info.officer) {
        reg.revoked = std::move(r);
      }
    }
    if (!reg.agency) return Mismatch(std::move(v), "agency", fmt::format("agency {} is not registered", info.agency));
    ASSIGN_OR_RETURN(json agency_fields, Fields(reg.agency->leaf));
    ASSIGN_OR_RETURN(std::string agency_key, KeyField(agency_fields, "public_key"));
    ASSIGN_OR_RETURN(EventInfo agency_info, DecodeEvent(reg.agency->leaf));
    if (root_key_.empty()) {
      v.checks.push_back({"agency_registration", true,
                          fmt::format("agency {} registered at seq {} (root signature not checked: no --root-key)",
                                      info.agency, reg.agency->seq)});
    } else if (!Ed25519Verify(root_key_, agency_info.body_canonical, agency_info.signature)) {
      return Mismatch(std::move(v), "agency_registration",
                      fmt::format("the registration of agency {} (seq {}) is not signed by the root key", info.agency,
                                  reg.agency->seq));
    } else {
      v.checks.push_back({"agency_registration", true,
                          fmt::format("agency {} registered at seq {}, signed by the root key", info.agency,
                                      reg.agency->seq)});
    }
    if (agency_signed) {
      signer_key = agency_key;
      signer_name = fmt::format("the key of agency {}", info.agency);
    } else {
      if (!reg.officer) {
        return Mismatch(std::move(v), "officer", fmt::format("officer {} is not registered", info.officer));
      }
      ASSIGN_OR_RETURN(json officer_fields, Fields(reg.officer->leaf));
      ASSIGN_OR_RETURN(EventInfo officer_info, DecodeEvent(reg.officer->leaf));
      if (!Ed25519Verify(agency_key, officer_info.body_canonical, officer_info.signature)) {
        return Mismatch(std::move(v), "officer_registration",
                        fmt::format("the registration of officer {} (seq {}) is not signed by agency {}",
                                    info.officer, reg.officer->seq, info.agency));
      }
      const std::string officer_agency = officer_fields.value("payload_agency", "");
      if (officer_agency != info.agency || officer_info.agency != info.agency) {
        return Mismatch(std::move(v), "officer_agency",
                        fmt::format("officer {} belongs to agency {}, not {}", info.officer, officer_agency,
                                    info.agency));
      }
      v.checks.push_back({"officer_agency", true,
                          fmt::format("officer {} registered by agency {} at seq {}", info.officer, info.agency,
                                      reg.officer->seq)});
      if (reg.officer->seq >= seq) {
        return Mismatch(std::move(v), "officer_key",
                        fmt::format("officer {} was registered at seq {}, after the event", info.officer,
                                    reg.officer->seq));
      }
      if (reg.revoked) {
        ASSIGN_OR_RETURN(EventInfo revoked_info, DecodeEvent(reg.revoked->leaf));
        const bool genuine = Ed25519Verify(agency_key, revoked_info.body_canonical, revoked_info.signature);
        if (genuine && reg.revoked->seq < seq) {
          return Mismatch(std::move(v), "officer_key",
                          fmt::format("the key of officer {} was revoked at seq {}, before the event", info.officer,
                                      reg.revoked->seq));
        }
        v.checks.push_back({"officer_key", true,
                            fmt::format("key registered at seq {}, revoked later at seq {}", reg.officer->seq,
                                        reg.revoked->seq)});
      } else {
        v.checks.push_back({"officer_key", true,
                            fmt::format("key registered at seq {}, never revoked", reg.officer->seq)});
      }
      ASSIGN_OR_RETURN(signer_key, KeyField(officer_fields, "public_key"));
      signer_name = fmt::format("officer {}", info.officer);
    }
  }
  if (!Ed25519Verify(signer_key, info.body_canonical, info.signature)) {
    return Mismatch(std::move(v), "signature", fmt::format("the event is not signed by {}", signer_name));
  }
  v.checks.push_back({"signature", true, fmt::format("signed by {}", signer_name)});
  v.result = ClaimResult::kVerified;
  v.message = fmt::format("event {} is in the log, signed by {}", seq, signer_name);
  return v;
}

StatusOr<ClaimVerdict> ClaimVerifier::VerifyClaim(const Claim& claim) {
  auto history = client_.History(claim.household);
  if (!history.ok()) {
    if (history.status().reason() != reason::kUnknownHousehold) return history.status();
    ClaimVerdict v;
    v.message = fmt::format("household {} has no events in the log", claim.household);
    return v;
  }
  struct Candidate {
    uint64_t seq;
    json fields;
    std::vector<std::pair<std::string, std::string>> differences;  // field, "claimed X, recorded Y"
  };
  std::vector<Candidate> candidates;
  std::map<uint64_t, uint64_t> voided_by;  // corrected seq -> correction seq
  for (size_t i = 0; i < history->leaves.size(); ++i) {
    ASSIGN_OR_RETURN(json j, Fields(history->leaves[i]));
    const std::string kind = j.value("kind", "");
    if (kind == "Correction" && j.contains("action") && j["action"] == "void") {
      voided_by[j.value("corrected_seq", uint64_t{0})] = history->seqs[i];
    }
    if (kind != "AssistanceGiven") continue;
    Candidate c{history->seqs[i], j, {}};
    auto differ = [&](const char* field, const std::string& claimed, const std::string& recorded) {
      if (claimed != recorded) {
        c.differences.emplace_back(field, fmt::format("claimed {}, recorded {}", claimed, recorded));
      }
    };
    differ("agency", claim.agency, j.value("agency", ""));
    if (!claim.menu_item.empty()) differ("menu_item", claim.menu_item, j.value("menu_item", ""));
    if (claim.date) differ("date", FormatDate(*claim.date), j.value("occurred_at", ""));
    if (!claim.officer.empty()) differ("officer", claim.officer, j.value("officer", ""));
    candidates.push_back(std::move(c));
  }
  if (candidates.empty()) {
    ClaimVerdict v;
    v.message = fmt::format("household {} has no AssistanceGiven event", claim.household);
    return v;
  }
  // Exact matches first, the latest of them; else the closest.
  const Candidate* best = nullptr;
  for (const Candidate& c : candidates) {
    if (!best || c.differences.size() < best->differences.size() ||
        (c.differences.size() == best->differences.size() && c.seq > best->seq)) {
      best = &c;
    }
  }
  ASSIGN_OR_RETURN(ProvenEvent event, client_.GetEvent(best->seq));
  ASSIGN_OR_RETURN(ClaimVerdict v, CheckEvent(std::move(event)));
  if (v.result != ClaimResult::kVerified) return v;
  if (!best->differences.empty()) {
    const auto& [field, detail] = best->differences.front();
    return Mismatch(std::move(v), field,
                    fmt::format("the closest AssistanceGiven (event {}) differs: {}: {}", best->seq, field, detail));
  }
  if (auto it = voided_by.find(best->seq); it != voided_by.end()) {
    return Mismatch(std::move(v), "voided",
                    fmt::format("event {} matches the claim but was voided by the correction at seq {}", best->seq,
                                it->second));
  }
  v.message = fmt::format("claim matches event {}: {}", best->seq, v.message);
  return v;
}

}  // namespace ledger::net
