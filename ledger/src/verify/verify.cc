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
#include <map>
#include <set>
#include <unordered_set>

#include "ledger/event.h"
#include "ledger/event_codec.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "append/ledger_internal.h"
#include "core/task_pool.h"
#include "verify/verify_chunks.h"
#include "verify/verify_heads.h"
#include "verify/verify_indexes.h"
#include "verify/verify_projections.h"
#include "verify/verify_problems.h"

namespace ledger {
namespace {

using verifier::CheckpointJob;
using verifier::Chunk;
using verifier::ChunkPool;
using verifier::EventItem;
using verifier::Head;
using verifier::HouseholdHeads;
using verifier::kChunkBytes;
using verifier::kChunkEvents;
using verifier::kNoSeq;
using verifier::SerialChain;
using verifier::SignatureJob;
using verifier::View;

constexpr size_t kScanSlice = 16384;
// RocksDB readahead for the sequential scans: larger buffers measured
// slower here (fresh pages to fault in on every refill).
constexpr size_t kReadahead = 256 << 10;


// The width field of an encoded tile (merkle_tiles.h), or -1.
int TileWidth(std::string_view encoded) {
  if (encoded.size() < 2) return -1;
  return (static_cast<uint8_t>(encoded[0]) << 8) | static_cast<uint8_t>(encoded[1]);
}

VerifyProblem TileProblem(const merkle::TileId& id, std::string message) {
  VerifyProblem p;
  p.kind = "tile";
  p.tile = id;
  p.message = std::move(message);
  return p;
}

VerifyProblem CheckpointProblem(uint64_t size, std::string message) {
  VerifyProblem p;
  p.kind = "checkpoint";
  p.checkpoint_size = size;
  p.message = std::move(message);
  return p;
}

class Verifier {
 public:
  Verifier(const Ledger& ledger, const VerifyOptions& options)
      : ledger_(ledger),
        impl_(LedgerInternal::Of(ledger)),
        store_(*impl_.store),
        options_(options),
        sink_(options.max_problems),
        verifier_(impl_.info.key_name, impl_.info.server_public_key),
        registry_(impl_.info.root_public_key) {
    if (sodium_init() >= 0) randombytes_buf(household_key_.data(), household_key_.size());
  }

  Status Run(VerifyReport* report);

 private:
  // The event waiting for its successor before it is judged.
  struct Pending {
    uint64_t seq;
    std::shared_ptr<Chunk> chunk;   // null when the event is missing
    const EventItem* item = nullptr;
    Head* head = nullptr;           // its household's entry in heads_
  };
  // The stored level-0 tile of the event being judged.
  struct StoredL0 {
    merkle::TileId id;
    std::optional<std::string> raw;
  };

  std::shared_ptr<Chunk> ReadChunk(rocksdb::Iterator* it);
  void DecodeChunk(Chunk& chunk) const;
  void DecodeItem(Chunk& chunk, EventItem& item) const;
  HouseholdHeads::Key HouseholdKey(std::string_view household) const;
  void InOrder(const std::shared_ptr<Chunk>& chunk);
  // Checks what needs no successor; returns the event's household entry.
  Head* CheckEvent(Chunk& chunk, const EventItem& item);
  Head* CheckHouseholdLink(const EventItem& item);
  void CheckTrust(Chunk& chunk, const EventItem& item);
  void MissingRange(uint64_t begin, uint64_t end, const std::string& why);
  // Missing, undecodable or found altered: links to it are not blamed.
  bool Unreliable(uint64_t seq) const;
  void FinalizePending(const Hash* next_prev_hash);
  bool LastEventMatchesCheckpoint(uint64_t seq, const Hash& computed);
  std::optional<Hash> RecordedLeaf(uint64_t seq);
  void AfterAppend();
  void CheckCheckpointsUpTo(uint64_t size);
  void CheckCheckpoint(uint64_t size, const std::string& note);
  void FlushTiles(bool final);
  void CompareTile(const std::string& key, const std::string& rebuilt);
  void CheckExtraTiles();
  void ReportStrayTile(const rocksdb::Slice& key, uint64_t tree_size);
  void SignatureTask(const Chunk& chunk);
  bool VerifyCheckpointSignature(uint64_t size, const std::string& note);
  void CompareRegistry();
  std::string ChooseCheckpoint();

  ChunkPool chunks_;  // first: outlives every chunk held below
  const Ledger& ledger_;
  Ledger::Impl& impl_;
  const Store& store_;
  VerifyOptions options_;
  ProblemSink sink_;
  NoteVerifier verifier_;
  std::array<uint8_t, crypto_shorthash_siphashx24_KEYBYTES> household_key_{};  // random per run
  std::unique_ptr<IndexAudit> indexes_;
  verifier::HeadsAudit heads_audit_{&sink_, [this](uint64_t seq) { return Unreliable(seq); }};
  std::unique_ptr<ProjectionAudit> projections_;  // null without check_projections

  // In-order state (calling thread only).
  uint64_t next_seq_ = 0;
  std::optional<Pending> pending_;
  std::optional<Hash> last_hash_ = Hash{};   // agreed leaf hash of next_seq_-1 (zeros before 0)
  HouseholdHeads heads_;
  std::unordered_set<uint64_t> unreliable_;  // undecodable or altered events
  std::map<uint64_t, uint64_t> missing_;      // missing events: [begin, end)
  KeyRegistry registry_;
  rocksdb::WriteBatch scratch_;               // KeyRegistry::Apply's puts, discarded
  merkle::TreeBuilder tree_;
  bool tree_ok_ = true;
  std::optional<StoredL0> l0_;
  std::unique_ptr<rocksdb::Iterator> l0_it_;  // over `merkle`, for l0_
  std::map<std::string, std::string> partial_tiles_;
  std::unique_ptr<rocksdb::Iterator> cp_it_;
  std::vector<uint64_t> checkpoint_candidates_;  // content checked, ascending
  std::vector<CheckpointJob> checkpoint_jobs_;

  // Signature results (any thread).
  std::mutex sig_mu_;
  std::set<uint64_t> checkpoints_verified_;
  std::set<uint64_t> checkpoints_failed_;
};

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
    if (options_.check_signatures && key.ok()) {
      std::string signer;
      switch (item.kind) {
        case EventKind::kAgencyRegistered:
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

void Verifier::AfterAppend() {
  if (tree_.size() % merkle::kTileWidth == 0) FlushTiles(false);
  CheckCheckpointsUpTo(tree_.size());
}

// ---------------------------------------------------------------- checkpoints

void Verifier::CheckCheckpointsUpTo(uint64_t size) {
  for (; cp_it_->Valid(); cp_it_->Next()) {
    rocksdb::Slice key = cp_it_->key();
    if (key.size() != 8) {
      sink_.Add(PlainProblem("checkpoint", fmt::format("checkpoints: key 0x{} is not an 8-byte tree size",
                                                      ToHex(std::string_view(key.data(), key.size())))));
      continue;
    }
    uint64_t cp_size = ReadBigEndian64(std::string_view(key.data(), 8));
    if (cp_size > size) return;
    if (cp_size == size) CheckCheckpoint(cp_size, cp_it_->value().ToString());
  }
}

void Verifier::CheckCheckpoint(uint64_t size, const std::string& note) {
  std::optional<std::string_view> text = SignedNoteText(note);
  if (!text) {
    sink_.Add(CheckpointProblem(size, fmt::format("checkpoint {}: not a signed note (no blank line)", size)));
    return;
  }
  auto cp = ParseCheckpoint(*text);
  if (!cp.ok()) {
    sink_.Add(CheckpointProblem(size, fmt::format("checkpoint {}: {}", size, cp.status().message())));
    return;
  }
  bool ok = true;
  if (cp->origin != impl_.info.origin) {
    sink_.Add(CheckpointProblem(size, fmt::format("checkpoint {}: origin '{}' is not the store's '{}'", size,
                                                  cp->origin, impl_.info.origin)));
    ok = false;
  }
  if (cp->size != size) {
    sink_.Add(CheckpointProblem(size, fmt::format("checkpoint stored under size {} says size {}", size, cp->size)));
    ok = false;
  }
  Hash root = tree_.Root();
  if (cp->root != root) {
    sink_.Add(CheckpointProblem(size, fmt::format("checkpoint {}: root {}… is not the rebuilt root {}…", size,
                                                  ShortHash(cp->root), ShortHash(root))));
    ok = false;
  }
  if (!ok) return;
  checkpoint_candidates_.push_back(size);
  if (options_.check_signatures) checkpoint_jobs_.push_back({size, note});
}

bool Verifier::VerifyCheckpointSignature(uint64_t size, const std::string& note) {
  auto opened = OpenNote(note, {verifier_});
  std::lock_guard lock(sig_mu_);
  if (opened.ok()) {
    checkpoints_verified_.insert(size);
    return true;
  }
  if (checkpoints_failed_.insert(size).second) {
    sink_.Add(CheckpointProblem(size, fmt::format("checkpoint {}: not signed by the server key {}: {}", size,
                                                  verifier_.ToString(), opened.status().message())));
  }
  return false;
}

// The newest checkpoint that passed every check; verifies its signature
// now if that was not done yet.
std::string Verifier::ChooseCheckpoint() {
  for (auto it = checkpoint_candidates_.rbegin(); it != checkpoint_candidates_.rend(); ++it) {
    {
      std::lock_guard lock(sig_mu_);
      if (checkpoints_failed_.count(*it)) continue;
    }
    auto note = store_.Get(kCfCheckpoints, BigEndian64(*it));
    if (!note.ok() || !note->has_value()) continue;
    bool verified;
    {
      std::lock_guard lock(sig_mu_);
      verified = checkpoints_verified_.count(*it) > 0;
    }
    if (verified || VerifyCheckpointSignature(*it, **note)) return std::move(**note);
  }
  return "";
}

// ---------------------------------------------------------------- tiles

void Verifier::FlushTiles(bool final) {
  for (auto& [key, value] : tree_.TakeDirty()) {
    if (TileWidth(value) == static_cast<int>(merkle::kTileWidth)) {
      partial_tiles_.erase(key);
      CompareTile(key, value);
    } else {
      partial_tiles_[key] = std::move(value);
    }
  }
  if (final) {
    for (const auto& [key, value] : partial_tiles_) CompareTile(key, value);
    partial_tiles_.clear();
  }
}

void Verifier::CompareTile(const std::string& key, const std::string& rebuilt) {
  merkle::TileId id = *merkle::ParseTileKey(key);
  std::optional<std::string> stored;
  if (l0_ && l0_->id == id) {
    stored = std::move(l0_->raw);  // each level-0 tile is compared once, when it is full or at the end
    l0_->raw.reset();
  } else {
    auto got = store_.Get(kCfMerkle, key);
    if (!got.ok()) {
      sink_.Add(TileProblem(id, fmt::format("tile {}/{}: {}", id.level, id.index, got.status().message())));
      return;
    }
    stored = std::move(*got);
  }
  if (!stored) {
    sink_.Add(TileProblem(id, fmt::format("tile {}/{} is missing", id.level, id.index)));
    return;
  }
  if (*stored == rebuilt) return;
  if (stored->size() != rebuilt.size() || TileWidth(*stored) != TileWidth(rebuilt)) {
    sink_.Add(TileProblem(id, fmt::format("tile {}/{} has width {} ({} bytes), the rebuilt tree's has width {}",
                                          id.level, id.index, TileWidth(*stored), stored->size(),
                                          TileWidth(rebuilt))));
    return;
  }
  // Same width: the first differing byte lies in some hash of some row.
  size_t offset = std::mismatch(stored->begin(), stored->end(), rebuilt.begin()).first - stored->begin();
  const uint64_t hash_index = (offset - 2) / sizeof(Hash);
  const uint64_t w = static_cast<uint64_t>(TileWidth(rebuilt));
  int row = 0;
  uint64_t node = hash_index;
  while (row + 1 < merkle::kTileHeight && node >= (w >> row)) {
    node -= w >> row;
    ++row;
  }
  uint64_t index_in_level = id.index * (merkle::kTileWidth >> row) + node;
  size_t at = 2 + hash_index * sizeof(Hash);
  Hash have{}, want{};
  std::memcpy(have.data(), stored->data() + at, 32);
  std::memcpy(want.data(), rebuilt.data() + at, 32);
  std::string what = row == 0 && id.level == 0 ? fmt::format("the leaf hash of event {}", index_in_level)
                                               : fmt::format("tree node (level {}, index {})",
                                                             merkle::kTileHeight * id.level + row, index_in_level);
  sink_.Add(TileProblem(id, fmt::format("tile {}/{} row {} pos {} ({}) is {}…, rebuilt {}…", id.level, id.index,
                                        row, node, what, ShortHash(have), ShortHash(want))));
}

// A key in `merkle` that is not a tile of the tree of `tree_size` leaves
// (UINT64_MAX: one the level-0 walk passed over, never a tile of it).
void Verifier::ReportStrayTile(const rocksdb::Slice& raw_key, uint64_t tree_size) {
  std::string_view key(raw_key.data(), raw_key.size());
  auto id = merkle::ParseTileKey(key);
  if (!id.ok()) {
    sink_.Add(PlainProblem("tile", fmt::format("merkle: key 0x{} is not a tile key: {}", ToHex(key),
                                               id.status().message())));
    return;
  }
  if (tree_size != UINT64_MAX) {
    uint64_t nodes = tree_size >> (merkle::kTileHeight * id->level);
    uint64_t tiles = (nodes + merkle::kTileWidth - 1) / merkle::kTileWidth;
    if (id->index < tiles) return;
  }
  sink_.Add(TileProblem(*id, fmt::format("tile {}/{} is not part of the tree of {} events", id->level, id->index,
                                         tree_.size())));
}

// The tiles after the last level-0 tile of the tree: the rest of level 0
// (none should exist) and the higher levels (1/256 of the data).
void Verifier::CheckExtraTiles() {
  for (; l0_it_->Valid(); l0_it_->Next()) ReportStrayTile(l0_it_->key(), tree_.size());
  if (!l0_it_->status().ok()) {
    sink_.Add(PlainProblem("store", FromRocks(l0_it_->status(), "reading merkle").message()));
  }
}

// ---------------------------------------------------------------- signatures

void Verifier::SignatureTask(const Chunk& chunk) {
  for (const SignatureJob& job : chunk.signatures) {
    const EventItem& item = chunk.items[job.item];
    try {
      LeafReader reader(chunk.Words(item), item.byte_size / 8);
      auto sb = reader.Envelope().getSigned();
      std::string body = CanonicalBytes(sb.getBody());
      if (!Ed25519Verify(job.key, body, View(sb.getSignature()))) {
        sink_.Add(SeqProblem("signature", item.key,
                             fmt::format("event {}: the signature does not verify with {}", item.key, job.signer)));
      }
    } catch (const kj::Exception& e) {
      sink_.Add(SeqProblem("malformed_event", item.key,
                           fmt::format("event {}: {}", item.key, e.getDescription().cStr())));
    }
  }
  for (const CheckpointJob& job : chunk.checkpoints) VerifyCheckpointSignature(job.size, job.note);
}

// ---------------------------------------------------------------- registry

void Verifier::CompareRegistry() {
  const KeyRegistry& stored = *impl_.registry;
  for (const auto& [code, a] : registry_.agencies()) {
    auto it = stored.agencies().find(code);
    if (it == stored.agencies().end()) {
      sink_.Add(SeqProblem("registry", a.registered_seq,
                           fmt::format("agency '{}' (registered by event {}) is missing from the persisted registry",
                                       code, a.registered_seq)));
    } else if (it->second.public_key != a.public_key || it->second.registered_seq != a.registered_seq) {
      sink_.Add(SeqProblem("registry", a.registered_seq,
                           fmt::format("the persisted registry's agency '{}' differs from event {}", code,
                                       a.registered_seq)));
    }
  }
  for (const auto& [code, a] : stored.agencies()) {
    if (!registry_.agencies().count(code)) {
      sink_.Add(PlainProblem("registry", fmt::format("the persisted registry holds agency '{}', which no event "
                                                     "registered",
                                                     code)));
    }
  }
  for (const auto& [id, o] : registry_.officers()) {
    auto it = stored.officers().find(id);
    uint64_t seq = o.revoked ? o.revoked_seq : o.registered_seq;
    if (it == stored.officers().end()) {
      sink_.Add(SeqProblem("registry", o.registered_seq,
                           fmt::format("officer '{}' (registered by event {}) is missing from the persisted registry",
                                       id, o.registered_seq)));
    } else {
      const KeyRegistry::Officer& s = it->second;
      if (s.agency != o.agency || s.public_key != o.public_key || s.registered_seq != o.registered_seq ||
          s.revoked != o.revoked || (o.revoked && s.revoked_seq != o.revoked_seq)) {
        sink_.Add(SeqProblem("registry", seq,
                             fmt::format("the persisted registry's officer '{}' differs from the events (event {})",
                                         id, seq)));
      }
    }
  }
  for (const auto& [id, o] : stored.officers()) {
    if (!registry_.officers().count(id)) {
      sink_.Add(PlainProblem("registry",
                             fmt::format("the persisted registry holds officer '{}', which no event registered", id)));
    }
  }
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

}  // namespace

StatusOr<VerifyReport> VerifyStore(const std::string& dir, const VerifyOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, Ledger::OpenReadOnly(dir));
  VerifyReport report;
  Verifier verifier(*ledger, options);
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
