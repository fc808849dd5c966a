// The offline verifier (verify.h). Pipeline:
//
//   calling thread                         pool tasks (any thread)
//   --------------                         -----------------------
//   read a chunk of raw events      --->   decode + leaf hash + implied index
//                                          entries of the chunk     (first)
//   in seq order: chain links,
//   trust chain (KeyRegistry), tree,
//   tiles, checkpoint roots         --->   Ed25519 of the chunk's events and
//                                          checkpoints               (second)
//                                   --->   fold into the projections
//                                          rebuild, chunk after chunk (second)
//                                          scan the index families   (last)
//   at the end: missing tail, partial tiles, extra tiles, index
//   fingerprints, registry, projections, the checkpoint to report
//
// An event k is judged only once event k+1 is known ("pending"), because
// k+1's prevHash is one of the two witnesses of k's true leaf hash (the
// other is the Merkle tree's stored leaf).
#include "ledger/verify.h"

#include <fmt/format.h>
#include <kj/exception.h>
#include <sodium.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <deque>

#include "ledger/event.h"
#include "ledger/event_codec.h"
#include "core/task_pool.h"
#include "verify/verifier.h"

namespace ledger {
namespace verifier {

std::shared_ptr<Chunk> Verifier::ReadChunk(rocksdb::Iterator* it) {
  std::shared_ptr<Chunk> chunk = chunks_.Get();
  while (it->Valid() && chunk->items.size() < kChunkEvents && chunk->used * 8 < kChunkBytes) {
    rocksdb::Slice key = it->key();
    rocksdb::Slice value = it->value();
    if (key.size() != 8) {
      sink_.Add(PlainProblem("event_key", fmt::format("events: key 0x{} is not an 8-byte seq",
                                                      ToHex(std::string_view(key.data(), key.size())))));
      it->Next();
      continue;
    }
    EventItem& item = chunk->items.emplace_back();
    item.key = ReadBigEndian64(std::string_view(key.data(), 8));
    item.word_offset = chunk->Append(std::string_view(value.data(), value.size()));
    item.byte_size = value.size();
    it->Next();
  }
  return chunk;
}

void Verifier::DecodeItem(Chunk& chunk, EventItem& item) const {
  auto fail = [&](std::string why) {
    item.error = static_cast<int>(chunk.errors.size());
    chunk.errors.push_back(std::move(why));
  };
  if (item.byte_size == 0 || item.byte_size % 8 != 0) {
    fail(fmt::format("{} bytes is not a whole number of Cap'n Proto words", item.byte_size));
    return;
  }
  try {
    LeafReader reader(chunk.Words(item), item.byte_size / 8);
    if (!reader.IsCanonical()) {
      fail("the leaf bytes are not a canonical Envelope");
      return;
    }
    auto env = reader.Envelope();
    if (Status links = ReadEventLinks(env, &item); !links.ok()) {
      fail(links.message());
      return;
    }
    auto body = env.getSigned().getBody();
    item.household = View(body.getHousehold());
    item.household_key = HouseholdKey(item.household);
    item.agency = View(body.getAgency());
    item.officer = View(body.getOfficer());
    item.registry_subject = RegistrySubject(body.getPayload());
    indexes_->AddExpected(&chunk.implied, item.key, item.household, item.agency, item.officer,
                          View(body.getIdempotencyKey()));
    item.decoded = true;
  } catch (const kj::Exception& e) {
    fail(std::string("malformed Envelope: ") + e.getDescription().cStr());
  }
}

HouseholdHeads::Key Verifier::HouseholdKey(std::string_view household) const {
  HouseholdHeads::Key key;
  uint64_t h[2];
  crypto_shorthash_siphashx24(reinterpret_cast<unsigned char*>(h),
                              reinterpret_cast<const unsigned char*>(household.data()), household.size(),
                              household_key_.data());
  key.a = h[0];
  key.b = h[1] == 0 && h[0] == 0 ? 1 : h[1];
  return key;
}

void Verifier::DecodeChunk(Chunk& chunk) const {
  for (EventItem& item : chunk.items) {
    const auto* bytes = reinterpret_cast<const uint8_t*>(chunk.Words(item));
    item.computed = merkle::HashLeaf(std::span<const uint8_t>(bytes, item.byte_size));
    DecodeItem(chunk, item);
  }
  chunk.decoded.store(true, std::memory_order_release);
}

// ---------------------------------------------------------------- in order

void Verifier::InOrder(const std::shared_ptr<Chunk>& chunk) {
  indexes_->Merge(chunk->implied);
  constexpr size_t kPrefetchAhead = 8;
  std::vector<EventItem>& items = chunk->items;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i + kPrefetchAhead < items.size() && items[i + kPrefetchAhead].decoded &&
        !items[i + kPrefetchAhead].household.empty()) {
      heads_.Prefetch(items[i + kPrefetchAhead].household_key);
    }
    EventItem& item = items[i];
    if (item.key > next_seq_) MissingRange(next_seq_, item.key, "");
    FinalizePending(item.decoded ? &item.prev_hash : nullptr);
    Head* head = CheckEvent(*chunk, item);
    if (item.decoded) {
      heads_audit_.Add(item.key, item.household, item.kind, item.registry_subject, item.heads_root, item.computed);
    }
    pending_ = Pending{item.key, chunk, &item, head};
    next_seq_ = item.key + 1;
  }
}

void Verifier::MissingRange(uint64_t begin, uint64_t end, const std::string& why) {
  sink_.Add(SeqProblem("missing_event", begin,
                       end - begin == 1 ? fmt::format("event {} is missing{}", begin, why)
                                        : fmt::format("events {}..{} are missing{}", begin, end - 1, why)));
  missing_[begin] = end;
  for (uint64_t seq = begin; seq < end; ++seq) {
    FinalizePending(nullptr);
    if (!tree_ok_) {
      // Nothing to rebuild with: skip the rest of the gap at once.
      pending_ = Pending{end - 1, nullptr, nullptr};
      break;
    }
    pending_ = Pending{seq, nullptr, nullptr};
  }
}

bool Verifier::Unreliable(uint64_t seq) const {
  if (unreliable_.count(seq)) return true;
  auto it = missing_.upper_bound(seq);
  return it != missing_.begin() && seq < std::prev(it)->second;
}

std::optional<Hash> Verifier::RecordedLeaf(uint64_t seq) {
  merkle::TileId id{0, seq / merkle::kTileWidth};
  if (!l0_ || l0_->id != id) {
    // Seqs only grow, so the level-0 tiles are read in key order by one
    // iterator; whatever it passes over is not a tile of this tree.
    l0_ = StoredL0{id, std::nullopt};
    const std::string want = merkle::TileKey(id);
    for (; l0_it_->Valid(); l0_it_->Next()) {
      const int order = l0_it_->key().compare(want);
      if (order > 0) break;
      if (order == 0) {
        l0_->raw = l0_it_->value().ToString();
        l0_it_->Next();
        break;
      }
      ReportStrayTile(l0_it_->key(), /*tree_size=*/UINT64_MAX);
    }
  }
  // Row 0 is read in place: a tile damaged elsewhere still witnesses its
  // leaves (and CompareTile names the damage).
  const uint64_t pos = seq % merkle::kTileWidth;
  if (!l0_->raw || TileWidth(*l0_->raw) <= static_cast<int>(pos) ||
      l0_->raw->size() < 2 + (pos + 1) * sizeof(Hash)) {
    return std::nullopt;
  }
  Hash h;
  std::memcpy(h.data(), l0_->raw->data() + 2 + pos * sizeof(Hash), sizeof(Hash));
  return h;
}

bool Verifier::LastEventMatchesCheckpoint(uint64_t seq, const Hash& computed) {
  auto note = store_.Get(kCfCheckpoints, BigEndian64(seq + 1));
  if (!note.ok() || !note->has_value()) return false;
  std::optional<std::string_view> text = SignedNoteText(**note);
  if (!text) return false;
  auto cp = ParseCheckpoint(*text);
  if (!cp.ok()) return false;
  merkle::TreeBuilder probe = tree_;
  probe.Append(computed);
  return probe.Root() == cp->root;
}

void Verifier::FinalizePending(const Hash* next_prev_hash) {
  if (!pending_) return;
  const uint64_t seq = pending_->seq;
  const EventItem* item = pending_->item;
  std::optional<Hash> recorded = RecordedLeaf(seq);
  std::optional<Hash> agreed;
  if (item) {
    const Hash& c = item->computed;
    if (!recorded || *recorded == c) {
      agreed = c;
    } else if (next_prev_hash ? *next_prev_hash == c : LastEventMatchesCheckpoint(seq, c)) {
      agreed = c;  // the event agrees with its successor: the stored tile is wrong (CompareTile names it)
    } else {
      std::string witnesses = next_prev_hash && *next_prev_hash == *recorded
                                  ? fmt::format("the Merkle tree and event {}'s prevHash", seq + 1)
                                  : std::string("the Merkle tree");
      sink_.Add(SeqProblem("leaf_hash", seq,
                           fmt::format("event {} was altered: its leaf hash {}… differs from {}… recorded by {}",
                                       seq, ShortHash(c), ShortHash(*recorded), witnesses)));
      unreliable_.insert(seq);
      agreed = recorded;
    }
  } else {
    agreed = recorded ? recorded : next_prev_hash ? std::optional<Hash>(*next_prev_hash) : std::nullopt;
  }

  if (agreed && tree_ok_) {
    tree_.Append(*agreed);
    AfterAppend();
  } else if (tree_ok_) {
    tree_ok_ = false;
    sink_.Add(SeqProblem("missing_event", seq,
                         fmt::format("no recorded leaf hash for missing event {}: Merkle tiles and checkpoints "
                                     "after it are not checked",
                                     seq)));
  }
  last_hash_ = agreed;
  if (pending_->head && agreed) *pending_->head = Head{seq, *agreed};
  pending_.reset();
}

Head* Verifier::CheckEvent(Chunk& chunk, const EventItem& item) {
  const uint64_t seq = item.key;
  if (!item.decoded) {
    sink_.Add(SeqProblem("malformed_event", seq, fmt::format("event {}: {}", seq, chunk.errors[item.error])));
    unreliable_.insert(seq);
    return nullptr;
  }
  if (item.seq != seq) {
    sink_.Add(SeqProblem("seq_mismatch", seq,
                         fmt::format("event stored under seq {} says it is seq {}", seq, item.seq)));
  }
  if (last_hash_ && item.prev_hash != *last_hash_) {
    sink_.Add(SeqProblem("prev_hash", seq,
                         fmt::format("event {}: prevHash {}… is not the leaf hash {}… of {}", seq,
                                     ShortHash(item.prev_hash), ShortHash(*last_hash_),
                                     seq == 0 ? std::string("nothing (zeros)") : fmt::format("event {}", seq - 1))));
  }
  // The server's clock as the appender stamps it: strictly increasing with
  // seq (schemas/ledger.capnp, docs/formats.md §1.1), so an as-of replay
  // cuts the log at one place. A rewritten or reordered event breaks it.
  // Compared with the last event whose bytes the rest of the store agrees
  // with (decided by now), so an altered event does not cast blame on the
  // untouched one after it.
  if (previous_recorded_at_ && !Unreliable(previous_recorded_at_->first)) {
    trusted_recorded_at_ = *previous_recorded_at_;
  }
  if (trusted_recorded_at_ && item.recorded_at_ns <= trusted_recorded_at_->second) {
    sink_.Add(SeqProblem("recorded_at", seq,
                         fmt::format("event {}: recordedAt {} ns is not after {} ns, the recordedAt of event {}",
                                     seq, item.recorded_at_ns, trusted_recorded_at_->second,
                                     trusted_recorded_at_->first)));
  }
  previous_recorded_at_.emplace(seq, item.recorded_at_ns);
  Head* head = CheckHouseholdLink(item);
  CheckTrust(chunk, item);
  return head;
}

Head* Verifier::CheckHouseholdLink(const EventItem& item) {
  const uint64_t seq = item.key;
  if (item.household.empty()) {
    if (item.household_prev_seq) {
      sink_.Add(SeqProblem("household_link", seq,
                           fmt::format("event {} has no household but links to event {}", seq,
                                       *item.household_prev_seq)));
    }
    return nullptr;
  }
  // One lookup per event: the entry is filled in when the event is judged.
  Head* entry = heads_.FindOrAdd(item.household_key);
  const Head* head = entry->seq == kNoSeq ? nullptr : entry;
  if (!head && !item.household_prev_seq) return entry;
  if (head && item.household_prev_seq && *item.household_prev_seq == head->seq &&
      item.household_prev_hash == head->hash) {
    return entry;
  }
  // A link to or past an event already found bad is explained by that event.
  if ((item.household_prev_seq && Unreliable(*item.household_prev_seq)) || (head && Unreliable(head->seq))) {
    return entry;
  }
  std::string want = head ? fmt::format("event {} ({}…)", head->seq, ShortHash(head->hash)) : "none (its first event)";
  std::string got = item.household_prev_seq
                        ? fmt::format("event {} ({}…)", *item.household_prev_seq, ShortHash(item.household_prev_hash))
                        : std::string("none");
  sink_.Add(SeqProblem("household_link", seq,
                       fmt::format("event {}: householdPrev is {}, but household {}'s previous event is {}", seq,
                                   got, item.household, want)));
  return entry;
}

void Verifier::CheckTrust(Chunk& chunk, const EventItem& item) {
  const uint64_t seq = item.key;
  try {
    LeafReader reader(chunk.Words(item), item.byte_size / 8);
    auto body = reader.Envelope().getSigned().getBody();
    StatusOr<std::string> key = registry_.SignerKey(body);
    if (!key.ok()) {
      sink_.Add(SeqProblem("trust", seq, fmt::format("event {}: {} ({})", seq, key.status().message(),
                                                     key.status().reason())));
    }
    const bool registry_event = item.kind == EventKind::kAgencyRegistered ||
                                item.kind == EventKind::kOfficerRegistered ||
                                item.kind == EventKind::kOfficerKeyRevoked;
    if (registry_event) {
      if (Status s = registry_.Check(body); !s.ok()) {
        sink_.Add(SeqProblem("trust", seq, fmt::format("event {}: {} ({})", seq, s.message(), s.reason())));
      } else {
        registry_.Apply(body, seq, store_, &scratch_);
        scratch_.Clear();
      }
    }
    CheckMenu(body, item);
    if (options_.check_signatures && key.ok()) {
      std::string signer;
      switch (item.kind) {
        case EventKind::kAgencyRegistered:
        case EventKind::kMenuPublished:
          signer = "the operator's root key";
          break;
        case EventKind::kOfficerRegistered:
        case EventKind::kOfficerKeyRevoked:
          signer = fmt::format("agency '{}''s key", item.agency);
          break;
        default:
          signer = item.officer.empty() ? std::string("the operator's root key")
                                        : fmt::format("officer '{}''s key", item.officer);
      }
      chunk.signatures.push_back({static_cast<size_t>(&item - chunk.items.data()), std::move(*key), std::move(signer)});
    }
  } catch (const kj::Exception& e) {
    sink_.Add(SeqProblem("malformed_event", seq, fmt::format("event {}: {}", seq, e.getDescription().cStr())));
  }
}

// The menu rules of append (rules/menu.h), on replay: a MenuPublished must
// follow the version before it, and help and plans name offered items of the
// menu in force when they were recorded.
void Verifier::CheckMenu(schema::EventBody::Reader body, const EventItem& item) {
  const uint64_t seq = item.key;
  Status s;
  if (item.kind == EventKind::kMenuPublished) {
    s = menu_.CheckPublish(body.getPayload().getMenuPublished());
    if (s.ok()) menu_.Apply(body.getPayload().getMenuPublished(), seq);
  } else {
    s = menu_.CheckEventItems(body);
  }
  if (!s.ok()) sink_.Add(SeqProblem("menu", seq, fmt::format("event {}: {} ({})", seq, s.message(), s.reason())));
}

void Verifier::AfterAppend() {
  if (tree_.size() % merkle::kTileWidth == 0) FlushTiles(false);
  CheckCheckpointsUpTo(tree_.size());
}

// ---------------------------------------------------------------- run

Status Verifier::Run(VerifyReport* report) {
  const auto start = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(const uint64_t events, store_.CountEvents());
  indexes_ = std::make_unique<IndexAudit>(store_, events, &sink_);

  // The newest checkpoint's size: events beyond it are not covered by any;
  // if it is beyond the events (and genuine), events at the end are missing.
  cp_it_.reset(store_.db()->NewIterator(rocksdb::ReadOptions(), store_.cf(kCfCheckpoints)));
  cp_it_->SeekToLast();
  std::optional<uint64_t> newest_cp;
  std::string newest_note;
  if (cp_it_->Valid() && cp_it_->key().size() == 8) {
    newest_cp = ReadBigEndian64(std::string_view(cp_it_->key().data(), 8));
    newest_note = cp_it_->value().ToString();
  }
  if (!cp_it_->status().ok()) return FromRocks(cp_it_->status(), "reading checkpoints");
  cp_it_->SeekToFirst();

  const int threads = std::max(1, options_.threads);
  TaskPool pool(threads - 1);
  std::atomic<int> scans_left{IndexAudit::kFamilyCount};
  std::atomic<int> signature_tasks{0};
  for (int f = 0; f < IndexAudit::kFamilyCount; ++f) {
    auto family = static_cast<IndexAudit::Family>(f);
    auto slice = std::make_shared<std::function<void()>>();
    *slice = [this, family, slice, &pool, &scans_left] {
      if (indexes_->ScanSlice(family, kScanSlice)) {
        --scans_left;
        *slice = nullptr;  // break the self-reference
      } else {
        pool.Submit(TaskPool::kLast, *slice);
      }
    };
    pool.Submit(TaskPool::kLast, *slice);
  }

  CheckCheckpointsUpTo(0);
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  ro.readahead_size = kReadahead;
  std::unique_ptr<rocksdb::Iterator> it(store_.db()->NewIterator(ro, store_.cf(kCfEvents)));
  it->SeekToFirst();
  l0_it_.reset(store_.db()->NewIterator(ro, store_.cf(kCfMerkle)));
  l0_it_->SeekToFirst();

  // Projections == rebuild: a fold over the events in seq order.
  std::optional<SerialChain> fold;
  if (options_.check_projections) {
    projections_ = std::make_unique<ProjectionAudit>(ledger_, &sink_);
    fold.emplace(&pool, [this](const Chunk& chunk) {
      for (const EventItem& item : chunk.items) {
        projections_->Add(item.key,
                          std::string_view(reinterpret_cast<const char*>(chunk.Words(item)), item.byte_size),
                          item.computed);
      }
    });
  }
  auto behind = [&] { return signature_tasks.load() + (fold ? fold->pending() : 0); };

  std::deque<std::shared_ptr<Chunk>> window;
  const size_t window_size = static_cast<size_t>(threads) + 1;
  const int max_behind = 2 * threads + 2;  // chunks waiting for signatures or the fold
  auto in_order = [&] {
    std::shared_ptr<Chunk> chunk = std::move(window.front());
    window.pop_front();
    pool.HelpUntil([&] { return chunk->decoded.load(std::memory_order_acquire); });
    InOrder(chunk);
    if (fold) fold->Push(chunk);
    chunk->checkpoints = std::move(checkpoint_jobs_);
    checkpoint_jobs_.clear();
    if (!chunk->signatures.empty() || !chunk->checkpoints.empty()) {
      ++signature_tasks;
      pool.Submit(TaskPool::kSecond, [this, chunk, &signature_tasks] {
        SignatureTask(*chunk);
        --signature_tasks;
      });
    }
    if (options_.progress) options_.progress({std::min(next_seq_, events), events});
  };
  while (it->Valid()) {
    std::shared_ptr<Chunk> chunk = ReadChunk(it.get());
    pool.Submit(TaskPool::kFirst, [this, chunk] { DecodeChunk(*chunk); });
    window.push_back(std::move(chunk));
    while (window.size() > window_size) in_order();
    pool.HelpUntil([&] { return behind() <= max_behind; });
  }
  while (!window.empty()) in_order();
  if (!it->status().ok()) {
    sink_.Add(SeqProblem("store", next_seq_, FromRocks(it->status(), "reading events").message()));
  }

  // The end of the log.
  uint64_t size = next_seq_;
  if (newest_cp && *newest_cp > next_seq_ && VerifyCheckpointSignature(*newest_cp, newest_note)) {
    MissingRange(next_seq_, *newest_cp, fmt::format(" (the signed checkpoint of size {} covers them)", *newest_cp));
    size = *newest_cp;
  }
  FinalizePending(nullptr);
  if (newest_cp && *newest_cp < size) {
    sink_.Add(SeqProblem("uncovered_event", *newest_cp,
                         fmt::format("events {}..{} are not covered by any checkpoint (the newest is of size {})",
                                     *newest_cp, size - 1, *newest_cp)));
  }
  if (!newest_cp) sink_.Add(PlainProblem("checkpoint", "the store holds no checkpoint"));
  if (tree_ok_) {
    FlushTiles(true);
    CheckExtraTiles();
    for (; cp_it_->Valid(); cp_it_->Next()) {
      if (cp_it_->key().size() != 8) continue;
      uint64_t cp_size = ReadBigEndian64(std::string_view(cp_it_->key().data(), 8));
      if (cp_size > tree_.size()) {
        sink_.Add(CheckpointProblem(cp_size, fmt::format("checkpoint {} is beyond the log of {} events", cp_size,
                                                         tree_.size())));
      }
    }
  }
  if (!checkpoint_jobs_.empty()) {
    auto last = std::make_shared<Chunk>();
    last->checkpoints = std::move(checkpoint_jobs_);
    ++signature_tasks;
    pool.Submit(TaskPool::kSecond, [this, last, &signature_tasks] {
      SignatureTask(*last);
      --signature_tasks;
    });
  }
  pool.HelpUntil([&] { return behind() == 0 && scans_left.load() == 0; });
  indexes_->Finish();
  heads_audit_.Finish(store_, size);
  CompareRegistry();
  if (projections_) projections_->Finish(size, !sink_.first_bad_seq().has_value());

  report->events = size;
  report->checkpoint = ChooseCheckpoint();
  if (report->checkpoint.empty() && newest_cp) {
    sink_.Add(PlainProblem("checkpoint", "no checkpoint passes every check"));
  }
  report->vkey = impl_.info.VerifierKey();
  report->problems_total = sink_.total();
  report->first_bad_seq = sink_.first_bad_seq();
  report->problems = sink_.Take();
  report->ok = report->problems_total == 0;
  report->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return OkStatus();
}

}  // namespace verifier

StatusOr<VerifyReport> VerifyStore(const std::string& dir, const VerifyOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, Ledger::OpenReadOnly(dir));
  VerifyReport report;
  verifier::Verifier verifier(*ledger, options);
  RETURN_IF_ERROR(verifier.Run(&report));
  return report;
}

std::string ProblemLocation(const VerifyProblem& problem) {
  if (problem.seq) return fmt::format("seq {}", *problem.seq);
  if (problem.checkpoint_size) return fmt::format("checkpoint {}", *problem.checkpoint_size);
  if (problem.tile) return fmt::format("tile {}/{}", problem.tile->level, problem.tile->index);
  return "";
}

}  // namespace ledger
