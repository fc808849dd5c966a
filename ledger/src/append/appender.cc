// The append path: parse and signature-check in the caller's thread, then
// group commit in the writer thread.
//
//   caller threads            writer thread               committer thread
//   --------------            -------------               ----------------
//   parse SignedBody          take up to max_batch_events sign the checkpoint
//   canonicalize body         per event: signer's key     one WriteBatch,
//   verify Ed25519 with the     and signature, then         WAL synced
//     signer's key              idempotency, registry     publish the size
//   enqueue (or PUSHBACK        and domain rules, seq,    acknowledge every
//     when full)                envelope, leaf hash,        caller, in order
//                               Merkle tiles, indexes,
//                               projection rows
//
// The order of the checks of one event (docs/protocol.md §3.1): shape; the
// trust chain (known agency, known officer of that agency, key not
// revoked, signature valid); only then the idempotency key (an earlier
// event with the same key and the same signed body bytes: its seq,
// duplicate; another body: IDEMPOTENCY_CONFLICT); then the registry's and
// the domain's rules, which a replay of a stored event would fail. A
// replayed key therefore never vouches for an event nobody could have
// signed, and never answers for another event than the one that was sent.
//
// The writer sequences group N+1 while the committer writes group N (the
// two use both cores). What the writer reads back must be current even for
// groups not yet durable: their leaf hashes and idempotency keys are kept
// in memory (inflight_*) until the durable size passes them, household
// heads come from the projection, and the projection's household cache is
// dropped only when nothing is in flight. Acknowledgements follow the
// groups' order, so no caller hears "ok" (or "duplicate") before every
// event it depends on is synced.
//
// If a write fails the ledger stops accepting appends (its in-memory state
// may be ahead of the disk), and a group sequenced after the failed one
// fails too; reopening the store recovers from the disk. Both threads catch
// every exception: one thrown while sequencing a group (out of memory, a
// library's std::exception, a clock that throws) fails that group's events
// with INTERNAL_ERROR, writes nothing of it and stops the ledger the same
// way, once the groups before it are written; one thrown while committing
// is a failed write. Neither ends the process.
#include <fmt/format.h>
#include <kj/exception.h>

#include "append/ledger_impl.h"
#include "ledger/event_limits.h"
#include "ledger/heads.h"
#include "ledger/reasons.h"
#include "store/free_space.h"
#include "tree/heads_batch.h"
#include "wire/body_limits.h"

namespace ledger {
namespace {

std::string ToStr(capnp::Data::Reader d) {
  return std::string(reinterpret_cast<const char*>(d.begin()), d.size());
}

capnp::Data::Reader AsData(const Hash& h) { return capnp::Data::Reader(h.data(), h.size()); }

bool HasNul(kj::StringPtr s) { return std::string_view(s.cStr(), s.size()).find('\0') != std::string_view::npos; }

// Checks that need no ledger state: sizes of ids and keys, the signature length.
Status CheckShape(schema::SignedBody::Reader sb) {
  auto body = sb.getBody();
  if (body.getIdempotencyKey().size() != 16) {
    return InvalidArgumentError(
        fmt::format("idempotencyKey: must be 16 bytes, got {}", body.getIdempotencyKey().size()),
        reason::kBadIdempotencyKey);
  }
  if (sb.getSignature().size() != kEd25519SignatureSize) {
    return InvalidArgumentError("signature: must be 64 bytes", reason::kBadSignature);
  }
  for (auto [name, text] : {std::pair{"household", body.getHousehold()}, std::pair{"agency", body.getAgency()},
                            std::pair{"officer", body.getOfficer()}}) {
    if (text.size() > 64 || HasNul(text)) {
      return InvalidArgumentError(fmt::format("{}: must be at most 64 bytes without NUL", name), reason::kBadId);
    }
  }
  if (body.getAgency().size() == 0) return InvalidArgumentError("agency: must not be empty", reason::kMissingField);
  if (static_cast<uint16_t>(body.getPayload().which()) >= kEventKindCount) {
    return InvalidArgumentError("payload: unknown event kind", reason::kUnknownKind);
  }
  return OkStatus();
}

}  // namespace

// Runs in the caller's thread: everything that can be done without the
// writer's state, so that signature checks use every core.
void Ledger::Impl::Prepare(PendingEvent& p) {
  try {
    auto body = p.message->Root<schema::SignedBody>();
    if (Status s = CheckShape(body); !s.ok()) {
      p.early_error = s;
      return;
    }
    // Texts are UTF-8 and short, lists short (ledger/event_limits.h).
    if (Status s = CheckBodyLimits(body.getBody()); !s.ok()) {
      p.early_error = s;
      return;
    }
    p.body_canonical = CanonicalBytes(body.getBody());
    if (!options.verify_signatures) return;
    std::string key;
    {
      std::shared_lock lock(registry_mu);
      auto k = registry->SignerKey(body.getBody());
      if (!k.ok()) return;  // maybe registered by an event still queued: the writer decides
      key = std::move(*k);
    }
    auto sig = body.getSignature();
    if (Ed25519Verify(key, p.body_canonical,
                      std::string_view(reinterpret_cast<const char*>(sig.begin()), sig.size()))) {
      p.verified_key = std::move(key);
    } else {
      p.early_error = PermissionDeniedError("signature: does not verify with the signer's registered key",
                                            reason::kBadSignature);
    }
  } catch (const kj::Exception& e) {
    p.early_error = InvalidArgumentError(std::string("malformed event: ") + e.getDescription().cStr(),
                                         reason::kMalformedMessage);
  } catch (...) {
    p.early_error = ExceptionStatus(std::current_exception(), "checking the event");
  }
}

std::vector<AppendOutcome> Ledger::Append(std::vector<std::string> signed_bodies) {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<std::vector<AppendOutcome>> result;
  AppendAsync(std::move(signed_bodies), [&](std::vector<AppendOutcome> r) {
    std::lock_guard lock(mu);
    result = std::move(r);
    cv.notify_one();
  });
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return result.has_value(); });
  return std::move(*result);
}

void Ledger::AppendAsync(std::vector<std::string> signed_bodies, AppendCallback done) {
  Impl& d = *impl_;
  const size_t n = signed_bodies.size();
  if (n == 0) {
    done({});
    return;
  }
  auto fail_all = [&](const Status& s) {
    std::vector<AppendOutcome> r(n, AppendOutcome(s));
    done(std::move(r));
  };
  if (d.read_only) return fail_all(FailedPreconditionError("the store is open read-only", reason::kReadOnly));
  if (n > d.options.max_queued_events) {
    // Never fits, however long the caller waits: the request is at fault
    // (split it), not a resource that runs out (PUSHBACK).
    return fail_all(InvalidArgumentError(
        fmt::format("batch of {} events exceeds the queue capacity {}; send smaller batches", n,
                    d.options.max_queued_events),
        reason::kBatchTooLarge));
  }
  {
    // Fast pushback before doing any work.
    std::lock_guard lock(d.queue_mu);
    if (d.stopping) return fail_all(UnavailableError("the ledger is shutting down", reason::kShuttingDown));
    if (d.queued_events + n > d.options.max_queued_events) {
      return fail_all(ResourceExhaustedError("append queue is full; retry later", reason::kPushback));
    }
  }

  auto request = std::make_shared<AppendRequest>();
  request->outcomes.assign(n, AppendOutcome(InternalError("not processed")));
  request->done = std::move(done);
  request->remaining = n;

  std::vector<PendingEvent> pending(n);
  for (size_t i = 0; i < n; ++i) {
    PendingEvent& p = pending[i];
    p.request = request;
    p.index = i;
    if (Status s = CheckEventSize(signed_bodies[i].size()); !s.ok()) {  // before copying it to parse it
      p.early_error = s;
      continue;
    }
    auto msg = MessageBytes::Parse(signed_bodies[i], /*framed=*/true);
    if (!msg.ok()) {
      p.early_error = msg.status();
      continue;
    }
    p.message.emplace(std::move(*msg));
    d.Prepare(p);
  }

  std::unique_lock lock(d.queue_mu);
  if (d.stopping || d.queued_events + n > d.options.max_queued_events) {
    Status s = d.stopping ? UnavailableError("the ledger is shutting down", reason::kShuttingDown)
                          : ResourceExhaustedError("append queue is full; retry later", reason::kPushback);
    lock.unlock();
    request->outcomes.assign(n, AppendOutcome(s));
    request->done(std::move(request->outcomes));
    return;
  }
  // All or nothing: if the queue cannot take every event (out of memory),
  // none stays and `done` is not called (AppendAsync throws).
  const size_t before = d.queue.size();
  try {
    for (auto& p : pending) d.queue.push_back(std::move(p));
  } catch (...) {
    while (d.queue.size() > before) d.queue.pop_back();
    throw;
  }
  d.queued_events += n;
  lock.unlock();
  d.queue_cv.notify_one();
}

namespace {
// Jobs handed to the committer and not yet taken. With the one it is writing
// and the one the writer sequences, three groups are in flight at most.
constexpr size_t kCommitDepth = 1;
}  // namespace

void Ledger::Impl::WriterLoop() {
  std::thread committer([this] { CommitterLoop(); });
  while (true) {
    CommitJob job;
    try {
      {
        std::unique_lock lock(queue_mu);
        queue_cv.wait(lock, [&] { return stopping || !queue.empty(); });
        if (queue.empty() && stopping) break;
        size_t take = std::min(queue.size(), options.max_batch_events);
        job.group.reserve(take);
        for (size_t i = 0; i < take; ++i) {
          job.group.push_back(std::move(queue.front()));
          queue.pop_front();
        }
        queued_events -= take;
      }
      Recover();
      Sequence(job);
      HandOff(job);
      if (domain->CacheFull()) {
        // Dropped households are read back from the store: only once all is durable.
        WaitCommitted();
        domain->TrimCache();
      }
    } catch (...) {
      // Outside Sequence (which catches its own): the queue, the handoff or
      // the cache trim. The writer's state may be broken: stop appends.
      const Status failed = ExceptionStatus(std::current_exception(), "the writer thread");
      writer_stopped = StoppedAfter("an internal error", failed);
      Poison(writer_stopped);
      // A group that never reached the committer is answered here.
      if (!job.group.empty()) CompleteHere(job.group, failed);
    }
  }
  {
    std::lock_guard lock(commit_mu);
    commit_stop = true;
  }
  commit_cv.notify_all();
  committer.join();
}

// Moves `job` to the committer; if that throws (std::deque::push_back: no
// effect then), `job` is left as it was.
void Ledger::Impl::HandOff(CommitJob& job) {
  std::unique_lock lock(commit_mu);
  commit_cv.wait(lock, [&] { return commit_jobs.size() < kCommitDepth; });
  commit_jobs.push_back(std::move(job));
  job.group.clear();
  lock.unlock();
  commit_cv.notify_all();
}

// Writer thread: fails and answers events the committer will never see.
// Their requests may have other events in groups the committer still
// holds; once it is idle, nothing else counts them down.
void Ledger::Impl::CompleteHere(std::vector<PendingEvent>& group, const Status& failed) {
  try {
    WaitCommitted();
  } catch (...) {
    return;   // cannot be sure the committer is idle: answering could race it
  }
  for (auto& p : group) {
    if (!p.request) continue;
    try {
      p.request->outcomes[p.index] = AppendOutcome(failed);
    } catch (...) {
    }
    Acknowledge(p);
  }
  group.clear();
}

void Ledger::Impl::WaitCommitted() {
  std::unique_lock lock(commit_mu);
  commit_cv.wait(lock, [&] { return commit_jobs.empty() && !commit_busy; });
}

Status Ledger::Impl::Poisoned() {
  std::lock_guard lock(commit_mu);
  return poisoned;
}

void Ledger::Impl::Poison(const Status& why) {
  {
    std::lock_guard lock(commit_mu);
    if (!poisoned.ok()) return;
    poisoned = why;
  }
  CountStoreError(why);
  if (Resumable(why)) ReportPaused(why);
}

void Ledger::Impl::CountStoreError(const Status& s) {
  if (s.reason() == reason::kStoreFull) {
    store_full_errors.fetch_add(1, std::memory_order_relaxed);
  } else if (s.reason() == reason::kStoreIo) {
    store_io_errors.fetch_add(1, std::memory_order_relaxed);
  } else {
    store_failed_errors.fetch_add(1, std::memory_order_relaxed);
  }
}

bool Ledger::Impl::Resumable(const Status& s) {
  return s.code() == StatusCode::kUnavailable &&
         (s.reason() == reason::kStoreFull || s.reason() == reason::kStoreIo);
}

// A retryable cause keeps its reason (clients retry STORE_FULL and
// STORE_IO); anything else stops appends until the ledger is reopened.
Status Ledger::Impl::StoppedAfter(std::string_view what, const Status& cause) {
  if (Resumable(cause)) {
    return UnavailableError(fmt::format("appends are paused after {}: {}; they resume by themselves once the store "
                                        "can be written again",
                                        what, cause.message()),
                            cause.reason());
  }
  return UnavailableError(fmt::format("the ledger stopped accepting appends after {}: {}", what, cause.message()),
                          reason::kStoreFailed);
}

void Ledger::Impl::ReportPaused(const Status& cause) {
  paused_since_ns.store(std::chrono::steady_clock::now().time_since_epoch().count(), std::memory_order_relaxed);
  if (!options.on_appends_paused) return;
  try {
    options.on_appends_paused(cause);
  } catch (...) {
  }
}

void Ledger::Impl::ReportResumed(const Status& cause) {
  if (!options.on_appends_resumed) return;
  try {
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    options.on_appends_resumed(cause, std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::steady_clock::duration(
                                              now - paused_since_ns.load(std::memory_order_relaxed)))
                                          .count());
  } catch (...) {
  }
}

Status Ledger::Impl::CheckFloor() {
  Status s = CheckFreeSpace(store->dir(), options.min_free_bytes);
  if (!s.ok() && !below_floor) {
    below_floor = true;
    floor_cause = s;
    CountStoreError(s);
    ReportPaused(s);
  } else if (s.ok() && below_floor) {
    below_floor = false;
    ReportResumed(floor_cause);
  }
  return s;
}

namespace {
constexpr auto kRecoveryInterval = std::chrono::milliseconds(250);
}  // namespace

void Ledger::Impl::Recover() {
  const Status why = writer_stopped.ok() ? Poisoned() : writer_stopped;
  if (why.ok() || !Resumable(why)) return;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_recovery) return;
  next_recovery = now + kRecoveryInterval;
  // Every group handed off is answered (failed: it was built on state that
  // was never written), and no write is under way.
  WaitCommitted();
  if (!CheckFreeSpace(store->dir(), options.min_free_bytes).ok()) return;
  if (!store->Resume().ok()) return;   // still failing (a flush meets ENOSPC again): the next attempt tries again
  if (Status s = ReloadWriterState(); !s.ok()) {
    // The writer's state may be half reloaded: unless the store merely
    // failed to read again, nothing more may be appended.
    if (Resumable(s)) return;
    std::lock_guard lock(commit_mu);
    writer_stopped = StoppedAfter("a failed recovery from a write failure", s);
    poisoned = writer_stopped;
    CountStoreError(writer_stopped);
    return;
  }
  writer_stopped = OkStatus();
  {
    std::lock_guard lock(commit_mu);
    poisoned = OkStatus();
  }
  ReportResumed(why);
}

// The writer's state ran ahead of the disk (groups sequenced after the one
// that failed): take it again from what is durable, as Ledger::Open does.
Status Ledger::Impl::ReloadWriterState() {
  ASSIGN_OR_RETURN(uint64_t n, store->CountEvents());
  if (n != size.load(std::memory_order_acquire)) {
    return InternalError(fmt::format("after a failed write the store holds {} events, {} were acknowledged", n,
                                     size.load(std::memory_order_acquire)));
  }
  {
    auto reloaded = std::make_unique<KeyRegistry>(info.root_public_key);
    RETURN_IF_ERROR(reloaded->Load(*store));
    std::unique_lock lock(registry_mu);
    registry = std::move(reloaded);
  }
  ASSIGN_OR_RETURN(domain, DomainState::Load(*store, options, /*read_only=*/false));
  {
    // recordedAt keeps increasing past the failed groups' readings.
    const int64_t recorded_at = last_recorded_at, clock_reading = last_clock_reading;
    std::unique_lock lock(heads_mu);
    durable_pending.clear();
    RETURN_IF_ERROR(LoadHeads());
    last_recorded_at = std::max(last_recorded_at, recorded_at);
    last_clock_reading = std::max(last_clock_reading, clock_reading);
  }
  ASSIGN_OR_RETURN(tree, merkle::TreeBuilder::Resume(n, [this](const merkle::TileId& id) { return LoadTile(id); }));
  last_leaf_hash = Hash{};
  if (n > 0) {
    ASSIGN_OR_RETURN(last_leaf_hash, Nodes()(0, n - 1));
  }
  inflight_base = n;
  inflight_hashes.clear();
  inflight_keys.clear();
  inflight_key_order.clear();
  return OkStatus();
}

// Counts one event down; the request's callback runs after its last. What
// the callback throws is dropped: every event is already durable or failed.
void Ledger::Impl::Acknowledge(PendingEvent& p) {
  if (--p.request->remaining != 0) return;
  auto req = std::move(p.request);
  try {
    req->done(std::move(req->outcomes));
  } catch (...) {
  }
}

// One reading per group. A reading earlier than the previous one is a step
// back of the clock (NTP, an operator, a VM restored): counted and reported
// once, while recordedAt goes on from the previous event's (Sequence).
int64_t Ledger::Impl::ReadClock() {
  const int64_t now = options.clock();
  if (now < last_clock_reading) {
    clock_steps_back.fetch_add(1, std::memory_order_relaxed);
    clock_last_step_ns.store(last_clock_reading - now, std::memory_order_relaxed);
    if (options.on_clock_step_back) {
      try {
        options.on_clock_step_back(last_clock_reading, now);
      } catch (...) {
        // A report that fails must not stop appends.
      }
    }
  }
  last_clock_reading = now;
  return now;
}

void Ledger::Impl::CommitterLoop() {
  while (true) {
    CommitJob job;
    {
      std::unique_lock lock(commit_mu);
      commit_cv.wait(lock, [&] { return commit_stop || !commit_jobs.empty(); });
      if (commit_jobs.empty()) return;  // stopping, and everything is written
      job = std::move(commit_jobs.front());
      commit_jobs.pop_front();
      commit_busy = true;
    }
    commit_cv.notify_all();
    try {
      Commit(job);
    } catch (...) {
      // Commit catches its own; this is failing to report a failure (out
      // of memory building the error): stop, and answer what is there.
      Poison(UnavailableError("the ledger stopped accepting appends after an internal error",
                              reason::kStoreFailed));
    }
    // Acknowledge in order: a request completes when its last event is done.
    for (auto& p : job.group) Acknowledge(p);
    {
      std::lock_guard lock(commit_mu);
      commit_busy = false;
    }
    commit_cv.notify_all();
  }
}

// Committer thread: sign the checkpoint, write the batch with the WAL
// synced, publish the new size. A job sequenced after a failed one fails
// too (it was built on the lost group's state), and so does every job once
// one arrives that stopped the writer (CommitJob::stop). An exception here
// is a failed write.
void Ledger::Impl::Commit(CommitJob& job) {
  if (!job.stop.ok()) Poison(job.stop);
  Status written = Poisoned();
  try {
    if (written.ok() && job.appended > 0) {
      auto note = signer->Sign(job.checkpoint_text);
      written = note.status();
      if (note.ok()) {
        job.batch.Put(store->cf(kCfCheckpoints), BigEndian64(job.size), *note);
        written = store->Write(&job.batch, options.sync);
      }
      if (!written.ok()) Poison(StoppedAfter("a write failure", written));
    }
    if (written.ok() && job.appended > 0) {
      size.store(job.size, std::memory_order_release);
      durable_recorded_at.store(job.recorded_at, std::memory_order_relaxed);
      std::unique_lock lock(heads_mu);
      durable_pending.insert(durable_pending.end(), job.heads_updates.begin(), job.heads_updates.end());
      durable_heads_size = job.size;
      if (durable_pending.size() > kMaxPendingHeads) ApplyPendingHeads();
    }
  } catch (...) {
    written = ExceptionStatus(std::current_exception(), "writing a group commit");
    Poison(StoppedAfter("an internal error", written));
  }
  if (!written.ok()) {
    // Nothing at or past the durable size may be reported: neither this
    // job's events nor duplicates of events in a lost group.
    const uint64_t durable = size.load(std::memory_order_acquire);
    for (auto& p : job.group) {
      auto& outcome = p.request->outcomes[p.index];
      if (outcome.ok() && outcome->seq >= durable) outcome = AppendOutcome(written);
    }
  }
}

void Ledger::Impl::TrimInflight() {
  const uint64_t durable = size.load(std::memory_order_acquire);
  while (!inflight_hashes.empty() && inflight_base < durable) {
    inflight_hashes.pop_front();
    ++inflight_base;
  }
  if (inflight_hashes.empty()) inflight_base = std::max(inflight_base, durable);
  while (!inflight_key_order.empty() && inflight_key_order.front().first < durable) {
    inflight_keys.erase(inflight_key_order.front().second);
    inflight_key_order.pop_front();
  }
}

StatusOr<Hash> Ledger::Impl::LeafHashForWriter(uint64_t seq) {
  if (seq >= inflight_base && seq - inflight_base < inflight_hashes.size()) return inflight_hashes[seq - inflight_base];
  if (auto h = tree.CachedNode(0, seq)) return *h;
  return Nodes()(0, seq);
}

// The group's last event gains the root of the heads map over every event
// before it (docs/formats.md §7), which changes its leaf bytes and hash; the
// heads of those events go into the batch, the last event's wait in
// writer_tail.
void Ledger::Impl::SealGroup(CommitJob& job, heads::HeadsBatch& heads_batch, size_t last_begin,
                             capnp::MallocMessageBuilder& envelope, std::string& leaf, Hash& leaf_hash) {
  auto& updates = heads_batch.updates();
  std::span<const heads::HeadsMap::Entry> before(updates.data(), last_begin);
  writer_heads.SetMany(before);
  const Hash root = writer_heads.Root();
  auto env = envelope.getRoot<schema::Envelope>();
  env.setHeadsRoot(AsData(root));
  leaf = CanonicalBytes(env.asReader());
  leaf_hash = merkle::HashLeaf(AsBytes(leaf));
  for (size_t i = last_begin; i < updates.size(); ++i) updates[i].second.leaf_hash = leaf_hash;
  for (const auto& [key, head] : before) {
    job.batch.Put(store->cf(kCfHeads), rocksdb::Slice(reinterpret_cast<const char*>(key.data()), key.size()),
                  heads::EncodeHead(head));
  }
  job.heads_updates.assign(before.begin(), before.end());
  writer_tail.assign(updates.begin() + static_cast<std::ptrdiff_t>(last_begin), updates.end());
}

StatusOr<std::optional<AppendResult>> Ledger::Impl::Replayed(const std::string& key,
                                                             std::string_view body_canonical) {
  auto conflict = [](uint64_t seq) {
    return AlreadyExistsError(
        fmt::format("idempotencyKey: already used by the event at seq {}, whose signed body differs; "
                    "a new event needs a new key",
                    seq),
        reason::kIdempotencyConflict);
  };
  if (auto it = inflight_keys.find(key); it != inflight_keys.end()) {
    if (it->second.body_canonical != body_canonical) return conflict(it->second.result.seq);
    AppendResult r = it->second.result;
    r.duplicate = true;
    return std::optional<AppendResult>(r);
  }
  ASSIGN_OR_RETURN(std::optional<std::string> seen, store->Get(kCfIdempotency, key));
  if (!seen.has_value()) return std::optional<AppendResult>();
  if (seen->size() != 8) {
    return DataLossError("idempotency: an entry is not an 8-byte seq", reason::kStoreCorrupt);
  }
  const uint64_t seq = ReadBigEndian64(*seen);
  // The idempotency CF holds only the seq: compare with the stored event's body.
  ASSIGN_OR_RETURN(std::optional<std::string> leaf, store->Get(kCfEvents, BigEndian64(seq)));
  if (!leaf.has_value()) {
    return DataLossError(fmt::format("idempotency: the key's event {} is missing", seq), reason::kMissingEvent);
  }
  std::string stored_body;
  Status read = WithLeaf(*leaf, LeafCheck::kAny, [&](schema::Envelope::Reader env) {
    stored_body = CanonicalBytes(env.getSigned().getBody());
    return OkStatus();
  });
  if (!read.ok()) return DataLossError(fmt::format("event {}: {}", seq, read.message()), reason::kMalformedEvent);
  if (stored_body != body_canonical) return conflict(seq);
  ASSIGN_OR_RETURN(Hash h, LeafHashForWriter(seq));
  return std::optional<AppendResult>(AppendResult{seq, h, true});
}

// Writer thread. An exception (not a malformed event's, which fails only
// that event) leaves the writer's state half-updated: the group's events
// fail, nothing of it is written, and the ledger stops once the committer
// reaches this job (the groups before it are sound and still written).
void Ledger::Impl::Sequence(CommitJob& job) {
  try {
    SequenceGroup(job);
  } catch (...) {
    const Status failed = ExceptionStatus(std::current_exception(), "sequencing a group commit");
    writer_stopped = StoppedAfter("an internal error", failed);
    job.stop = writer_stopped;
    job.appended = 0;
    job.batch.Clear();
    job.heads_updates.clear();
    job.checkpoint_text.clear();
    for (auto& p : job.group) p.request->outcomes[p.index] = AppendOutcome(failed);
  }
}

void Ledger::Impl::SequenceGroup(CommitJob& job) {
  auto fail = [&](PendingEvent& p, Status s) { p.request->outcomes[p.index] = AppendOutcome(std::move(s)); };
  Status stopped = writer_stopped;
  if (stopped.ok()) stopped = Poisoned();
  if (stopped.ok()) stopped = CheckFloor();
  if (!stopped.ok()) {
    for (auto& p : job.group) fail(p, stopped);
    return;
  }
  TrimInflight();

  rocksdb::WriteBatch& batch = job.batch;
  uint64_t next = tree.size();   // == inflight_base + inflight_hashes.size()
  // The heads of this group's events, after the previous group's last one
  // (ledger_impl.h). The events' leaves go into the batch and the tree
  // after the loop, once the last one is sealed with the heads root.
  heads::HeadsBatch heads_batch(writer_heads);
  for (const auto& [key, head] : writer_tail) heads_batch.AddHead(key, head);
  struct Sequenced {
    uint64_t seq;
    PendingEvent* p;
    std::string leaf;
    Hash leaf_hash;
    std::string household;
    std::string idem;
    size_t heads_begin;   // this event's first update in heads_batch
  };
  std::vector<Sequenced> sequenced;
  std::unique_ptr<capnp::MallocMessageBuilder> last_envelope;   // of sequenced.back()
  // recordedAt strictly increases with seq: the later of this reading and
  // the previous event's + 1 ns (docs/formats.md §1.1). The reading is
  // shared by the group; events after the first take +1 ns each only when
  // the clock has not moved past them.
  const int64_t now = ReadClock();
  const DomainState::LeafHashFn leaf_hash_of = [this](uint64_t s) { return LeafHashForWriter(s); };

  for (PendingEvent& p : job.group) {
    if (!p.early_error.ok()) {
      fail(p, p.early_error);
      continue;
    }
    try {
      auto sb = p.message->Root<schema::SignedBody>();
      auto body = sb.getBody();
      const int64_t recorded_at = std::max(now, last_recorded_at + 1);   // if this event is stored
      // Trust chain first: whose key must have signed the event, and did
      // they (Prepare verified it already unless the signer was not yet
      // registered then). Before the idempotency lookup, so that a replayed
      // key earns nothing without the signer's key.
      auto key = registry->SignerKey(body);
      if (!key.ok()) {
        fail(p, key.status());
        continue;
      }
      if (options.verify_signatures && p.verified_key != *key) {
        auto sig = sb.getSignature();
        if (!Ed25519Verify(*key, p.body_canonical,
                           std::string_view(reinterpret_cast<const char*>(sig.begin()), sig.size()))) {
          fail(p, PermissionDeniedError("signature: does not verify with the signer's registered key",
                                        reason::kBadSignature));
          continue;
        }
      }

      // Idempotency: a replayed key with the same signed body returns the
      // original result and stores nothing; with another body it is
      // refused. Keys of groups not yet durable are in inflight_keys; the
      // committer acknowledges in order, so the duplicate's reply never
      // precedes the original's sync.
      std::string idem = ToStr(body.getIdempotencyKey());
      {
        auto replayed = Replayed(idem, p.body_canonical);
        if (!replayed.ok()) {
          fail(p, replayed.status());
          continue;
        }
        if (replayed->has_value()) {
          p.request->outcomes[p.index] = **replayed;
          continue;
        }
      }

      // The registry's and the domain's rules on the new event.
      if (Status s = registry->Check(body); !s.ok()) {
        fail(p, s);
        continue;
      }
      if (Status s = domain->Check(body, next, recorded_at, *registry, leaf_hash_of); !s.ok()) {
        fail(p, s);
        continue;
      }

      // Household chain link, from the projection (DomainState::HouseholdHead).
      std::string household = body.getHousehold();
      std::optional<DomainState::Head> prev_head;
      if (!household.empty()) {
        auto h = domain->HouseholdHead(household);
        if (!h.ok()) {
          fail(p, h.status());
          continue;
        }
        prev_head = *h;
      }

      // Envelope -> canonical leaf bytes.
      const uint64_t seq = next;
      auto msg = std::make_unique<capnp::MallocMessageBuilder>(256);
      auto env = msg->initRoot<schema::Envelope>();
      env.setSeq(seq);
      env.setRecordedAt(recorded_at);
      env.setPrevHash(AsData(last_leaf_hash));
      if (prev_head) {
        auto link = env.getHouseholdPrev().initEvent();
        link.setSeq(prev_head->seq);
        link.setHash(AsData(prev_head->hash));
      } else {
        env.getHouseholdPrev().setNone();
      }
      env.setSigned(sb);
      std::string leaf = CanonicalBytes(env.asReader());
      Hash leaf_hash = merkle::HashLeaf(AsBytes(leaf));

      // Commit to this group.
      std::string seq_key = BigEndian64(seq);
      batch.Put(store->cf(kCfIdempotency), idem, seq_key);
      if (!household.empty()) batch.Put(store->cf(kCfByHousehold), IndexKey(household, seq), "");
      batch.Put(store->cf(kCfByAgency), IndexKey(std::string(body.getAgency().cStr()), seq), "");
      if (body.getOfficer().size() > 0) {
        batch.Put(store->cf(kCfByOfficer), IndexKey(std::string(body.getOfficer().cStr()), seq), "");
      }
      {
        std::unique_lock lock(registry_mu);
        registry->Apply(body, seq, *store, &batch);
      }
      // A failure here leaves the domain state broken: Flush reports it and the group fails.
      domain->Apply(body, seq, leaf_hash, recorded_at).IgnoreError();
      last_leaf_hash = leaf_hash;
      last_recorded_at = recorded_at;
      AppendResult r{seq, leaf_hash, false};
      inflight_hashes.push_back(leaf_hash);
      inflight_key_order.emplace_back(seq, idem);
      inflight_keys.emplace(idem, InflightKey{r, std::move(p.body_canonical)});
      p.request->outcomes[p.index] = r;
      const size_t heads_begin = heads_batch.updates().size();
      if (options.heads_map) {
        const auto kind = static_cast<EventKind>(static_cast<uint16_t>(body.getPayload().which()));
        for (const auto& entity : heads::EntitiesOf(household, kind, RegistrySubject(body.getPayload()))) {
          heads_batch.Add(entity.key(), seq, leaf_hash);
        }
      }
      sequenced.push_back({seq, &p, std::move(leaf), leaf_hash, std::move(household), std::move(idem), heads_begin});
      last_envelope = std::move(msg);
      ++job.appended;
      ++next;
    } catch (const kj::Exception& e) {
      fail(p, InvalidArgumentError(std::string("malformed event: ") + e.getDescription().cStr(),
                                   reason::kMalformedMessage));
    }
  }

  if (job.appended == 0) return;
  clock_last_recorded_at.store(last_recorded_at, std::memory_order_relaxed);
  if (options.heads_map) SealGroup(job, heads_batch, sequenced.back().heads_begin, *last_envelope, sequenced.back().leaf,
            sequenced.back().leaf_hash);
  {
    // The last event's final hash wherever the loop put the provisional one.
    Sequenced& last = sequenced.back();
    const uint64_t seq = next - 1;
    last_leaf_hash = last.leaf_hash;
    inflight_hashes.back() = last.leaf_hash;
    if (auto it = inflight_keys.find(last.idem); it != inflight_keys.end()) it->second.result.leaf_hash = last.leaf_hash;
    for (auto& p : job.group) {
      auto& o = p.request->outcomes[p.index];
      if (o.ok() && o->seq == seq) o->leaf_hash = last.leaf_hash;
    }
    if (!last.household.empty()) domain->SetLatestHash(last.household, seq, last.leaf_hash);
  }
  for (const Sequenced& e : sequenced) {
    batch.Put(store->cf(kCfEvents), BigEndian64(e.seq), e.leaf);
    tree.Append(e.leaf_hash);
  }

  job.size = next;
  Status flushed = domain->Flush(*store, &batch);
  if (flushed.ok()) {
    for (auto& [key, value] : tree.TakeDirty()) batch.Put(store->cf(kCfMerkle), key, value);
    job.checkpoint_text = FormatCheckpoint({info.origin, next, tree.Root(), {}});
    job.recorded_at = last_recorded_at;
  } else {
    // The in-memory state is past what can be written: stop, as after a
    // write failure, once the committer reaches this job.
    writer_stopped = StoppedAfter("a write failure", flushed);
    job.stop = writer_stopped;
  }
}

}  // namespace ledger
