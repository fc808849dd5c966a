// The synthetic poverty-eradication programme of ledger-seed: agencies per
// dimension in each chosen province, officers per district, and one fiscal
// year of household life cycles (targeting, mentor, welfare checks, visits,
// 4ท analysis, plan, help from the menu, referrals, resolutions, levels,
// exits, corrections), emitted in the order the ledger records them.
// docs/domain.md ("Seeded data") describes the model, the timings and the
// injected anomalies.
//
//   ASSIGN_OR_RETURN(auto prog, Programme::Create(config, areas, &keys));
//   for (PlannedEvent& e : prog->RegistryEvents()) ...sign, append...
//   PlannedEvent e;
//   while (true) {
//     ASSIGN_OR_RETURN(Programme::Step s, prog->Next(&e));
//     if (s == Programme::Step::kDone) break;
//     if (s == Programme::Step::kNeedResults) { ...append what is pending, Acknowledge()...; continue; }
//     ...sign e.body with *e.key, append at e.recorded_ns, then prog->Acknowledge(e, result)...
//   }
//
// Deterministic: the same config gives the same events, byte for byte.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/admin_areas.h"
#include "ledger/crypto.h"
#include "ledger/event.h"
#include "ledger/ledger.h"
#include "ledger/status.h"
#include "seed/keys.h"

namespace ledger::seed {

struct ProgrammeConfig {
  uint64_t seed = 1;
  uint64_t households = 1000;
  std::vector<std::string> provinces;   // 2-digit codes; empty = all
  int fiscal_year_be = 2565;
  bool inject_anomalies = false;
  // Corrections name events by leaf hash, known only once appended: off
  // when events are written as JSONL rather than appended.
  bool corrections = true;
};

inline constexpr uint32_t kNoHousehold = ~0u;

struct PlannedEvent {
  int64_t recorded_ns = 0;          // when the ledger should record it (simulated)
  std::string body;                 // canonical EventBody bytes, unsigned
  const PrivateKey* key = nullptr;  // who signs it
  uint32_t household = kNoHousehold;
  int32_t help = -1;                // the household's help it records (its result is kept)
  int32_t anomaly = -1;             // index into anomalies()
  std::string role;                 // its part in the anomaly
  bool registry = false;
};

// One injected anomaly and the events that make it (seqs once appended).
struct Anomaly {
  struct Event {
    std::string role;
    uint64_t seq = 0;
    Hash leaf_hash{};
    bool appended = false;
  };
  std::string type;                 // duplicate_help, help_after_exit, back_dating, ...
  std::string household;            // "" when it spans households
  std::string officer;              // for officer anomalies
  std::string description;
  std::vector<Event> events;
};

class Programme {
 public:
  static StatusOr<std::unique_ptr<Programme>> Create(const ProgrammeConfig& config, const tools::AdminAreas& areas,
                                                     SeedKeys* keys);
  ~Programme();

  // AgencyRegistered then OfficerRegistered events, recorded 20 days
  // before the fiscal year starts.
  StatusOr<std::vector<PlannedEvent>> RegistryEvents();

  enum class Step { kEvent, kNeedResults, kDone };
  // The next household event in recorded order. kNeedResults: it names an
  // event not yet acknowledged; append and acknowledge what is pending and
  // call again.
  StatusOr<Step> Next(PlannedEvent* out);
  // `e` was stored as `result`.
  void Acknowledge(const PlannedEvent& e, const AppendResult& result);
  // `e` was refused: its household's later events are dropped.
  void Refused(const PlannedEvent& e);

  const std::vector<Anomaly>& anomalies() const;
  // Household events planned (registry events not included).
  uint64_t planned_events() const;
  // Registry events (agencies and officers).
  uint64_t registry_events() const;
  uint64_t households() const;
  // The checkpoint origin for this selection, e.g. "ledger.cdd.go.th/si-sa-ket".
  std::string Origin() const;
  // The fiscal year's cut-off: 30 September (CE) of the year.
  CivilDate Cutoff() const;

 private:
  struct Impl;
  explicit Programme(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ledger::seed
