// Offline audit of a ledger store (the library behind `ledger-verify`, after
// Tessera's fsck): re-derives everything from the raw `events` column family
// and compares it with what the store holds.
//
//   VerifyOptions options;
//   options.progress = [](const VerifyProgress& p) { Draw(p.done, p.total); };
//   ASSIGN_OR_RETURN(VerifyReport report, VerifyStore("/var/lib/ledger", options));
//   if (!report.ok) std::cerr << report.problems[0].message << "\n";
//
// What is checked, from the raw events:
//   * keys are 8-byte big-endian seqs ("event_key"), gap-free from 0
//     ("missing_event");
//   * each value is a canonical Envelope ("malformed_event") whose seq field
//     equals its key ("seq_mismatch");
//   * leaf hash = SHA-256(0x00 || leaf) equals the hash the rest of the store
//     recorded for that seq: the Merkle tree's leaf and the next event's
//     prevHash ("leaf_hash"); prevHash = leaf hash of seq-1, zeros for 0
//     ("prev_hash"); householdPrev names the same household's previous event
//     and its hash, or none for its first ("household_link"); recordedAt
//     strictly increases with seq ("recorded_at");
//   * the trust chain, replayed with KeyRegistry: AgencyRegistered signed by
//     the root key, OfficerRegistered/Revoked by the agency's key, other
//     events by a registered, non-revoked officer of the body's agency
//     ("trust"), and every Ed25519 signature ("signature");
//   * the Merkle tree rebuilt with merkle::TreeBuilder equals every stored
//     tile byte for byte; missing and extra tiles ("tile");
//   * every checkpoint: key == its size, signed by the store's server key,
//     right origin, root == the rebuilt root at that size, not beyond the
//     log ("checkpoint"); events beyond the latest checkpoint
//     ("uncovered_event");
//   * the idempotency and by_household/by_agency/by_officer entries are
//     exactly those the events imply ("idempotency", "index"), and the
//     persisted key registry equals the replayed one ("registry");
//   * projections == rebuild: the household and area projections the
//     writer keeps, and every snapshot, equal a fold of the events from
//     seq 0 (projection.h); the households and areas that differ are named
//     ("projection"; compared only when the events themselves are sound);
//   * RocksDB's own block checksums ("store").
//
// Blame: when an event's bytes disagree with the hash that both the Merkle
// tree and the next event recorded for it, the event is named, not its
// neighbours; the rebuilt tree then carries the recorded hash so that one
// altered event yields one problem rather than a cascade through every
// later tile and checkpoint. When the event agrees with its successor but
// not with the tree, the tile is named instead. Links to an event already
// found bad are not blamed on the event that links.
//
// Not checked: the domain rules of each event at its time (the projections
// rebuild folds events without judging them), and, without signature
// checks, the signatures of all but the reported checkpoint.
//
// Threads: `threads` counts the calling thread. It reads RocksDB and runs
// the in-order checks (chain, trust chain, tree); the others decode, hash
// and check signatures of chunks of events, fold the projections, and scan
// the index column families. The progress callback runs on the calling
// thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ledger/merkle.h"
#include "ledger/status.h"

namespace ledger {

struct VerifyProgress {
  uint64_t done = 0;    // events checked so far
  uint64_t total = 0;   // events in the store
};

struct VerifyOptions {
  // Verify every officer signature and every checkpoint signature. When
  // false only the latest checkpoint's signature is verified (it anchors
  // the report); everything else is still checked.
  bool check_signatures = true;
  // Rebuild the projections and compare (the costliest check after the
  // signatures).
  bool check_projections = true;
  // Threads to use, counting the caller; at least 1.
  int threads = 2;
  // At most this many problems are kept (the rest are only counted).
  size_t max_problems = 1000;
  std::function<void(const VerifyProgress&)> progress;
};

// One thing found wrong. `kind` is one of the stable names listed above.
// A problem names a seq, a tile or a checkpoint (by tree size) when it can.
struct VerifyProblem {
  std::string kind;
  std::optional<uint64_t> seq;
  std::optional<merkle::TileId> tile;
  std::optional<uint64_t> checkpoint_size;
  std::string message;
};

struct VerifyReport {
  bool ok = false;
  // Size of the log: the last event's seq + 1, or the latest checkpoint's
  // size when events at the end are missing.
  uint64_t events = 0;
  // Lowest seq named by any problem.
  std::optional<uint64_t> first_bad_seq;
  // Ordered by seq, then checkpoint size, then tile; at most max_problems.
  std::vector<VerifyProblem> problems;
  uint64_t problems_total = 0;   // including those not kept
  // The newest checkpoint note that passed every check ("" if none), and
  // the server's note verifier key.
  std::string checkpoint;
  std::string vkey;
  double seconds = 0;            // wall time of the verification
};

// Verifies the store in `dir`, opened read-only (safe beside a running
// writer, which the report then describes as of the moment it was opened).
// A tampered or corrupt store is an ok Status with report.ok == false; the
// Status fails only when the store cannot be opened (reasons as
// Ledger::OpenReadOnly: NO_STORE, NOT_A_STORE, STORE_CORRUPT, ...) or read.
StatusOr<VerifyReport> VerifyStore(const std::string& dir, const VerifyOptions& options = {});

// "tile 0/3 row 0 pos 17" / "checkpoint 120" / "seq 42" / "" : what a
// problem names, for messages.
std::string ProblemLocation(const VerifyProblem& problem);

}  // namespace ledger
