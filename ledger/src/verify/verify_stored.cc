// The verifier's checks of what the store keeps beside the events
// (verifier.h): the signed checkpoints, the Merkle tiles, the key
// registry, and the signature tasks run on the pool.
#include <fmt/format.h>

#include "ledger/bytes.h"
#include "verify/verifier.h"

namespace ledger::verifier {

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
    sink_.Add(CheckpointProblem(
        size, fmt::format("checkpoint {}: origin '{}' is not the store's '{}'", size, cp->origin, impl_.info.origin)));
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
                                          id.level, id.index, TileWidth(*stored), stored->size(), TileWidth(rebuilt))));
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
  sink_.Add(TileProblem(id, fmt::format("tile {}/{} row {} pos {} ({}) is {}…, rebuilt {}…", id.level, id.index, row,
                                        node, what, ShortHash(have), ShortHash(want))));
}

// A key in `merkle` that is not a tile of the tree of `tree_size` leaves
// (UINT64_MAX: one the level-0 walk passed over, never a tile of it).
void Verifier::ReportStrayTile(const rocksdb::Slice& raw_key, uint64_t tree_size) {
  std::string_view key(raw_key.data(), raw_key.size());
  auto id = merkle::ParseTileKey(key);
  if (!id.ok()) {
    sink_.Add(
        PlainProblem("tile", fmt::format("merkle: key 0x{} is not a tile key: {}", ToHex(key), id.status().message())));
    return;
  }
  if (tree_size != UINT64_MAX) {
    uint64_t nodes = tree_size >> (merkle::kTileHeight * id->level);
    uint64_t tiles = (nodes + merkle::kTileWidth - 1) / merkle::kTileWidth;
    if (id->index < tiles) return;
  }
  sink_.Add(TileProblem(
      *id, fmt::format("tile {}/{} is not part of the tree of {} events", id->level, id->index, tree_.size())));
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
      sink_.Add(
          SeqProblem("malformed_event", item.key, fmt::format("event {}: {}", item.key, e.getDescription().cStr())));
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
      sink_.Add(SeqProblem(
          "registry", a.registered_seq,
          fmt::format("the persisted registry's agency '{}' differs from event {}", code, a.registered_seq)));
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
        sink_.Add(SeqProblem(
            "registry", seq,
            fmt::format("the persisted registry's officer '{}' differs from the events (event {})", id, seq)));
      }
    }
  }
  for (const auto& [id, o] : stored.officers()) {
    if (!registry_.officers().count(id)) {
      sink_.Add(PlainProblem("registry",
                             fmt::format("the persisted registry holds officer '{}', which no event registered", id)));
    }
  }
  // The menu in force (the projection's "menu" key) is the last MenuPublished.
  const PublishedMenu& stored_menu = impl_.domain->menu();
  if (stored_menu.published() != menu_.published() || stored_menu.seq() != menu_.seq()) {
    auto name = [](const PublishedMenu& m) {
      return m.published() ? fmt::format("event {} (version {})", m.seq(), m.version()) : std::string("none");
    };
    sink_.Add(PlainProblem("menu", fmt::format("the persisted menu is {}, but the events publish {}",
                                               name(stored_menu), name(menu_))));
  }
}

}  // namespace ledger::verifier
