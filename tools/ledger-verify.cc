// ledger-verify: offline audit of a ledger data directory (DESIGN.md §8).
//
//   ledger-verify /var/lib/ledger                 verdict, first problems, events/s
//   ledger-verify /var/lib/ledger --json          {"ok", "events", "first_bad_seq",
//                                                  "problems", "checkpoint", "vkey", ...}
//   ledger-verify DIR --no-signatures --threads 2 all but the Ed25519 checks
//   ledger-verify DIR --no-projections            skip the projections rebuild
//
// Exit codes: 0 clean; 1 tampered or corrupt (including a store that cannot
// be opened because it is damaged); 2 usage (bad flags, DIR not a store).
// What is checked is listed in ledger/include/ledger/verify.h. The store is
// opened read-only, so it may run beside ledgerd.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>
#include <string>

#include "common/progress.h"
#include "ledger/reasons.h"
#include "ledger/verify.h"
#include "ledger/version.h"

namespace ledger {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitTampered = 1;
constexpr int kExitUsage = 2;
constexpr size_t kTextProblems = 10;

nlohmann::json ProblemJson(const VerifyProblem& p) {
  nlohmann::json j;
  j["kind"] = p.kind;
  j["seq"] = p.seq ? nlohmann::json(*p.seq) : nlohmann::json(nullptr);
  j["tile"] = p.tile ? nlohmann::json({{"level", p.tile->level}, {"index", p.tile->index}}) : nlohmann::json(nullptr);
  j["checkpoint_size"] = p.checkpoint_size ? nlohmann::json(*p.checkpoint_size) : nlohmann::json(nullptr);
  j["message"] = p.message;
  return j;
}

nlohmann::json ReportJson(const VerifyReport& r, bool signatures) {
  nlohmann::json problems = nlohmann::json::array();
  for (const VerifyProblem& p : r.problems) problems.push_back(ProblemJson(p));
  return {
      {"ok", r.ok},
      {"events", r.events},
      {"first_bad_seq", r.first_bad_seq ? nlohmann::json(*r.first_bad_seq) : nlohmann::json(nullptr)},
      {"problems", problems},
      {"problems_total", r.problems_total},
      {"checkpoint", r.checkpoint},
      {"vkey", r.vkey},
      {"signatures_checked", signatures},
      {"seconds", r.seconds},
      {"events_per_second", r.seconds > 0 ? static_cast<double>(r.events) / r.seconds : 0.0},
  };
}

void PrintText(const VerifyReport& r, bool signatures, bool projections) {
  if (r.ok) {
    fmt::print("OK: {} events verified: chain, trust chain{}, Merkle tiles, checkpoints, indexes{}\n", r.events,
               signatures ? ", signatures" : " (signatures not checked)", projections ? ", projections" : "");
  } else {
    fmt::print("TAMPERED: {} problem{} in {} events{}\n", r.problems_total, r.problems_total == 1 ? "" : "s",
               r.events, r.first_bad_seq ? fmt::format(", first bad seq {}", *r.first_bad_seq) : "");
    for (size_t i = 0; i < r.problems.size() && i < kTextProblems; ++i) {
      const VerifyProblem& p = r.problems[i];
      std::string where = ProblemLocation(p);
      fmt::print("  {:<16} {:<18} {}\n", p.kind, where, p.message);
    }
    if (r.problems_total > kTextProblems) fmt::print("  ... and {} more\n", r.problems_total - kTextProblems);
  }
  double rate = r.seconds > 0 ? static_cast<double>(r.events) / r.seconds : 0;
  fmt::print("{} events in {:.3f} s: {:.0f} events/s{}\n", r.events, r.seconds, rate,
             signatures ? "" : " (without signatures)");
  if (!r.checkpoint.empty()) {
    fmt::print("checkpoint (verify with {}):\n{}", r.vkey, r.checkpoint);
  }
}

int Main(int argc, char** argv) {
  CLI::App app{"Offline audit of a ledger data directory: re-derives the hash chain, Merkle tiles, checkpoints, "
               "trust chain, signatures and indexes from the raw events.\n"
               "Exit codes: 0 clean, 1 tampered or corrupt, 2 usage."};
  app.set_version_flag("--version", ledger::VersionLine("ledger-verify"));
  std::string dir;
  bool json = false;
  bool no_signatures = false;
  bool no_projections = false;
  int threads = 2;
  app.add_option("DIR", dir, "the ledger's data directory")->required();
  app.add_flag("--json", json, "print the report as JSON (DESIGN.md §8)");
  app.add_flag("--no-signatures", no_signatures,
               "skip Ed25519 checks of events and older checkpoints (the newest reported one is still checked)");
  app.add_flag("--no-projections", no_projections, "skip rebuilding the projections and comparing them");
  app.add_option("--threads", threads, "threads to use, counting the main one")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }

  VerifyOptions options;
  options.check_signatures = !no_signatures;
  options.check_projections = !no_projections;
  options.threads = threads;
  std::unique_ptr<tools::ProgressBar> bar;
  options.progress = [&](const VerifyProgress& p) {
    if (!bar) bar = std::make_unique<tools::ProgressBar>("verify", p.total);
    bar->Update(p.done);
  };
  StatusOr<VerifyReport> report = VerifyStore(dir, options);
  if (bar) bar->Finish();
  if (!report.ok()) {
    const Status& s = report.status();
    if (s.reason() == reason::kNoStore || s.reason() == reason::kNotAStore) {
      fmt::print(stderr, "ledger-verify: {} is not a ledger store: {}\n", dir, s.message());
      return kExitUsage;
    }
    if (s.code() == StatusCode::kUnavailable) {
      fmt::print(stderr, "ledger-verify: cannot read {}: {}\n", dir, s.message());
    } else {
      fmt::print(stderr, "ledger-verify: {} is corrupt: {}\n", dir, s.message());
    }
    if (json) {
      VerifyReport failed;
      VerifyProblem p;
      p.kind = "store";
      p.message = s.ToString();
      failed.problems.push_back(p);
      failed.problems_total = 1;
      std::cout << ReportJson(failed, !no_signatures).dump(2) << "\n";
    }
    return kExitTampered;
  }

  if (json) {
    std::cout << ReportJson(*report, !no_signatures).dump(2) << "\n";
  } else {
    PrintText(*report, !no_signatures, !no_projections);
  }
  return report->ok ? kExitOk : kExitTampered;
}

}  // namespace
}  // namespace ledger

int main(int argc, char** argv) {
  try {
    return ledger::Main(argc, argv);
  } catch (const std::exception& e) {
    fmt::print(stderr, "ledger-verify: {}\n", e.what());
    return 1;
  }
}
