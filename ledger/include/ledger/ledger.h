// The ledger: an append-only, hash-chained, Merkle-tree-backed event store
// in RocksDB with group commit and signed checkpoints.
//
//   CreateOptions c;  c.origin = "ledger.cdd.go.th/sisaket";
//   c.root_public_key = operator_key.PublicKeyBytes();
//   ASSIGN_OR_RETURN(auto ledger, Ledger::Create(dir, c, std::move(server_key)));
//   std::vector<AppendOutcome> r = ledger->Append({SignBody(body, officer_key)});
//   if (r[0].ok()) use(r[0]->seq, r[0]->leaf_hash);
//   ASSIGN_OR_RETURN(auto proof, ledger->InclusionProof(seq, ledger->Size()));
//
// Appends from every thread are group-committed: one writer thread sequences
// many callers' events into one RocksDB WriteBatch while a committer thread
// writes the previous one with the WAL synced (DESIGN.md §5; appender.cc). A caller learns its seq only after that sync. The queue is
// bounded: when it is full, Append fails fast with ResourceExhausted
// (reason "PUSHBACK") instead of growing.
//
// Thread-safety: every method may be called from any thread. Read methods
// see only durable (acknowledged) state.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/bytes.h"
#include "ledger/crypto.h"
#include "ledger/heads.h"
#include "ledger/status.h"

namespace ledger {

inline constexpr int kStoreFormatVersion = 1;

struct CreateOptions {
  std::string origin;            // checkpoint origin, e.g. "ledger.cdd.go.th/sisaket"
  std::string root_public_key;   // the operator's Ed25519 root key (32 bytes)
  std::string key_name;          // note key name; defaults to the origin
  // The root and server keys were derived from something guessable (a
  // seed: ledger-seed --insecure-deterministic-keys). Recorded in the store
  // for good ("meta/insecure_keys"), so that whoever serves it is warned.
  bool insecure_deterministic_keys = false;
};

struct LedgerOptions {
  // Group commit: at most this many events per WriteBatch.
  size_t max_batch_events = 1000;
  // Pushback threshold: events queued but not yet written. One Append of
  // more events than this never fits: InvalidArgument (BATCH_TOO_LARGE).
  size_t max_queued_events = 200000;
  // fsync the WAL before acknowledging. Only benchmarks turn this off.
  bool sync = true;
  // Verify each event's Ed25519 signature. Off only for pre-verified
  // events (benchmarks of the storage path); the trust rules still apply.
  bool verify_signatures = true;
  // Commit to every entity's head (docs/formats.md §7.6). Off only to
  // measure its cost (ledger-bench): clients refuse the histories of a
  // store written without it (INCOMPLETE_HISTORY).
  bool heads_map = true;
  // Clock for recordedAt, ns since the Unix epoch. Defaults to the system
  // clock. It is read once per group commit; recordedAt never goes back:
  // each event's is the later of that reading and the previous event's
  // recordedAt + 1 ns (also across reopening), so recordedAt strictly
  // increases with seq (docs/formats.md §1.1).
  std::function<int64_t()> clock;
  // Called on the writer thread each time `clock` reads earlier than its
  // previous reading (the first reading after opening: than the last
  // event's recordedAt), once per step, with both readings. The events go
  // on at previous recordedAt + 1 ns until the clock catches up. Must be
  // quick; what it throws is ignored. ledgerd logs a warning.
  std::function<void(int64_t previous_ns, int64_t now_ns)> on_clock_step_back;
  // Free-space floor: below this many bytes free on the store's file
  // system, appends fail with UNAVAILABLE / STORE_FULL before RocksDB runs
  // out (reads go on; appends resume once space is freed). 0 = none.
  uint64_t min_free_bytes = uint64_t{256} << 20;
  // Appends paused and resumed (docs/operations.md "Storage faults"):
  // `on_appends_paused` runs once when appends start failing with a
  // retryable store error (STORE_FULL after ENOSPC or below the floor,
  // STORE_IO after another I/O error such as EMFILE), with that error;
  // `on_appends_resumed` once they are accepted again, with the error and
  // how long the pause lasted. Called on the ledger's threads; must be
  // quick; what they throw is ignored. ledgerd logs both.
  std::function<void(const Status& cause)> on_appends_paused;
  std::function<void(const Status& cause, int64_t paused_ns)> on_appends_resumed;
  // RocksDB block cache in bytes.
  size_t block_cache_bytes = 64 << 20;
  // Projection snapshot every this many events (at the first group commit
  // that reaches each multiple); 0 = none. See docs/domain.md.
  uint64_t snapshot_every_events = 100000;
  // Reference data for the domain rules (reference.h); "" = built in.
  std::string areas_csv;        // DOPA area list, format of thai_admin_divisions.csv
  std::string indicators_csv;   // "indicator,dimension" lines
};

struct AppendResult {
  uint64_t seq = 0;
  Hash leaf_hash{};
  bool duplicate = false;   // the idempotency key was seen before; nothing stored
};
using AppendOutcome = StatusOr<AppendResult>;
using AppendCallback = std::function<void(std::vector<AppendOutcome>)>;

// The writer's view of LedgerOptions::clock since the ledger was opened.
struct ClockReport {
  uint64_t steps_back = 0;      // readings earlier than the one before
  int64_t last_step_ns = 0;     // how far back the latest step went (> 0), 0 if none
  int64_t last_recorded_at = 0; // recordedAt of the latest sequenced event (0: none)
};

// Figures for monitoring (ledgerd's GET /metrics, docs/operations.md
// "Metrics"): the append queue, pauses and store faults, the last
// checkpoint, and RocksDB's own stall and compaction figures. Plain values;
// reading them takes the queue's lock for a moment and asks RocksDB for a
// few properties, so it is for a scrape every few seconds, not per append.
struct LedgerStats {
  uint64_t queued_events = 0;       // accepted by Append, not yet taken by the writer
  uint64_t max_queued_events = 0;   // LedgerOptions::max_queued_events (pushback beyond)
  // Appends paused by a retryable store error (STORE_FULL, STORE_IO) or the
  // free-space floor; they resume by themselves (Poisoned()).
  bool appends_paused = false;
  // Appends stopped after an internal error (STORE_FAILED) until reopened.
  bool appends_stopped = false;
  // Store faults since the ledger was opened, by the reason appends got
  // from them: each failed write that paused appends (and each crossing of
  // the free-space floor, STORE_FULL), each internal error that stopped them.
  uint64_t store_full_errors = 0;
  uint64_t store_io_errors = 0;
  uint64_t store_failed_errors = 0;
  // recordedAt (ns since the Unix epoch) of the last event of the latest
  // durable checkpoint (one is signed at each group commit); 0: empty log.
  int64_t last_checkpoint_recorded_at_ns = 0;
  // RocksDB's figures (DB properties; cumulative ones since the store was
  // opened, summed over the column families).
  struct Rocks {
    uint64_t delayed_write_rate = 0;        // bytes/s while writes are slowed down (actual-delayed-write-rate), else 0
    bool write_stopped = false;             // is-write-stopped
    uint64_t write_stall_micros = 0;        // time user writes waited in stalls (dbstats user_write_stall_micros)
    uint64_t stall_slowdowns = 0;           // slowdowns begun (cfstats io_stalls.total_slowdown)
    uint64_t stall_stops = 0;               // stops begun (cfstats io_stalls.total_stop)
    uint64_t running_compactions = 0;       // num-running-compactions
    uint64_t running_flushes = 0;           // num-running-flushes
    uint64_t compactions_pending = 0;       // column families with compaction-pending
    uint64_t pending_compaction_bytes = 0;  // estimate-pending-compaction-bytes
    uint64_t compactions = 0;               // compaction and flush jobs done (cfstats compaction.Sum.CompCount)
    double compaction_seconds = 0;          // their time (compaction.Sum.CompSec)
    uint64_t background_errors = 0;         // background-errors
    uint64_t sst_bytes = 0;                 // total-sst-files-size
    uint64_t memtable_bytes = 0;            // cur-size-all-mem-tables
  } rocksdb;
};

struct StoreInfo {
  std::string origin;
  std::string key_name;
  std::string server_public_key;   // 32 bytes
  std::string root_public_key;     // 32 bytes
  int format_version = 0;
  bool insecure_deterministic_keys = false;   // CreateOptions::insecure_deterministic_keys
  std::string VerifierKey() const; // note verifier key of the server
};

// A key of the registry (trust/registry.h): an agency's or an officer's.
struct RegisteredKey {
  bool officer = false;            // false: an agency's key
  std::string id;                  // agency code or officer id
  std::string agency;              // the officer's agency (the code, for an agency)
  std::string public_key;          // 32 bytes
  uint64_t registered_seq = 0;
  bool revoked = false;
  uint64_t revoked_seq = 0;
};

class Ledger {
 public:
  // Creates a new store in `dir` (which must not hold one) and opens it.
  static StatusOr<std::unique_ptr<Ledger>> Create(const std::string& dir,
                                                  const CreateOptions& create,
                                                  PrivateKey server_key,
                                                  const LedgerOptions& options = {});
  // Opens an existing store for reading and appending. `server_key` must be
  // the key the store was created with (it signs checkpoints).
  static StatusOr<std::unique_ptr<Ledger>> Open(const std::string& dir, PrivateKey server_key,
                                                const LedgerOptions& options = {});
  // Opens read-only (no appends, no key needed); safe beside a running writer.
  static StatusOr<std::unique_ptr<Ledger>> OpenReadOnly(const std::string& dir);

  // Drains the queue (acknowledging what was accepted) and closes the store.
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Appends SignedBody messages (standard Cap'n Proto framing). Outcomes are
  // per event, in order: one bad event does not affect the others. Blocks
  // until the events are durable.
  std::vector<AppendOutcome> Append(std::vector<std::string> signed_bodies);
  // Same, asynchronous: `done` runs on the ledger's committer thread after
  // the sync, in commit order (or at once, on the caller's thread, on
  // pushback). It must be quick and must not call Append; what it throws
  // is dropped. If AppendAsync throws (out of memory), nothing was queued
  // and `done` was not called.
  void AppendAsync(std::vector<std::string> signed_bodies, AppendCallback done);

  // OK while appends are accepted. After a failed write with an I/O error
  // (ENOSPC: STORE_FULL; EMFILE and the rest: STORE_IO; both UNAVAILABLE)
  // appends are paused: each fails with that status, and the writer tries
  // again (RocksDB's Resume, then its state reloaded from the store) at
  // most every 250 ms while appends arrive, so they resume by themselves
  // once the cause is gone; nothing acknowledged is lost. After an internal
  // error in the writer or committer thread (an exception: every event of
  // that group fails with INTERNAL / INTERNAL_ERROR, nothing of it is
  // written) the ledger stops accepting appends until it is reopened; this
  // is then the status every append gets (UNAVAILABLE, STORE_FAILED).
  // Reads go on in both cases.
  Status Poisoned() const;

  const StoreInfo& info() const;
  // Number of durable events (the tree size).
  uint64_t Size() const;
  // Every agency and officer key registered in the durable log, agencies
  // first, each sorted by id (revoked officers included).
  std::vector<RegisteredKey> RegisteredKeys() const;
  // The menu in force in the durable log: the latest MenuPublished
  // (docs/domain.md "The menu"); nullopt while none was published.
  struct MenuInfo {
    uint32_t version = 0;
    uint64_t seq = 0;
    size_t items = 0;
    size_t withdrawn = 0;
  };
  StatusOr<std::optional<MenuInfo>> PublishedMenu() const;
  // Steps back of the clock seen by the writer (LedgerOptions::clock).
  ClockReport Clock() const;
  // Figures for monitoring (LedgerStats).
  LedgerStats Stats() const;

  StatusOr<std::string> LeafBytes(uint64_t seq) const;
  StatusOr<Hash> LeafHash(uint64_t seq) const;
  StatusOr<Hash> RootAt(uint64_t size) const;
  StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size) const;
  StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t old_size, uint64_t new_size) const;
  // The signed checkpoint note of exactly `size` (one exists for every size
  // that ended a group commit), or the latest one.
  StatusOr<std::string> CheckpointAt(uint64_t size) const;
  StatusOr<std::string> LatestCheckpoint() const;
  // Seqs of a household's / agency's / officer's events, ascending.
  StatusOr<std::vector<uint64_t>> HouseholdSeqs(const std::string& household) const;
  StatusOr<std::vector<uint64_t>> AgencySeqs(const std::string& agency) const;
  StatusOr<std::vector<uint64_t>> OfficerSeqs(const std::string& officer) const;
  // Seqs of the registry events behind an officer's key, ascending: the
  // agency's AgencyRegistered, then (when `officer` is not empty) the
  // officer's OfficerRegistered and OfficerKeyRevoked if it was revoked.
  // NotFound (UNKNOWN_AGENCY, UNKNOWN_OFFICER) when not registered. Lets an
  // inspector check a key's validity at the time of an event.
  StatusOr<std::vector<uint64_t>> RegistrySeqs(const std::string& agency, const std::string& officer) const;

  // What the log commits to about an entity (docs/formats.md §7), as of the
  // checkpointed size `tree_size` (<= Size()): the leaf bytes of event
  // tree_size-1, which carries the heads root of events [0, tree_size-1),
  // the map proof, and the entity's head in that map (48 bytes; "" when
  // absent). heads::CommittedHead() checks it. FailedPrecondition on a store
  // opened read-only.
  struct HeadEvidence {
    uint64_t tree_size = 0;
    std::string root_leaf;
    std::string map_proof;
    std::string head;
  };
  StatusOr<HeadEvidence> ProveHead(const heads::EntityId& entity) const;

  // Calls `fn(seq, leaf_bytes)` for every durable event with
  // from <= seq < min(to, Size()), in order, streaming with one RocksDB
  // iterator (no cache fill). `leaf_bytes` is valid only during the call.
  // Stops at the first non-OK status from `fn` and returns it; DataLoss
  // (reason "MISSING_EVENT") when a seq in the range has no event.
  using EventVisitor = std::function<Status(uint64_t seq, std::string_view leaf_bytes)>;
  Status ForEachEvent(uint64_t from, uint64_t to, const EventVisitor& fn) const;

  struct Impl;

 private:
  // The library's own stages (verify/, projection/) reach the store through
  // append/ledger_internal.h; nothing outside the library can.
  friend struct LedgerInternal;
  explicit Ledger(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ledger
