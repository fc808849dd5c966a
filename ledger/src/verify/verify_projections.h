// Part of the verifier (verify.h): projections == rebuild. Folds every
// event from seq 0 into a fresh Projector (projection.h) and compares what
// it would store, byte for byte, with what the writer stored
// (projection_store.h): every household, every area and the position in
// `projection`; and, at each snapshot, the households changed since the
// snapshot before, the area set and the snapshot's description in
// `snapshots`. The writer and the rebuild encode with the same code
// (canonical Cap'n Proto), so equal state gives equal bytes; comparing
// encodings avoids decoding both sides, several times slower.
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
#include "store/store.h"
#include "verify/verify_problems.h"

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
  // Reports unless `cf`[`key`] holds exactly `rebuilt`; `what` names it.
  void CheckStored(Cf cf, const std::string& key, const std::string& rebuilt, const std::string& what);
  void CheckSnapshot(uint64_t size);
  void CheckProjection();
  // Compares the `projection` keys under `prefix` with `want` (key, value).
  void MergeCompare(const std::string& prefix, std::vector<std::pair<std::string, std::string>> want,
                    const std::string& noun);
  // Keeps a problem for Finish, which reports them only when the events
  // themselves are sound.
  void Report(VerifyProblem problem);

  const Store& store_;
  ProblemSink* sink_;
  Projector rebuilt_;
  std::vector<uint64_t> snapshots_;   // sizes, ascending
  size_t next_snapshot_ = 0;
  uint64_t previous_snapshot_ = 0;
  Status stopped_;                    // why the fold stopped, if it did
  uint64_t stopped_at_ = 0;
  std::vector<VerifyProblem> found_;
};

}  // namespace ledger
