// Ledger::Impl: the state shared by the read path and the writer thread.
// Internal to the ledger library (tools reach it only through ledger.h and
// verify.h).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

#include "ledger/event_codec.h"
#include "ledger/ledger.h"
#include "tree/heads_batch.h"
#include "tree/heads_map.h"
#include "tree/merkle_tiles.h"
#include "ledger/note.h"
#include "rules/domain.h"
#include "trust/registry.h"
#include "store/store.h"

namespace ledger {

// One caller's Append: its outcomes fill in as its events are written.
struct AppendRequest {
  std::vector<AppendOutcome> outcomes;
  AppendCallback done;
  size_t remaining = 0;
};

// One event waiting for the writer, parsed and (usually) signature-checked
// by the caller's thread.
struct PendingEvent {
  std::shared_ptr<AppendRequest> request;
  size_t index = 0;
  std::optional<MessageBytes> message;  // the SignedBody
  std::string body_canonical;           // what was signed; moved to inflight_keys once sequenced
  std::string verified_key;             // key the signature verified with, if any
  Status early_error;                   // set when parsing/checking already failed
};

// One sequenced group on its way to disk: the events' outcomes are filled
// in; `batch` holds every put but the checkpoint, which the committer signs.
struct CommitJob {
  std::vector<PendingEvent> group;
  size_t appended = 0;          // events of `group` that this batch stores
  rocksdb::WriteBatch batch;
  uint64_t size = 0;            // tree size once written
  std::string checkpoint_text;  // unsigned checkpoint body for `size`
  int64_t recorded_at = 0;      // recordedAt of its last event (LedgerStats)
  std::vector<heads::HeadsMap::Entry> heads_updates;   // for the readers' map once durable
  // Set when sequencing this group stopped the writer (an exception, a
  // projection that cannot be flushed): the committer stops the ledger
  // with it on reaching this job, after writing the jobs before it.
  Status stop;
};

// Bounded cache of immutable (full) Merkle tiles for the read path.
class TileCache {
 public:
  explicit TileCache(size_t capacity) : capacity_(capacity) {}
  std::shared_ptr<const merkle::Tile> Get(const merkle::TileId& id);
  void Put(const merkle::TileId& id, std::shared_ptr<const merkle::Tile> tile);

 private:
  struct IdHash {
    size_t operator()(const merkle::TileId& id) const {
      return std::hash<uint64_t>()(id.index * 64 + static_cast<uint64_t>(id.level));
    }
  };
  std::mutex mu_;
  size_t capacity_;
  std::unordered_map<merkle::TileId, std::shared_ptr<const merkle::Tile>, IdHash> map_;
};

struct Ledger::Impl {
  std::unique_ptr<Store> store;
  StoreInfo info;
  LedgerOptions options;
  bool read_only = false;
  std::optional<NoteSigner> signer;

  // Durable tree size; published after each successful write.
  std::atomic<uint64_t> size{0};
  TileCache tiles{4096};

  // Trust chain; the writer mutates under the exclusive lock.
  mutable std::shared_mutex registry_mu;
  std::unique_ptr<KeyRegistry> registry;
  // Domain rules and projections (writer thread only).
  std::unique_ptr<DomainState> domain;

  // ---- sequencer (writer thread) state
  merkle::TreeBuilder tree;
  Hash last_leaf_hash{};
  // recordedAt of the last sequenced event and the clock's previous
  // reading; both start at the last stored event's recordedAt (LoadHeads).
  int64_t last_recorded_at = 0;
  int64_t last_clock_reading = 0;
  // What Ledger::Clock() reports (written by the writer, read anywhere).
  std::atomic<uint64_t> clock_steps_back{0};
  std::atomic<int64_t> clock_last_step_ns{0};
  std::atomic<int64_t> clock_last_recorded_at{0};
  // Sequenced but maybe not durable yet (jobs handed to the committer): the
  // leaf hashes from seq `inflight_base` on, and the idempotency keys with
  // their results and the canonical bytes of the signed body (a replay must
  // match them). Entries below the durable size are trimmed.
  struct InflightKey {
    AppendResult result;
    std::string body_canonical;
  };
  uint64_t inflight_base = 0;
  std::deque<Hash> inflight_hashes;
  std::unordered_map<std::string, InflightKey> inflight_keys;
  std::deque<std::pair<uint64_t, std::string>> inflight_key_order;

  // ---- heads map (docs/formats.md §7). The last event of a group carries
  // the root of the map over the events before it, so every map here is
  // "all but the last event": the `heads` column family and both maps hold
  // the heads of events [0, size-1), and the last event's own updates wait
  // in `writer_tail` for the next group. The writer's map runs ahead of the
  // disk; the readers' is as of `durable_heads_size` (a checkpointed size)
  // and the committer brings it forward after each write.
  heads::HeadsMap writer_heads;
  std::vector<heads::HeadsMap::Entry> writer_tail;
  mutable std::shared_mutex heads_mu;
  // The readers' map is brought forward lazily: the committer only queues
  // each durable group's updates (durable_pending), and the first proof
  // after them, or a queue past kMaxPendingHeads, applies them in one
  // SetMany. Appends with no proofs in between pay one map update, not two.
  mutable heads::HeadsMap durable_heads;
  mutable std::vector<heads::HeadsMap::Entry> durable_pending;
  uint64_t durable_heads_size = 0;   // what durable_heads + durable_pending hold
  static constexpr size_t kMaxPendingHeads = 1 << 18;
  // Applies durable_pending; the caller holds heads_mu exclusively.
  void ApplyPendingHeads() const;
  bool heads_loaded = false;

  // ---- committer handoff (appender.cc): the writer sequences group N+1
  // while the committer writes and acknowledges group N.
  std::mutex commit_mu;
  std::condition_variable commit_cv;
  std::deque<CommitJob> commit_jobs;   // at most kCommitDepth
  bool commit_busy = false;            // the committer is writing a job
  bool commit_stop = false;
  Status poisoned;                     // under commit_mu; see Poison()
  // The writer's own stop (writer thread only): set with CommitJob::stop,
  // before the committer gets there, so that no later group is sequenced.
  Status writer_stopped;

  // ---- pause and resume after a retryable store error (writer thread;
  // appender.cc, Recover). `paused_since` is when appends started failing.
  std::chrono::steady_clock::time_point next_recovery{};
  std::atomic<int64_t> paused_since_ns{0};   // steady clock; set by the thread that pauses
  std::atomic<bool> below_floor{false};   // the last group was refused by the floor (read by Stats)
  Status floor_cause;                  // its status, for on_appends_resumed

  // ---- figures for Ledger::Stats (relaxed; written by the writer and committer)
  std::atomic<uint64_t> store_full_errors{0};
  std::atomic<uint64_t> store_io_errors{0};
  std::atomic<uint64_t> store_failed_errors{0};
  std::atomic<int64_t> durable_recorded_at{0};   // recordedAt of the last durable event
  // Counts a store fault that paused or stopped appends, by its reason.
  void CountStoreError(const Status& s);

  // ---- queue
  std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::deque<PendingEvent> queue;
  size_t queued_events = 0;
  bool stopping = false;
  std::thread writer;

  // Read path.
  StatusOr<std::optional<merkle::Tile>> LoadTile(const merkle::TileId& id);
  // The same without copying: cached full tiles are shared (nullptr: none).
  StatusOr<std::shared_ptr<const merkle::Tile>> SharedTile(const merkle::TileId& id);
  merkle::NodeReader Nodes();
  Status LoadMeta();
  // Reads the heads map from the `heads` column family, or rebuilds it from
  // the events (a store from before it) and, unless read-only, stores it.
  // Also takes the writer's last recordedAt from the last event it decodes.
  Status LoadHeads();

  // Write path: Prepare in callers' threads, Sequence in the writer thread,
  // Commit in the committer thread.
  // Every one of them catches what it calls throws (appender.cc).
  void WriterLoop();
  void CommitterLoop();
  void Sequence(CommitJob& job);       // fills in job.group's outcomes, the batch, ...
  void SequenceGroup(CommitJob& job);  // the same, throwing
  void SealGroup(CommitJob& job, heads::HeadsBatch& heads_batch, size_t last_begin,
                 capnp::MallocMessageBuilder& envelope, std::string& leaf, Hash& leaf_hash);
  void Commit(CommitJob& job);
  void HandOff(CommitJob& job);
  void WaitCommitted();               // until every handed-off job is done
  void CompleteHere(std::vector<PendingEvent>& group, const Status& failed);
  void Acknowledge(PendingEvent& p);  // counts p down; calls back after a request's last
  // The status of every append once the ledger has stopped: the first
  // Poison() wins; OK while appends are accepted.
  Status Poisoned();
  void Poison(const Status& why);
  static Status StoppedAfter(std::string_view what, const Status& cause);
  // A store error that goes away with its cause (STORE_FULL, STORE_IO).
  static bool Resumable(const Status& s);
  // Writer thread, before each group: if appends are paused by a
  // resumable error, at most every kRecoveryInterval, waits for the
  // committer, checks the floor, resumes RocksDB and reloads the writer's
  // state from the store; on success appends go on.
  void Recover();
  Status ReloadWriterState();
  // The free-space floor for the next group (SequenceGroup); reports
  // crossing it both ways.
  Status CheckFloor();
  void ReportPaused(const Status& cause);
  void ReportResumed(const Status& cause);
  // Reads options.clock and notes a step back (writer thread).
  int64_t ReadClock();
  void TrimInflight();
  void Prepare(PendingEvent& p);
  StatusOr<Hash> LeafHashForWriter(uint64_t seq);
  // The event already stored (or in flight) under idempotency key `key`:
  // nullopt when the key is new; its result with duplicate = true when its
  // signed body is `body_canonical` byte for byte; IDEMPOTENCY_CONFLICT when
  // it is another body.
  StatusOr<std::optional<AppendResult>> Replayed(const std::string& key, std::string_view body_canonical);
};

}  // namespace ledger
