#include "tree/merkle_tiles.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstring>

#include <fmt/format.h>

namespace ledger::merkle {
namespace {

// Tile levels 0..7 cover tree levels 0..63, every level a uint64_t-sized
// tree can have below its root.
constexpr int kMaxTileLevel = 7;
constexpr size_t kWidthBytes = 2;

size_t RowCapacity(int row) { return kTileWidth >> row; }

// Number of bytes Encode() produces for a tile of `width` base hashes.
size_t EncodedSize(uint64_t width) {
  size_t hashes = 0;
  for (int row = 0; row < kTileHeight; ++row) hashes += width >> row;
  return kWidthBytes + hashes * sizeof(Hash);
}

std::string TileName(const TileId& id) { return fmt::format("{}/{}", id.level, id.index); }

}  // namespace

std::string TileKey(const TileId& id) {
  std::string key(1, static_cast<char>(id.level));
  AppendBigEndian64(&key, id.index);
  return key;
}

StatusOr<TileId> ParseTileKey(std::string_view key) {
  if (key.size() != 9) {
    return InvalidArgumentError(fmt::format("tile key has {} bytes, expected 9", key.size()));
  }
  int level = static_cast<uint8_t>(key[0]);
  if (level > kMaxTileLevel) {
    return InvalidArgumentError(fmt::format("tile key level {} > {}", level, kMaxTileLevel));
  }
  return TileId{level, ReadBigEndian64(key.substr(1))};
}

NodeLocation LocateNode(int level, uint64_t index) {
  NodeLocation loc;
  loc.tile.level = level / kTileHeight;
  loc.row = level % kTileHeight;
  uint64_t per_tile = RowCapacity(loc.row);
  loc.tile.index = index / per_tile;
  loc.pos = index % per_tile;
  return loc;
}

void Tile::Append(const Hash& base) {
  assert(!full());
  rows_[0].push_back(base);
  // A node of row r completes when its right child, the last node of row
  // r - 1, appears; only the nodes above the new base can complete.
  for (int row = 1; row < kTileHeight; ++row) {
    const std::vector<Hash>& below = rows_[row - 1];
    if (below.size() != 2 * (rows_[row].size() + 1)) break;
    rows_[row].push_back(HashChildren(below[below.size() - 2], below.back()));
  }
}

Hash Tile::Root() const {
  assert(full());
  return HashChildren(rows_[kTileHeight - 1][0], rows_[kTileHeight - 1][1]);
}

std::string Tile::Encode() const {
  uint64_t w = rows_[0].size();
  std::string out;
  out.reserve(EncodedSize(w));
  out.push_back(static_cast<char>(w >> 8));
  out.push_back(static_cast<char>(w & 0xff));
  for (const std::vector<Hash>& row : rows_) {
    for (const Hash& h : row) out.append(AsStringView(h));
  }
  return out;
}

StatusOr<Tile> Tile::Decode(std::string_view value) {
  if (value.size() < kWidthBytes) {
    return DataLossError(fmt::format("tile value has {} bytes, too short for its width",
                                     value.size()));
  }
  uint64_t width = (uint64_t{static_cast<uint8_t>(value[0])} << 8) |
                   static_cast<uint8_t>(value[1]);
  if (width == 0 || width > kTileWidth) {
    return DataLossError(fmt::format("tile width {} not in 1..{}", width, kTileWidth));
  }
  if (value.size() != EncodedSize(width)) {
    return DataLossError(fmt::format("tile of width {} has {} bytes, expected {}", width,
                                     value.size(), EncodedSize(width)));
  }
  Tile tile;
  const char* p = value.data() + kWidthBytes;
  for (int row = 0; row < kTileHeight; ++row) {
    std::vector<Hash>& out = tile.rows_[row];
    out.resize(width >> row);
    for (Hash& h : out) {
      std::memcpy(h.data(), p, h.size());
      p += h.size();
    }
  }
  return tile;
}

Status Tile::CheckNodes() const {
  for (int row = 1; row < kTileHeight; ++row) {
    if (rows_[row].size() != rows_[row - 1].size() / 2) {
      return DataLossError(fmt::format("tile row {} has {} nodes, expected {}", row,
                                       rows_[row].size(), rows_[row - 1].size() / 2));
    }
    for (size_t pos = 0; pos < rows_[row].size(); ++pos) {
      if (rows_[row][pos] != HashChildren(rows_[row - 1][2 * pos], rows_[row - 1][2 * pos + 1])) {
        return DataLossError(
            fmt::format("tile node row {} pos {} does not match its children", row, pos));
      }
    }
  }
  return OkStatus();
}

StatusOr<Hash> ReadNode(int level, uint64_t index, const SharedTileLoader& load) {
  if (level < 0 || level > kTileHeight * (kMaxTileLevel + 1) - 1) {
    return InvalidArgumentError(fmt::format("node level {} out of range", level));
  }
  NodeLocation loc = LocateNode(level, index);
  ASSIGN_OR_RETURN(std::shared_ptr<const Tile> tile, load(loc.tile));
  if (!tile) {
    return NotFoundError(fmt::format("merkle tile {} for node (level {}, index {}) not found",
                                     TileName(loc.tile), level, index));
  }
  if (loc.pos >= tile->RowSize(loc.row)) {
    return NotFoundError(
        fmt::format("merkle tile {} of width {} does not hold node (level {}, index {})",
                    TileName(loc.tile), tile->width(), level, index));
  }
  return tile->Node(loc.row, loc.pos);
}

StatusOr<Hash> ReadNode(int level, uint64_t index, const TileLoader& load) {
  return ReadNode(level, index, SharedTileLoader([&load](const TileId& id) -> StatusOr<std::shared_ptr<const Tile>> {
                    ASSIGN_OR_RETURN(std::optional<Tile> tile, load(id));
                    if (!tile) return std::shared_ptr<const Tile>();
                    return std::make_shared<const Tile>(std::move(*tile));
                  }));
}

StatusOr<TreeBuilder> TreeBuilder::Resume(uint64_t size, const TileLoader& load) {
  TreeBuilder builder;
  builder.size_ = size;
  // At tile level L the tree has size >> 8L complete nodes of tree level 8L;
  // the last, partial group of them is the right-edge tile. Its rows hold
  // every compact-range node whose tree level falls in that tile level.
  for (int level = 0; level <= kMaxTileLevel; ++level) {
    uint64_t count = size >> (kTileHeight * level);
    if (count == 0) break;
    uint64_t width = count % kTileWidth;
    if (width == 0) continue;
    TileId id{level, count / kTileWidth};
    ASSIGN_OR_RETURN(std::optional<Tile> stored, load(id));
    if (!stored.has_value()) {
      return DataLossError(
          fmt::format("merkle tile {} of tree size {} not found", TileName(id), size));
    }
    if (static_cast<uint64_t>(stored->width()) < width) {
      return DataLossError(fmt::format("merkle tile {} has width {}, tree size {} needs {}",
                                       TileName(id), stored->width(), size, width));
    }
    if (static_cast<uint64_t>(stored->width()) == width) {
      Status st = stored->CheckNodes();
      if (!st.ok()) {
        return DataLossError(fmt::format("merkle tile {}: {}", TileName(id), st.message()));
      }
      builder.edge_.emplace(id, *std::move(stored));
    } else {
      // A tile of a larger tree: keep the prefix that belongs to this size.
      Tile prefix;
      for (uint64_t i = 0; i < width; ++i) prefix.Append(stored->Node(0, i));
      builder.edge_.emplace(id, std::move(prefix));
    }
  }
  for (int bit = 63; bit >= 0; --bit) {
    if (((size >> bit) & 1) == 0) continue;
    std::optional<Hash> node = builder.CachedNode(bit, (size >> bit) - 1);
    assert(node.has_value());
    builder.compact_.push_back(*node);
  }
  return builder;
}

void TreeBuilder::Append(const Hash& leaf_hash) {
  // Feed the new base hash into the edge tile of each level; a tile that
  // fills passes its root up as the next base of the level above.
  Hash base = leaf_hash;
  uint64_t index = size_;  // index of `base` within its tree level
  for (int level = 0; level <= kMaxTileLevel; ++level) {
    TileId id{level, index / kTileWidth};
    Tile& tile = edge_[id];
    tile.Append(base);
    // The tile most recently marked is found within a few steps from the back.
    if (std::find(dirty_.rbegin(), dirty_.rend(), id) == dirty_.rend()) dirty_.push_back(id);
    if (!tile.full()) break;
    base = tile.Root();
    index /= kTileWidth;
  }
  // The new leaf merges with the compact-range subtrees of equal size; the
  // merged node was just completed in a tile, so it costs no extra hashing.
  int merged = std::countr_one(size_);
  compact_.resize(compact_.size() - merged);
  ++size_;
  std::optional<Hash> top = CachedNode(merged, (size_ >> merged) - 1);
  assert(top.has_value());
  compact_.push_back(*top);
}

Hash TreeBuilder::Root() const {
  if (compact_.empty()) return EmptyRoot();
  Hash root = compact_.back();
  for (size_t i = compact_.size() - 1; i-- > 0;) root = HashChildren(compact_[i], root);
  return root;
}

std::vector<std::pair<std::string, std::string>> TreeBuilder::TakeDirty() {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(dirty_.size());
  for (const TileId& id : dirty_) out.emplace_back(TileKey(id), edge_.at(id).Encode());
  dirty_.clear();
  // Full tiles never change again; only the partial right edge stays.
  std::erase_if(edge_, [](const auto& entry) { return entry.second.full(); });
  return out;
}

std::optional<Hash> TreeBuilder::CachedNode(int level, uint64_t index) const {
  if (level < 0 || level > kTileHeight * (kMaxTileLevel + 1) - 1) return std::nullopt;
  NodeLocation loc = LocateNode(level, index);
  auto it = edge_.find(loc.tile);
  if (it == edge_.end() || loc.pos >= it->second.RowSize(loc.row)) return std::nullopt;
  return it->second.Node(loc.row, loc.pos);
}

}  // namespace ledger::merkle
