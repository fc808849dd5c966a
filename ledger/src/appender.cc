// The append path: parse and signature-check in the caller's thread, then
// group commit in the writer thread.
//
//   caller threads                         writer thread
//   --------------                         -------------
//   parse SignedBody (limits)              take up to max_batch_events
//   canonicalize body                      per event: idempotency, trust chain,
//   verify Ed25519 with the signer's key     rules, seq, envelope, leaf hash,
//   enqueue (or PUSHBACK when full)          Merkle tiles, indexes
//                                          checkpoint for the new size
//                                          one WriteBatch, WAL synced
//                                          acknowledge every caller
//
// If a write fails the ledger stops accepting appends (its in-memory state
// may be ahead of the disk); reopening the store recovers from the disk.
#include <fmt/format.h>
#include <kj/exception.h>

#include "ledger_impl.h"

namespace ledger {
namespace {

std::string ToStr(capnp::Data::Reader d) {
  return std::string(reinterpret_cast<const char*>(d.begin()), d.size());
}

capnp::Data::Reader AsData(const std::string& s) {
  return capnp::Data::Reader(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
capnp::Data::Reader AsData(const Hash& h) { return capnp::Data::Reader(h.data(), h.size()); }

bool HasNul(kj::StringPtr s) { return std::string_view(s.cStr(), s.size()).find('\0') != std::string_view::npos; }

// Checks that need no ledger state: sizes of ids and keys, the signature length.
Status CheckShape(schema::SignedBody::Reader sb) {
  auto body = sb.getBody();
  if (body.getIdempotencyKey().size() != 16) {
    return InvalidArgumentError(
        fmt::format("idempotencyKey: must be 16 bytes, got {}", body.getIdempotencyKey().size()),
        "BAD_IDEMPOTENCY_KEY");
  }
  if (sb.getSignature().size() != kEd25519SignatureSize) {
    return InvalidArgumentError("signature: must be 64 bytes", "BAD_SIGNATURE");
  }
  for (auto [name, text] : {std::pair{"household", body.getHousehold()}, std::pair{"agency", body.getAgency()},
                            std::pair{"officer", body.getOfficer()}}) {
    if (text.size() > 64 || HasNul(text)) {
      return InvalidArgumentError(fmt::format("{}: must be at most 64 bytes without NUL", name), "BAD_ID");
    }
  }
  if (body.getAgency().size() == 0) return InvalidArgumentError("agency: must not be empty", "MISSING_FIELD");
  if (static_cast<uint16_t>(body.getPayload().which()) >= kEventKindCount) {
    return InvalidArgumentError("payload: unknown event kind", "UNKNOWN_KIND");
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
                                            "BAD_SIGNATURE");
    }
  } catch (const kj::Exception& e) {
    p.early_error = InvalidArgumentError(std::string("malformed event: ") + e.getDescription().cStr(),
                                         "MALFORMED_MESSAGE");
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
  if (d.read_only) return fail_all(FailedPreconditionError("the store is open read-only", "READ_ONLY"));
  if (n > d.options.max_queued_events) {
    return fail_all(ResourceExhaustedError(
        fmt::format("batch of {} events exceeds the queue capacity {}", n, d.options.max_queued_events),
        "BATCH_TOO_LARGE"));
  }
  {
    // Fast pushback before doing any work.
    std::lock_guard lock(d.queue_mu);
    if (d.stopping) return fail_all(UnavailableError("the ledger is shutting down", "SHUTTING_DOWN"));
    if (d.queued_events + n > d.options.max_queued_events) {
      return fail_all(ResourceExhaustedError("append queue is full; retry later", "PUSHBACK"));
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
    Status s = d.stopping ? UnavailableError("the ledger is shutting down", "SHUTTING_DOWN")
                          : ResourceExhaustedError("append queue is full; retry later", "PUSHBACK");
    lock.unlock();
    request->outcomes.assign(n, AppendOutcome(s));
    request->done(std::move(request->outcomes));
    return;
  }
  d.queued_events += n;
  for (auto& p : pending) d.queue.push_back(std::move(p));
  lock.unlock();
  d.queue_cv.notify_one();
}

void Ledger::Impl::WriterLoop() {
  std::vector<PendingEvent> group;
  while (true) {
    {
      std::unique_lock lock(queue_mu);
      queue_cv.wait(lock, [&] { return stopping || !queue.empty(); });
      if (queue.empty() && stopping) return;
      size_t take = std::min(queue.size(), options.max_batch_events);
      group.clear();
      for (size_t i = 0; i < take; ++i) {
        group.push_back(std::move(queue.front()));
        queue.pop_front();
      }
      queued_events -= take;
    }
    WriteGroup(group);
    // Acknowledge: a request completes when its last event is done.
    for (auto& p : group) {
      if (--p.request->remaining == 0) {
        auto req = std::move(p.request);
        req->done(std::move(req->outcomes));
      }
    }
  }
}

StatusOr<Hash> Ledger::Impl::LeafHashForWriter(uint64_t seq) {
  if (auto h = tree.CachedNode(0, seq)) return *h;
  return Nodes()(0, seq);
}

StatusOr<Ledger::Impl::Head> Ledger::Impl::HouseholdHead(const std::string& household) {
  auto it = household_heads.find(household);
  if (it != household_heads.end()) return it->second;
  // Not cached: the household's latest indexed event, if any.
  std::string upper = household;
  upper.push_back('\1');
  std::unique_ptr<rocksdb::Iterator> iter(store->db()->NewIterator(rocksdb::ReadOptions(), store->cf(kCfByHousehold)));
  iter->SeekForPrev(upper);
  if (!iter->status().ok()) return FromRocks(iter->status(), "reading by_household");
  std::string prefix = household;
  prefix.push_back('\0');
  if (!iter->Valid() || !iter->key().starts_with(prefix) || iter->key().size() != prefix.size() + 8) {
    return NotFoundError("no events for household");
  }
  uint64_t seq = ReadBigEndian64(std::string_view(iter->key().data() + prefix.size(), 8));
  ASSIGN_OR_RETURN(Hash h, LeafHashForWriter(seq));
  if (household_heads.size() > 1'000'000) household_heads.clear();  // bound memory; misses re-read the index
  Head head{seq, h};
  household_heads[household] = head;
  return head;
}

void Ledger::Impl::WriteGroup(std::vector<PendingEvent>& group) {
  auto fail = [&](PendingEvent& p, Status s) { p.request->outcomes[p.index] = AppendOutcome(std::move(s)); };
  if (!poisoned.ok()) {
    for (auto& p : group) fail(p, poisoned);
    return;
  }

  rocksdb::WriteBatch batch;
  const uint64_t base = size.load(std::memory_order_relaxed);
  uint64_t next = base;
  const int64_t now = options.clock();
  std::unordered_map<std::string, AppendResult> batch_keys;  // idempotency keys in this group
  std::vector<size_t> appended;                               // indexes into group
  const DomainState::LeafHashFn leaf_hash_of = [this](uint64_t s) { return LeafHashForWriter(s); };

  for (size_t gi = 0; gi < group.size(); ++gi) {
    PendingEvent& p = group[gi];
    if (!p.early_error.ok()) {
      fail(p, p.early_error);
      continue;
    }
    try {
      auto sb = p.message->Root<schema::SignedBody>();
      auto body = sb.getBody();
      std::string idem = ToStr(body.getIdempotencyKey());

      // Idempotency: a replayed key returns the original result, stores nothing.
      if (auto it = batch_keys.find(idem); it != batch_keys.end()) {
        AppendResult r = it->second;
        r.duplicate = true;
        p.request->outcomes[p.index] = r;
        continue;
      }
      auto seen = store->Get(kCfIdempotency, idem);
      if (!seen.ok()) {
        fail(p, seen.status());
        continue;
      }
      if (seen->has_value()) {
        uint64_t seq = ReadBigEndian64(**seen);
        auto h = LeafHashForWriter(seq);
        if (!h.ok()) {
          fail(p, h.status());
          continue;
        }
        p.request->outcomes[p.index] = AppendResult{seq, *h, true};
        continue;
      }

      // Trust chain.
      {
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
                                          "BAD_SIGNATURE"));
            continue;
          }
        }
        if (Status s = registry->Check(body); !s.ok()) {
          fail(p, s);
          continue;
        }
        if (Status s = domain->Check(body, next, now, *registry, leaf_hash_of); !s.ok()) {
          fail(p, s);
          continue;
        }
      }

      // Household chain link.
      std::string household = body.getHousehold();
      std::optional<Head> prev_head;
      if (!household.empty()) {
        auto h = HouseholdHead(household);
        if (h.ok()) {
          prev_head = *h;
        } else if (h.status().code() != StatusCode::kNotFound) {
          fail(p, h.status());
          continue;
        }
      }

      // Envelope -> canonical leaf bytes.
      const uint64_t seq = next;
      capnp::MallocMessageBuilder msg(256);
      auto env = msg.initRoot<schema::Envelope>();
      env.setSeq(seq);
      env.setRecordedAt(now);
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
      batch.Put(store->cf(kCfEvents), seq_key, leaf);
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
      domain->Apply(body, seq, leaf_hash, now).IgnoreError();
      tree.Append(leaf_hash);
      last_leaf_hash = leaf_hash;
      if (!household.empty()) household_heads[household] = Head{seq, leaf_hash};
      AppendResult r{seq, leaf_hash, false};
      batch_keys.emplace(std::move(idem), r);
      p.request->outcomes[p.index] = r;
      appended.push_back(gi);
      ++next;
    } catch (const kj::Exception& e) {
      fail(p, InvalidArgumentError(std::string("malformed event: ") + e.getDescription().cStr(),
                                   "MALFORMED_MESSAGE"));
    }
  }

  if (appended.empty()) return;

  Status written = domain->Flush(*store, &batch);
  if (written.ok()) {
    for (auto& [key, value] : tree.TakeDirty()) batch.Put(store->cf(kCfMerkle), key, value);
    auto note = signer->Sign(FormatCheckpoint({info.origin, next, tree.Root(), {}}));
    written = note.status();
    if (note.ok()) {
      batch.Put(store->cf(kCfCheckpoints), BigEndian64(next), *note);
      written = store->Write(&batch, options.sync);
    }
  }
  if (!written.ok()) {
    poisoned = UnavailableError("the ledger stopped accepting appends after a write failure: " + written.message(),
                                "STORE_FAILED");
    for (size_t gi : appended) fail(group[gi], written);
    return;
  }
  size.store(next, std::memory_order_release);
}

}  // namespace ledger
