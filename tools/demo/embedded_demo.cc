// ledger-demo: shows the embedded ledger end to end, without a server.
//
//   ledger-demo --data var/demo --events 300
//
// Creates a store (keys under DIR/keys/), registers an agency and two
// officers, targets households in a real Si Sa Ket sub-district, appends
// signed visits and assistance in group commits, prints the latest signed
// checkpoint, and proves and verifies one event against it.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "ledger/testing/event_factory.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/version.h"

namespace {

using namespace ledger;

StatusOr<PrivateKey> LoadOrCreateKey(const std::string& path) {
  if (std::filesystem::exists(path)) return PrivateKey::LoadPemFile(path);
  ASSIGN_OR_RETURN(PrivateKey k, PrivateKey::Generate());
  RETURN_IF_ERROR(k.SavePemFile(path));
  return k;
}

Status Run(const std::string& dir, int events) {
  std::filesystem::create_directories(dir + "/keys");
  ASSIGN_OR_RETURN(PrivateKey root, LoadOrCreateKey(dir + "/keys/root.pem"));
  ASSIGN_OR_RETURN(PrivateKey server, LoadOrCreateKey(dir + "/keys/server.pem"));
  ASSIGN_OR_RETURN(PrivateKey agency, LoadOrCreateKey(dir + "/keys/agency-pho33.pem"));
  ASSIGN_OR_RETURN(PrivateKey officer, LoadOrCreateKey(dir + "/keys/officer-pho33-001.pem"));

  std::unique_ptr<Ledger> ledger;
  const std::string store = dir + "/store";
  bool fresh = !std::filesystem::exists(store + "/CURRENT");
  if (fresh) {
    CreateOptions c;
    c.origin = "ledger.cdd.go.th/sisaket-demo";
    c.root_public_key = root.PublicKeyBytes();
    ASSIGN_OR_RETURN(ledger, Ledger::Create(store, c, std::move(server)));
  } else {
    ASSIGN_OR_RETURN(ledger, Ledger::Open(store, std::move(server)));
  }
  fmt::print("store      {} ({} events)\n", store, ledger->Size());
  fmt::print("vkey       {}\n", ledger->info().VerifierKey());

  EventFactory f(static_cast<uint64_t>(ledger->Size()) * 7919 + 1);
  const CivilDate day{2022, 6, 15};
  const std::string code = "PHO-33";
  EventSigner off{code, "pho33-001", &officer};
  std::vector<std::string> batch;
  if (fresh) {
    batch.push_back(f.MenuPublished(root, 1, day));   // data/menu.csv: help must name its items
    batch.push_back(f.AgencyRegistered(root, code, "สำนักงานสาธารณสุขจังหวัดศรีสะเกษ",
                                       "Si Sa Ket Provincial Public Health Office", {schema::Dimension::HEALTH},
                                       agency.PublicKeyBytes(), day, "33"));
    batch.push_back(f.OfficerRegistered(agency, code, "pho33-001", officer.PublicKeyBytes(), day));
  }
  const uint64_t base = ledger->Size();
  const int households = std::max(1, events / 6);
  for (int i = 0; i < events; ++i) {
    int h = i % households;
    std::string house = fmt::format("3301{:07d}", base + h);
    if (i < households) {
      batch.push_back(f.HouseholdTargeted(off, house, "330101", 2565, {4, 9, 22}, 4, day));
    } else if (i % 2 == 0) {
      batch.push_back(f.Make(off, house, day, [](schema::Payload::Builder p) {
        p.initHouseholdVisited().setPurpose("follow-up visit");
      }));
    } else {
      batch.push_back(f.AssistanceGiven(off, house, schema::Dimension::HEALTH, 4, "H-01", 50000, day));
    }
  }
  size_t ok = 0;
  for (size_t at = 0; at < batch.size(); at += 100) {
    std::vector<std::string> part(batch.begin() + at, batch.begin() + std::min(batch.size(), at + 100));
    for (auto& r : ledger->Append(std::move(part))) {
      if (!r.ok()) return r.status();
      ++ok;
    }
  }
  fmt::print("appended   {} signed events in group commits of up to 100 (size now {})\n", ok, ledger->Size());

  ASSIGN_OR_RETURN(std::string note, ledger->LatestCheckpoint());
  fmt::print("\nlatest checkpoint (C2SP signed note):\n{}\n", note);

  ASSIGN_OR_RETURN(NoteVerifier v, NoteVerifier::Parse(ledger->info().VerifierKey()));
  ASSIGN_OR_RETURN(OpenedNote opened, OpenNote(note, {v}));
  ASSIGN_OR_RETURN(Checkpoint cp, ParseCheckpoint(opened.text));
  const uint64_t seq = cp.size / 2;
  ASSIGN_OR_RETURN(Hash leaf, ledger->LeafHash(seq));
  ASSIGN_OR_RETURN(std::vector<Hash> proof, ledger->InclusionProof(seq, cp.size));
  RETURN_IF_ERROR(merkle::VerifyInclusion(seq, cp.size, leaf, proof, cp.root));
  fmt::print("inclusion  event {} (leaf {}) is in the tree of size {}: {} hashes, verified\n", seq,
             ToHex(leaf).substr(0, 16), cp.size, proof.size());
  return OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ledger-demo: the embedded ledger end to end (store, signed appends, checkpoint, proof)"};
  app.set_version_flag("--version", VersionLine("ledger-demo"));
  std::string dir = "var/demo";
  int events = 300;
  app.add_option("--data", dir, "demo directory (store and keys)")->capture_default_str();
  app.add_option("--events", events, "events to append")->capture_default_str()->check(CLI::Range(1, 1000000));
  CLI11_PARSE(app, argc, argv);
  Status s = Run(dir, events);
  if (!s.ok()) {
    std::cerr << "ledger-demo: " << s.ToString() << "\n";
    return 1;
  }
  return 0;
}
