// ledger verify-claim: the inspector's command.
//
//   ledger ... verify-claim 1234                      # by seq
//   ledger ... verify-claim 5f1c...e2 --root-key operator.pub.pem
//   ledger ... verify-claim --household 33010012345 --agency PHO-33 --item H-07 --date 2022-03-15
//
// Prints a verdict (VERIFIED / NOT FOUND / MISMATCH: field) with the
// evidence: the event, its inclusion proof, the checkpoint note, and each
// check made. Exit 0 verified, 1 not found or mismatch (or failure), 2 usage.
#include <fmt/format.h>

#include <iostream>
#include <sstream>

#include "cli.h"
#include "ledger/event_json.h"
#include "ledger/field_formats.h"
#include "ledger/net/claim.h"
#include "ledger/reasons.h"

namespace ledger::cli {
namespace {

struct ClaimOptions {
  std::string id;            // seq or leaf hash
  net::Claim claim;
  std::string date;
  std::string root_key;      // PEM file or 64 hex digits
};

StatusOr<CivilDate> ParseDate(const std::string& s) {
  CivilDate d;
  char dash1 = 0, dash2 = 0;
  std::istringstream in(s);
  in >> d.year >> dash1 >> d.month >> dash2 >> d.day;
  if (!in || dash1 != '-' || dash2 != '-' || !in.eof() || d.month < 1 || d.month > 12 || d.day < 1 || d.day > 31) {
    return InvalidArgumentError(fmt::format("--date '{}' is not YYYY-MM-DD", s), reason::kUsage);
  }
  return d;
}

StatusOr<std::string> RootKey(const std::string& spec) {
  if (spec.empty()) return std::string();
  if (spec.size() == 64 && spec.find_first_not_of("0123456789abcdef") == std::string::npos) return FromHex(spec);
  auto key = LoadPublicKeyFile(spec);
  if (!key.ok()) return Status(key.status().code(), fmt::format("--root-key {}: {}", spec, key.status().message()));
  return *key;
}

void Print(const Globals& g, const net::ClaimVerdict& v) {
  if (g.json) {
    nlohmann::json j = {{"verdict", net::ClaimResultName(v.result)}, {"message", v.message}};
    j["field"] = v.field.empty() ? nlohmann::json(nullptr) : nlohmann::json(v.field);
    nlohmann::json checks = nlohmann::json::array();
    for (const auto& c : v.checks) checks.push_back({{"check", c.name}, {"ok", c.ok}, {"detail", c.detail}});
    j["checks"] = checks;
    if (v.event) {
      const net::ProvenEvent& e = *v.event;
      j["seq"] = e.seq;
      j["leaf_hash"] = ToHex(e.proof.leaf_hash);
      j["tree_size"] = e.proof.tree_size;
      j["path"] = PathJson(e.proof.path);
      j["checkpoint"] = e.proof.checkpoint.note;
      auto ej = EventToJson(e.leaf);
      if (ej.ok()) j["event"] = *ej;
    }
    std::cout << j.dump() << "\n";
    return;
  }
  switch (v.result) {
    case net::ClaimResult::kVerified:
      std::cout << "VERIFIED: " << v.message << "\n";
      break;
    case net::ClaimResult::kNotFound:
      std::cout << "NOT FOUND: " << v.message << "\n";
      break;
    case net::ClaimResult::kMismatch:
      std::cout << "MISMATCH (" << v.field << "): " << v.message << "\n";
      break;
  }
  for (const auto& c : v.checks) std::cout << fmt::format("  [{}] {}: {}\n", c.ok ? "ok" : "--", c.name, c.detail);
  if (v.event) {
    const net::ProvenEvent& e = *v.event;
    auto ej = EventToJson(e.leaf);
    std::cout << "evidence:\n  event: " << (ej.ok() ? ej->dump() : "(undecodable)") << "\n"
              << fmt::format("  seq {} leaf_hash {}\n  inclusion proof in the log of size {}:\n", e.seq,
                             ToHex(e.proof.leaf_hash), e.proof.tree_size);
    for (const Hash& h : e.proof.path) std::cout << "    " << ToHex(h) << "\n";
    std::cout << "  checkpoint:\n";
    std::istringstream note(e.proof.checkpoint.note);
    for (std::string line; std::getline(note, line);) std::cout << "    " << line << "\n";
  }
}

int Run(const Globals& g, ClaimOptions o) {
  const bool by_claim = !o.claim.household.empty();
  if (by_claim == !o.id.empty()) {
    return UsageError("verify-claim: give a seq or leaf hash, or a claim (--household and --agency)");
  }
  if (by_claim && o.claim.agency.empty()) return UsageError("verify-claim: a claim needs --agency");
  if (by_claim) {
    if (Status s = CheckHouseCode(o.claim.household, "--household"); !s.ok()) return UsageError(s.message());
  }
  if (!o.date.empty()) {
    auto d = ParseDate(o.date);
    if (!d.ok()) return UsageError(d.status().message());
    if (Status s = CheckEventDate(*d, "--date"); !s.ok()) return UsageError(s.message());
    o.claim.date = *d;
  }
  auto root = RootKey(o.root_key);
  if (!root.ok()) return Fail(root.status());
  auto client = Connect(g, "inspector");
  if (!client.ok()) return Fail(client.status());
  net::ClaimVerifier verifier(**client, *root);
  StatusOr<net::ClaimVerdict> verdict = Status(StatusCode::kInternal, "unset");
  if (by_claim) {
    verdict = verifier.VerifyClaim(o.claim);
  } else if (o.id.size() == 64) {
    auto hash = HashFromHex(o.id);
    if (!hash.ok()) return UsageError(fmt::format("verify-claim: '{}' is not a leaf hash", o.id));
    verdict = verifier.VerifyLeafHash(*hash);
  } else {
    uint64_t seq = 0;
    try {
      size_t used = 0;
      seq = std::stoull(o.id, &used);
      if (used != o.id.size()) throw std::invalid_argument(o.id);
    } catch (const std::exception&) {
      return UsageError(fmt::format("verify-claim: '{}' is neither a seq nor a 64-digit leaf hash", o.id));
    }
    verdict = verifier.VerifySeq(seq);
  }
  if (!verdict.ok()) return Fail(verdict.status());
  Print(g, *verdict);
  return verdict->result == net::ClaimResult::kVerified ? kExitOk : kExitFailure;
}

}  // namespace

std::vector<Subcommand> AddVerifyClaimCommand(CLI::App& app, const Globals& g) {
  auto o = std::make_shared<ClaimOptions>();
  CLI::App* c = app.add_subcommand(
      "verify-claim",
      "Check a claim against the log: event, inclusion proof, signed checkpoint, officer signature, officer's agency "
      "and key validity at the time");
  c->add_option("id", o->id, "seq or leaf hash of the event");
  c->add_option("--household", o->claim.household, "claim: house code");
  c->add_option("--agency", o->claim.agency, "claim: agency code");
  c->add_option("--item", o->claim.menu_item, "claim: menu item code");
  c->add_option("--date", o->date, "claim: date the help was given (YYYY-MM-DD)");
  c->add_option("--officer", o->claim.officer, "claim: officer id");
  c->add_option("--root-key", o->root_key, "the operator's root public key (PEM file or hex), to check agencies")
      ->envname("LEDGER_ROOT_KEY");
  return {{c, [o, &g] { return Run(g, *o); }}};
}

}  // namespace ledger::cli
