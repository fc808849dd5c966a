// Part of the verifier (verify.h): projections == rebuild. Folds every
// event from seq 0 into a fresh Projector (projection.h) and compares it
// with the projection the writer keeps (StoredProjection) and with every
// snapshot (ProjectionAt its size), naming the households and areas that
// differ.
//
//   ProjectionAudit audit(ledger, &sink);
//   for (each event in seq order) audit.Add(seq, leaf_bytes, leaf_hash);  // one thread at a time
//   audit.Finish(events, /*events_sound=*/!sink.first_bad_seq());
//
// Nothing is reported when the events themselves are not sound (a rebuild
// from altered events is bound to differ; the event problems say why).
// Internal to the ledger library.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/ledger.h"
#include "ledger/projection.h"
#include "verify_problems.h"

namespace ledger {

class ProjectionAudit {
 public:
  // `ledger` and `sink` must outlive this.
  ProjectionAudit(const Ledger& ledger, ProblemSink* sink);

  // Folds event `seq` (the next one). Calls must not overlap.
  void Add(uint64_t seq, std::string_view leaf_bytes, const Hash& leaf_hash);
  // Compares the rebuild of `events` events with the stored projection.
  // `events_sound`: no event-level problem was found (else a fold that
  // stopped is not reported again).
  void Finish(uint64_t events, bool events_sound);

 private:
  // Reports every household and area where `rebuilt` and `other` differ;
  // `what` names `other` ("the stored projection", "snapshot 100000").
  void CompareProjections(Projector& rebuilt, Projector& other, const std::string& what);
  void CheckSnapshot(uint64_t size);
  // Keeps a problem for Finish, which reports them only when the events
  // themselves are sound.
  void Report(VerifyProblem problem);

  const Ledger& ledger_;
  ProblemSink* sink_;
  Projector rebuilt_;
  std::vector<uint64_t> snapshots_;   // ascending; those not yet reached
  size_t next_snapshot_ = 0;
  Status stopped_;                    // why the fold stopped, if it did
  uint64_t stopped_at_ = 0;
  std::vector<VerifyProblem> found_;
};

}  // namespace ledger
