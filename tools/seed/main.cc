// ledger-seed: realistic synthetic programme data (DESIGN.md §8, docs/domain.md
// "Seeded data"), appended through the ledger library so every rule applies.
//
//   ledger-seed --data var/seed --households 1000 --seed 42 --provinces 33
//   ledger-seed --data var/seed --households 5000 --seed 7 --provinces 33,34 --fy 2565
//               --inject-anomalies --manifest var/anomalies.json
//   ledger-seed --data var/pilot --households 200 --seed 1 --jsonl events.jsonl   # for `ledger append`
//
// Creates the store in DIR (the directory ledgerd --data DIR serves) with its
// keys under DIR/keys/ (random; derived from --seed only with
// --insecure-deterministic-keys) when there is none; otherwise appends to it with the
// keys found there. The ledger's clock is simulated: each group commit is
// recorded at the programme time of its events.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "common/admin_areas.h"
#include "common/progress.h"
#include "ledger/durable_file.h"
#include "ledger/event_codec.h"
#include "ledger/event_json.h"
#include "ledger/ledger.h"
#include "ledger/projection.h"
#include "ledger/reasons.h"
#include "ledger/version.h"
#include "seed/keys.h"
#include "seed/programme.h"

namespace ledger::seed {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr size_t kMaxBatch = 1000;

struct Flags {
  std::string data;
  uint64_t households = 1000;
  uint64_t seed = 1;
  std::string provinces = "33";
  int fiscal_year = 2565;
  bool anomalies = false;
  std::string manifest;
  std::string jsonl;
  std::string areas_csv;
  uint64_t snapshot_every = 100000;
  bool skip_signature_check = false;
  bool check_projection = false;
  bool json_output = false;
  bool deterministic_keys = false;
  std::string citizen_secret;
};

struct Totals {
  uint64_t appended = 0, registry = 0, duplicates = 0, already_registered = 0;
  std::map<std::string, uint64_t> refused;   // reason -> count
};

int64_t BangkokDay(int64_t ns) {
  CivilDate d = BangkokDate(ns);
  return d.year * 10000 + d.month * 100 + d.day;
}

uint64_t DirectoryBytes(const std::string& dir, const std::string& skip) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator(); ++it) {
    if (it->path() == skip) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

// Signs every body of `events` on two threads.
StatusOr<std::vector<std::string>> SignAll(const std::vector<PlannedEvent>& events) {
  std::vector<std::string> out(events.size());
  auto sign = [&](size_t from, size_t to) -> Status {
    for (size_t i = from; i < to; ++i) {
      ASSIGN_OR_RETURN(out[i], SignBodyBytes(events[i].body, *events[i].key));
    }
    return OkStatus();
  };
  const size_t half = events.size() / 2;
  auto other = std::async(std::launch::async, sign, half, events.size());
  Status mine = sign(0, half);
  Status theirs = other.get();
  RETURN_IF_ERROR(mine);
  RETURN_IF_ERROR(theirs);
  return out;
}

// Appends batches one behind the other: the next batch is built and signed
// while the previous one is written.
class Pipeline {
 public:
  Pipeline(Ledger& ledger, std::atomic<int64_t>& clock, Programme& programme, Totals& totals, tools::ProgressBar& bar)
      : ledger_(ledger), clock_(clock), programme_(programme), totals_(totals), bar_(bar) {}

  Status Send(std::vector<PlannedEvent> events) {
    if (events.empty()) return OkStatus();
    ASSIGN_OR_RETURN(std::vector<std::string> signed_events, SignAll(events));
    Wait();
    clock_.store(events.back().recorded_ns);
    sent_ = std::move(events);
    inflight_ = std::async(std::launch::async, [this, s = std::move(signed_events)]() mutable {
      return ledger_.Append(std::move(s));
    });
    return OkStatus();
  }

  // Acknowledges the batch in flight, if any.
  void Wait() {
    if (!inflight_.valid()) return;
    std::vector<AppendOutcome> outcomes = inflight_.get();
    for (size_t i = 0; i < outcomes.size(); ++i) {
      const PlannedEvent& e = sent_[i];
      const AppendOutcome& r = outcomes[i];
      if (r.ok()) {
        if (r->duplicate) ++totals_.duplicates;
        else ++totals_.appended;
        if (e.registry) ++totals_.registry;
        programme_.Acknowledge(e, *r);
      } else if (e.registry && (r.status().reason() == reason::kAgencyExists || r.status().reason() == reason::kOfficerExists ||
                                   r.status().reason() == reason::kMenuVersionConflict)) {
        ++totals_.already_registered;
      } else {
        ++totals_.refused[r.status().reason().empty() ? r.status().ToString() : r.status().reason()];
        programme_.Refused(e);
      }
    }
    done_ += outcomes.size();
    bar_.Update(done_);
    sent_.clear();
  }

 private:
  Ledger& ledger_;
  std::atomic<int64_t>& clock_;
  Programme& programme_;
  Totals& totals_;
  tools::ProgressBar& bar_;
  std::vector<PlannedEvent> sent_;
  std::future<std::vector<AppendOutcome>> inflight_;
  uint64_t done_ = 0;
};

// Hands the programme's events to `send` in batches: the registry events,
// then household events recorded on the same Bangkok day, up to 1,000 at a
// time. When the programme needs the results of events already handed
// over, `settle` must make them known (Programme::Acknowledge).
Status Drive(Programme& programme, const std::function<Status(std::vector<PlannedEvent>)>& send,
             const std::function<Status()>& settle) {
  ASSIGN_OR_RETURN(std::vector<PlannedEvent> registry, programme.RegistryEvents());
  for (size_t at = 0; at < registry.size(); at += kMaxBatch) {
    std::vector<PlannedEvent> part(std::make_move_iterator(registry.begin() + at),
                                   std::make_move_iterator(registry.begin() + std::min(registry.size(), at + kMaxBatch)));
    RETURN_IF_ERROR(send(std::move(part)));
  }
  std::vector<PlannedEvent> batch;
  PlannedEvent e;
  while (true) {
    ASSIGN_OR_RETURN(Programme::Step step, programme.Next(&e));
    if (step == Programme::Step::kDone) break;
    if (step == Programme::Step::kNeedResults) {
      if (!batch.empty()) RETURN_IF_ERROR(send(std::move(batch)));
      batch.clear();
      RETURN_IF_ERROR(settle());
      continue;
    }
    if (!batch.empty() && (batch.size() >= kMaxBatch || BangkokDay(e.recorded_ns) != BangkokDay(batch[0].recorded_ns))) {
      RETURN_IF_ERROR(send(std::move(batch)));
      batch.clear();
    }
    batch.push_back(std::move(e));
  }
  if (!batch.empty()) RETURN_IF_ERROR(send(std::move(batch)));
  return OkStatus();
}

// Runs the programme into the ledger: one group commit per batch, each
// recorded at the programme time of its last event.
Status AppendProgramme(Ledger& ledger, std::atomic<int64_t>& clock, Programme& programme, Totals& totals,
                       uint64_t total) {
  tools::ProgressBar bar("seed", total);
  Pipeline pipeline(ledger, clock, programme, totals, bar);
  RETURN_IF_ERROR(Drive(
      programme, [&](std::vector<PlannedEvent> b) { return pipeline.Send(std::move(b)); },
      [&] {
        pipeline.Wait();
        return OkStatus();
      }));
  pipeline.Wait();
  bar.Finish();
  return OkStatus();
}

// Writes signed events as JSON lines: the export object's body fields, the
// idempotency key and the signature (ledger-replay export's format without
// the keys the server sets). Corrections are left out: they name events by
// the leaf hash the server will give them.
Status WriteJsonl(const std::string& path, Programme& programme, Totals& totals, uint64_t total) {
  ASSIGN_OR_RETURN(DurableFile out, DurableFile::Create(path));
  tools::ProgressBar bar("seed", total);
  uint64_t written = 0;
  auto write = [&](std::vector<PlannedEvent> batch) -> Status {
    ASSIGN_OR_RETURN(std::vector<std::string> signed_events, SignAll(batch));
    for (size_t i = 0; i < batch.size(); ++i) {
      ASSIGN_OR_RETURN(MessageBytes sb, MessageBytes::Parse(signed_events[i], /*framed=*/true));
      capnp::MallocMessageBuilder msg;
      auto env = msg.initRoot<schema::Envelope>();
      Hash zero{};
      env.setPrevHash(capnp::Data::Reader(zero.data(), zero.size()));
      env.getHouseholdPrev().setNone();
      env.setSigned(sb.Root<schema::SignedBody>());
      ASSIGN_OR_RETURN(json j, EventToJson(CanonicalBytes(env.asReader())));
      for (const char* key : {"seq", "recorded_at", "recorded_at_ns", "leaf_hash", "prev_hash", "household_prev_seq",
                              "household_prev_hash"}) {
        j.erase(key);
      }
      RETURN_IF_ERROR(out.Append(j.dump() + "\n"));
      if (batch[i].registry) ++totals.registry;
      ++totals.appended;
    }
    written += batch.size();
    bar.Update(written);
    return OkStatus();
  };
  RETURN_IF_ERROR(Drive(programme, write, [] { return InternalError("a correction was planned for JSONL output"); }));
  RETURN_IF_ERROR(out.Commit());
  bar.Finish();
  return OkStatus();
}

json ManifestJson(const Flags& f, const Programme& programme) {
  json anomalies = json::array();
  for (const Anomaly& a : programme.anomalies()) {
    json events = json::array();
    for (const auto& e : a.events) {
      events.push_back({{"role", e.role}, {"seq", e.seq}, {"leaf_hash", ToHex(e.leaf_hash)}});
    }
    json j = {{"type", a.type}, {"description", a.description}, {"events", events}};
    if (!a.household.empty()) j["household"] = a.household;
    if (!a.officer.empty()) j["officer"] = a.officer;
    anomalies.push_back(std::move(j));
  }
  return {
      {"seed", f.seed},
      {"households", f.households},
      {"provinces", f.provinces},
      {"fiscal_year_be", f.fiscal_year},
      {"cutoff", FormatDate(programme.Cutoff())},
      {"clean_data", json::parse(R"json({
        "recording_delay_days_max": 13,
        "same_menu_item_to_a_household": "never twice (counted or voided)",
        "visits_per_officer_per_day_max": 8,
        "levels": "survive, then sufficient, then sustainable; never skipped",
        "help_dates": "after targeting and before any exit",
        "corrections_recorded": "on or before the cut-off"
      })json")},
      {"anomalies", anomalies},
  };
}

Status Run(const Flags& f, json* report) {
  ProgrammeConfig config;
  config.seed = f.seed;
  config.households = f.households;
  config.fiscal_year_be = f.fiscal_year;
  config.inject_anomalies = f.anomalies;
  config.corrections = f.jsonl.empty();
  if (f.provinces != "all") {
    std::stringstream in(f.provinces);
    for (std::string code; std::getline(in, code, ',');) {
      if (!code.empty()) config.provinces.push_back(code);
    }
  }
  ASSIGN_OR_RETURN(tools::AdminAreas areas,
                   tools::AdminAreas::Load(f.areas_csv));
  ASSIGN_OR_RETURN(SeedKeys keys, SeedKeys::Open(f.data + "/keys", {.seed = f.seed,
                                                                    .deterministic = f.deterministic_keys,
                                                                    .secret_path = f.citizen_secret}));
  ASSIGN_OR_RETURN(std::unique_ptr<Programme> programme, Programme::Create(config, areas, &keys));

  std::atomic<int64_t> clock{0};
  LedgerOptions options;
  options.clock = [&clock] { return clock.load(); };
  options.verify_signatures = !f.skip_signature_check;
  options.snapshot_every_events = f.snapshot_every;
  if (!f.areas_csv.empty()) options.areas_csv = f.areas_csv;
  std::unique_ptr<Ledger> ledger;
  const bool exists = fs::exists(fs::path(f.data) / "CURRENT");
  if (exists) {
    ASSIGN_OR_RETURN(PrivateKey server, PrivateKey::FromSeed(keys.server().Seed()));
    ASSIGN_OR_RETURN(ledger, Ledger::Open(f.data, std::move(server), options));
    if (f.deterministic_keys && !ledger->info().insecure_deterministic_keys) {
      return FailedPreconditionError(f.data + " has random keys; --insecure-deterministic-keys would add keys "
                                              "derived from the seed to it",
                                     reason::kInsecureKeys);
    }
  } else {
    std::error_code ec;
    if (fs::exists(f.data, ec) && !fs::is_empty(f.data, ec)) {
      return FailedPreconditionError(f.data + " exists and is not a store; give an empty or new directory",
                                     reason::kNotEmpty);
    }
    CreateOptions create;
    create.origin = programme->Origin();
    create.root_public_key = keys.root().PublicKeyBytes();
    create.insecure_deterministic_keys = f.deterministic_keys;
    ASSIGN_OR_RETURN(PrivateKey server, PrivateKey::FromSeed(keys.server().Seed()));
    ASSIGN_OR_RETURN(ledger, Ledger::Create(f.data, create, std::move(server), options));
  }
  RETURN_IF_ERROR(keys.SaveNew());

  Totals totals;
  const auto t0 = std::chrono::steady_clock::now();
  const uint64_t total = programme->planned_events() + programme->registry_events();
  if (f.jsonl.empty()) {
    RETURN_IF_ERROR(AppendProgramme(*ledger, clock, *programme, totals, total));
  } else {
    RETURN_IF_ERROR(WriteJsonl(f.jsonl, *programme, totals, total));
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const uint64_t size = ledger->Size();

  json& r = *report;
  r["data"] = f.data;
  r["origin"] = ledger->info().origin;
  r["vkey"] = ledger->info().VerifierKey();
  r["insecure_deterministic_keys"] = ledger->info().insecure_deterministic_keys;
  r["citizen_secret"] = keys.secret_path().empty() ? json() : json(keys.secret_path());
  r["households"] = programme->households();
  r["fiscal_year_be"] = f.fiscal_year;
  r["events"] = totals.appended;
  r["registry_events"] = totals.registry;
  r["duplicates"] = totals.duplicates;
  r["already_registered"] = totals.already_registered;
  r["refused"] = totals.refused;
  r["seconds"] = seconds;
  r["events_per_second"] = seconds > 0 ? totals.appended / seconds : 0.0;
  r["store_events"] = size;
  if (!f.jsonl.empty()) r["jsonl"] = f.jsonl;

  if (f.check_projection && f.jsonl.empty()) {
    const auto p0 = std::chrono::steady_clock::now();
    ProjectionOptions from_zero;
    from_zero.use_snapshots = false;
    ASSIGN_OR_RETURN(Projector rebuilt, ProjectionAt(*ledger, size, from_zero));
    const double rebuild = std::chrono::duration<double>(std::chrono::steady_clock::now() - p0).count();
    ASSIGN_OR_RETURN(std::string a, rebuilt.Serialize());
    ASSIGN_OR_RETURN(Projector stored, StoredProjection(*ledger));
    ASSIGN_OR_RETURN(std::string b, stored.Serialize());
    r["projection_rebuild_seconds"] = rebuild;
    r["projection_rebuild_events_per_second"] = rebuild > 0 ? size / rebuild : 0.0;
    r["projection_equal"] = a == b && stored.applied() == size;
  }
  if (f.anomalies) {
    json manifest = ManifestJson(f, *programme);
    r["anomalies"] = manifest["anomalies"].size();
    if (!f.manifest.empty()) {
      RETURN_IF_ERROR(WriteFileDurably(f.manifest, manifest.dump(2) + "\n"));
      r["manifest"] = f.manifest;
    }
  }
  // Reopening folds the write-ahead log into tables, so that the size
  // measured is what the data takes, not how long the log happens to be.
  ledger.reset();
  {
    ASSIGN_OR_RETURN(PrivateKey server, PrivateKey::FromSeed(keys.server().Seed()));
    ASSIGN_OR_RETURN(auto reopened, Ledger::Open(f.data, std::move(server), options));
  }
  const uint64_t bytes = DirectoryBytes(f.data, (fs::path(f.data) / "keys").string());
  r["bytes_on_disk"] = bytes;
  r["bytes_per_event"] = size > 0 ? static_cast<double>(bytes) / size : 0.0;
  return OkStatus();
}

void PrintText(const json& r) {
  fmt::print("ledger-seed: {} households, fiscal year {}: {} events ({} registry) in {:.1f} s, {:.0f} events/s\n",
             r["households"].get<uint64_t>(), r["fiscal_year_be"].get<int>(), r["events"].get<uint64_t>(),
             r["registry_events"].get<uint64_t>(), r["seconds"].get<double>(), r["events_per_second"].get<double>());
  if (r.contains("jsonl")) fmt::print("signed events written to {}\n", r["jsonl"].get<std::string>());
  fmt::print("store {}: {} events, {} bytes on disk, {:.0f} bytes/event\n", r["data"].get<std::string>(),
             r["store_events"].get<uint64_t>(), r["bytes_on_disk"].get<uint64_t>(), r["bytes_per_event"].get<double>());
  fmt::print("origin {}\nvkey {}\n", r["origin"].get<std::string>(), r["vkey"].get<std::string>());
  if (r["insecure_deterministic_keys"].get<bool>()) {
    fmt::print("keys: INSECURE, derived from the seed (--insecure-deterministic-keys); for tests and demos only\n");
  }
  fmt::print("citizen-ID secret: {}\n", r["citizen_secret"].is_null()
                                             ? std::string("used for this run only, kept nowhere (--citizen-secret FILE keeps it)")
                                             : r["citizen_secret"].get<std::string>());
  if (r["duplicates"].get<uint64_t>() + r["already_registered"].get<uint64_t>() > 0) {
    fmt::print("already in the store: {} events, {} registrations\n", r["duplicates"].get<uint64_t>(),
               r["already_registered"].get<uint64_t>());
  }
  for (const auto& [reason, n] : r["refused"].items()) fmt::print("refused {}: {}\n", reason, n.get<uint64_t>());
  if (r.contains("anomalies")) {
    fmt::print("anomalies injected: {}{}\n", r["anomalies"].get<size_t>(),
               r.contains("manifest") ? " (manifest " + r["manifest"].get<std::string>() + ")" : "");
  }
  if (r.contains("projection_rebuild_events_per_second")) {
    fmt::print("projection rebuild: {:.2f} s, {:.0f} events/s; equal to the stored projection: {}\n",
               r["projection_rebuild_seconds"].get<double>(), r["projection_rebuild_events_per_second"].get<double>(),
               r["projection_equal"].get<bool>() ? "yes" : "NO");
  }
}

}  // namespace
}  // namespace ledger::seed

int main(int argc, char** argv) {
  using ledger::seed::Flags;
  Flags f;
  CLI::App app{"ledger-seed: realistic synthetic programme data, appended through the ledger's rules"};
  app.set_version_flag("--version", ledger::VersionLine("ledger-seed"));
  app.add_option("--data", f.data, "store directory (created with keys under DIR/keys/ if it holds no store)")
      ->required();
  app.add_option("--households", f.households, "target households to simulate")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{5'000'000}));
  app.add_option("--seed", f.seed, "random seed; the same seed gives the same events")->capture_default_str();
  app.add_option("--provinces", f.provinces, "comma-separated province codes, or 'all'")->capture_default_str();
  app.add_option("--fy", f.fiscal_year, "fiscal year in Buddhist Era (2565 = 1 Oct 2021 - 30 Sep 2022)")
      ->capture_default_str()
      ->check(CLI::Range(2545, 2600));
  app.add_flag("--inject-anomalies", f.anomalies, "add the documented anomalies (docs/domain.md)");
  app.add_option("--manifest", f.manifest, "write the injected anomalies and their seqs as JSON");
  app.add_option("--jsonl", f.jsonl, "write signed events as JSON lines for the client instead of appending");
  app.add_option("--areas-csv", f.areas_csv, "DOPA area list in the format of data/thai_admin_divisions.csv (default: the built-in copy)");
  app.add_option("--snapshot-every", f.snapshot_every, "projection snapshot interval in events (0 = none)")
      ->capture_default_str();
  app.add_flag("--skip-signature-check", f.skip_signature_check,
               "do not re-verify the tool's own signatures at append (faster; the domain rules still apply)");
  app.add_flag("--check-projection", f.check_projection,
               "afterwards, rebuild the projection from the events, time it, and compare with the stored one");
  app.add_flag("--json", f.json_output, "print the report as JSON");
  app.add_flag("--insecure-deterministic-keys", f.deterministic_keys,
               "derive missing keys and the citizen-ID secret from --seed (reproducible, and guessable by anyone "
               "who knows the seed: tests and demos only; the store records it and ledgerd warns)");
  app.add_option("--citizen-secret", f.citizen_secret,
                 "file of the citizen-ID HMAC secret (64 hex digits), read, or written 0600 when missing; "
                 "keep it away from the store (default: a secret for this run only)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;   // --help prints and exits 0; usage errors are 2
  }
  if (!f.manifest.empty() && !f.anomalies) {
    std::cerr << "ledger-seed: --manifest needs --inject-anomalies\n";
    return 2;
  }
  if (f.anomalies && !f.jsonl.empty()) {
    std::cerr << "ledger-seed: --inject-anomalies needs the events appended here (recording times), not --jsonl\n";
    return 2;
  }
  nlohmann::json report;
  ledger::Status s = ledger::seed::Run(f, &report);
  if (!s.ok()) {
    std::cerr << "ledger-seed: " << s.message() << "\n";
    return s.code() == ledger::StatusCode::kInvalidArgument ? 2 : 1;
  }
  if (f.json_output) {
    std::cout << report.dump(2) << "\n";
  } else {
    ledger::seed::PrintText(report);
  }
  if (report.contains("projection_equal") && !report["projection_equal"].get<bool>()) return 1;
  return 0;
}
