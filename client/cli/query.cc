// ledger household | history | event | checkpoint | prove | consistency | report.
// Every answer is verified by the client library before it is printed.
#include <fmt/format.h>

#include <iostream>

#include "cli.h"
#include "timeline.h"
#include "ledger/event.h"
#include "ledger/event_json.h"
#include "ledger/field_formats.h"
#include "ledger/projection.h"
#include "ledger/projection_json.h"

namespace ledger::cli {
namespace {

nlohmann::json ProofJson(const net::InclusionResult& p) {
  return {{"seq", p.seq},
          {"tree_size", p.tree_size},
          {"leaf_hash", ToHex(p.leaf_hash)},
          {"path", PathJson(p.path)},
          {"checkpoint", p.checkpoint.note}};
}

// One event as the export object (or, failing that, its leaf in base64).
nlohmann::json EventJson(const std::string& leaf) {
  auto j = EventToJson(leaf);
  if (j.ok()) return *j;
  return {{"leaf", ToBase64(leaf)}, {"error", ErrorJson(j.status())}};
}

int RunHistory(const Globals& g, const std::string& household, bool status) {
  // Checked here, before connecting, as the ledger checks it at append.
  if (Status s = CheckHouseCode(household, "household"); !s.ok()) return UsageError(s.message());
  auto client = Connect(g, "inspector");
  if (!client.ok()) return Fail(client.status());
  std::string status_json;
  StatusOr<net::VerifiedHistory> history = Status(StatusCode::kInternal, "unset");
  if (status) {
    auto s = (*client)->HouseholdStatus(household);
    if (!s.ok()) return Fail(s.status());
    status_json = s->json;
    history = std::move(s->history);
  } else {
    history = (*client)->History(household);
  }
  if (!history.ok()) return Fail(history.status());
  // The status shown is this client's fold of the verified, complete
  // history; the server's projection only when it says the same.
  nlohmann::json computed;
  bool server_agrees = false;
  if (status) {
    auto folded = FoldHousehold(household, history->leaves);
    if (!folded.ok()) return Fail(folded.status());
    if (*folded) computed = HouseholdStatusJson(**folded);
    nlohmann::json server = nlohmann::json::parse(status_json, nullptr, false);
    if (server.is_object()) server.erase("as_of_seq");
    server_agrees = server == computed;
  }
  if (g.json) {
    nlohmann::json events = nlohmann::json::array();
    for (const std::string& leaf : history->leaves) events.push_back(EventJson(leaf));
    if (!status) {
      std::cout << events.dump() << "\n";
    } else {
      nlohmann::json j = {{"household", household},
                          {"status", computed},
                          {"status_source", "client fold of the verified history"},
                          {"server_status_agrees", server_agrees},
                          {"committed_size", history->committed_size},
                          {"events", events},
                          {"proof", ProofJson(history->last_proof)}};
      std::cout << j.dump() << "\n";
    }
    return kExitOk;
  }
  const Calendar calendar = g.calendar == "be" ? Calendar::kBe : Calendar::kCe;
  std::cout << fmt::format(
      "household {}: {} events, complete (hash chain verified to the head committed in the checkpoint of size {}; "
      "event {} proven in the log of size {})\n",
      household, history->leaves.size(), history->committed_size, history->last_proof.seq,
      history->last_proof.tree_size);
  if (status) {
    std::cout << "\nstatus (folded by this client from the verified history"
              << (server_agrees ? "; the server's projection agrees" : "") << ")\n"
              << StatusSummary(computed, calendar);
    if (!server_agrees) {
      std::cout << "  note: STATUS_MISMATCH: the server's projection differs from the verified history; it is not "
                   "shown\n";
    }
  }
  std::cout << "\nhistory\n" << Timeline(history->leaves, calendar, g.lang == "th");
  std::cout << "\n(--json for every field)\n";
  return kExitOk;
}

int RunEvent(const Globals& g, const std::string& id) {
  auto client = Connect(g, "inspector");
  if (!client.ok()) return Fail(client.status());
  StatusOr<net::ProvenEvent> e = Status(StatusCode::kInternal, "unset");
  if (id.size() == 64 && id.find_first_not_of("0123456789abcdef") == std::string::npos) {
    auto hash = HashFromHex(id);
    if (!hash.ok()) return Fail(hash.status());
    e = (*client)->GetEventByHash(*hash);
  } else {
    uint64_t seq = 0;
    try {
      size_t used = 0;
      seq = std::stoull(id, &used);
      if (used != id.size()) throw std::invalid_argument(id);
    } catch (const std::exception&) {
      return UsageError(fmt::format("event: '{}' is neither a seq nor a 64-digit leaf hash", id));
    }
    e = (*client)->GetEvent(seq);
  }
  if (!e.ok()) return Fail(e.status());
  if (g.json) {
    nlohmann::json j = EventJson(e->leaf);
    j["proof"] = ProofJson(e->proof);
    std::cout << j.dump() << "\n";
  } else {
    std::cout << EventJson(e->leaf).dump(2) << "\n"
              << fmt::format("proven in the log of size {} (leaf hash {})\n", e->proof.tree_size,
                             ToHex(e->proof.leaf_hash));
  }
  return kExitOk;
}

int RunCheckpoint(const Globals& g, uint64_t size) {
  auto client = Connect(g, "inspector");
  if (!client.ok()) return Fail(client.status());
  auto c = size == 0 ? (*client)->LatestCheckpoint() : (*client)->CheckpointAt(size);
  if (!c.ok()) return Fail(c.status());
  if (g.json) {
    std::cout << nlohmann::json{{"origin", c->checkpoint.origin},
                                {"tree_size", c->checkpoint.size},
                                {"root", ToHex(c->checkpoint.root)},
                                {"checkpoint", c->note}}
                     .dump()
              << "\n";
  } else {
    std::cout << c->note;
  }
  return kExitOk;
}

int RunProve(const Globals& g, uint64_t seq, uint64_t size) {
  auto client = Connect(g, "inspector");
  if (!client.ok()) return Fail(client.status());
  auto p = (*client)->Prove(seq, size);
  if (!p.ok()) return Fail(p.status());
  if (g.json) {
    std::cout << ProofJson(*p).dump() << "\n";
  } else {
    std::cout << fmt::format("seq {} is in the log of size {} (verified)\nleaf_hash {}\n", p->seq, p->tree_size,
                             ToHex(p->leaf_hash));
    for (const Hash& h : p->path) std::cout << "  " << ToHex(h) << "\n";
    std::cout << p->checkpoint.note;
  }
  return kExitOk;
}

int RunConsistency(const Globals& g, uint64_t old_size, uint64_t new_size) {
  auto client = Connect(g, "inspector");
  if (!client.ok()) return Fail(client.status());
  auto c = (*client)->Consistency(old_size, new_size);
  if (!c.ok()) return Fail(c.status());
  if (!c->old_checkpoint) {
    fmt::print(stderr, "ledger: note: the server made no checkpoint at size {}; the path is checked only against "
                       "the new checkpoint\n", old_size);
  }
  if (g.json) {
    std::cout << nlohmann::json{{"old_size", c->old_size}, {"new_size", c->new_size}, {"path", PathJson(c->path)}}.dump()
              << "\n";
  } else {
    std::cout << fmt::format("the log of size {} is a prefix of the log of size {}{}\n", c->old_size, c->new_size,
                             c->old_checkpoint ? " (verified)" : "");
    for (const Hash& h : c->path) std::cout << "  " << ToHex(h) << "\n";
  }
  return kExitOk;
}

int RunReport(const Globals& g, const std::string& by, const std::string& area) {
  if (!area.empty()) {
    if (Status s = CheckAreaCode(ReferenceData::Builtin(), area, "--area"); !s.ok()) return UsageError(s.message());
  }
  auto client = Connect(g, "inspector");
  if (!client.ok()) return Fail(client.status());
  auto r = (*client)->Report(by, area);
  if (!r.ok()) return Fail(r.status());
  auto rows = nlohmann::json::parse(*r, nullptr, false);
  if (g.json || !rows.is_array()) {
    std::cout << *r << "\n";
    return kExitOk;
  }
  std::cout << fmt::format("{:<8} {:>9} {:>9} {:>9} {:>10} {:>11}\n", "code", "targeted", "helped", "survive",
                           "sufficient", "sustainable");
  for (auto& row : rows) {
    std::cout << fmt::format("{:<8} {:>9} {:>9} {:>9} {:>10} {:>11}\n", row.value("code", ""),
                             row.value("targeted", 0), row.value("helped", 0), row.value("survive", 0),
                             row.value("sufficient", 0), row.value("sustainable", 0));
  }
  return kExitOk;
}

}  // namespace

std::vector<Subcommand> AddQueryCommands(CLI::App& app, const Globals& g) {
  std::vector<Subcommand> out;
  {
    auto household = std::make_shared<std::string>();
    CLI::App* c = app.add_subcommand("household", "A household's status (server projection) and verified history");
    c->add_option("household", *household, "house code (11 digits)")->required();
    out.push_back({c, [household, &g] { return RunHistory(g, *household, /*status=*/true); }});
  }
  {
    auto household = std::make_shared<std::string>();
    CLI::App* c = app.add_subcommand("history", "A household's events: a verified hash chain, proven in the log");
    c->add_option("household", *household, "house code (11 digits)")->required();
    out.push_back({c, [household, &g] { return RunHistory(g, *household, /*status=*/false); }});
  }
  {
    auto id = std::make_shared<std::string>();
    CLI::App* c = app.add_subcommand("event", "One event by seq or leaf hash, with its verified inclusion proof");
    c->add_option("id", *id, "seq, or leaf hash (64 hex digits)")->required();
    out.push_back({c, [id, &g] { return RunEvent(g, *id); }});
  }
  {
    auto size = std::make_shared<uint64_t>(0);
    CLI::App* c = app.add_subcommand("checkpoint", "The latest signed checkpoint (verified), verbatim");
    c->add_option("--size", *size, "the checkpoint of exactly this tree size");
    out.push_back({c, [size, &g] { return RunCheckpoint(g, *size); }});
  }
  {
    auto seq = std::make_shared<uint64_t>(0);
    auto size = std::make_shared<uint64_t>(0);
    CLI::App* c = app.add_subcommand("prove", "Inclusion proof of an event (verified)");
    c->add_option("seq", *seq, "event seq")->required();
    c->add_option("--size", *size, "tree size (default: the latest checkpoint)");
    out.push_back({c, [seq, size, &g] { return RunProve(g, *seq, *size); }});
  }
  {
    auto old_size = std::make_shared<uint64_t>(0);
    auto new_size = std::make_shared<uint64_t>(0);
    CLI::App* c = app.add_subcommand("consistency", "Consistency proof between two tree sizes (verified)");
    c->add_option("old", *old_size, "old tree size")->required();
    c->add_option("new", *new_size, "new tree size (default: the latest checkpoint)");
    out.push_back({c, [old_size, new_size, &g] { return RunConsistency(g, *old_size, *new_size); }});
  }
  {
    auto by = std::make_shared<std::string>("province");
    auto area = std::make_shared<std::string>();
    CLI::App* c = app.add_subcommand("report", "Progress by area (the server's projection)");
    c->add_option("--by", *by, "province, district or subdistrict")
        ->capture_default_str()
        ->check(CLI::IsMember({"province", "district", "subdistrict"}));
    c->add_option("--area", *area, "only codes starting with this");
    out.push_back({c, [by, area, &g] { return RunReport(g, *by, *area); }});
  }
  return out;
}

}  // namespace ledger::cli
