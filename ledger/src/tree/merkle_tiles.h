// Persistent layout of the Merkle tree: complete-subtree hashes grouped in
// tiles of 256, after C2SP tlog-tiles, so that a group commit of 1,000
// events costs a handful of RocksDB puts rather than one per node.
//
// Format (contract for the `merkle` column family, see docs/formats.md):
//
//   key   = level (1 byte) || tile index (8 bytes, big-endian)
//   value = width (2 bytes, big-endian, 1..256)
//           || row 0: `width` hashes          (tree level 8·level)
//           || row 1: floor(width/2) hashes   (tree level 8·level + 1)
//           || ...
//           || row 7: floor(width/128) hashes (tree level 8·level + 7)
//
// Tile (L, t) row 0 holds the nodes at tree level 8L with indices
// [256t, 256t + width). Rows 1..7 hold every complete node above them inside
// the tile, so any complete node is one lookup. A full tile's root (tree
// level 8L+8) is row 0 of tile (L+1, t/256). Partial tiles on the right edge
// are rewritten as the tree grows; complete nodes never change.
//
//   ASSIGN_OR_RETURN(auto tree, TreeBuilder::Resume(size, loader));
//   for (const Hash& h : leaf_hashes) tree.Append(h);
//   for (auto& [key, value] : tree.TakeDirty()) batch.Put(cf_merkle, key, value);
//   Hash root = tree.Root();
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ledger/bytes.h"
#include "ledger/merkle.h"
#include "ledger/status.h"

namespace ledger::merkle {

inline constexpr int kTileHeight = 8;
inline constexpr uint64_t kTileWidth = 256;

// TileId (ledger/merkle.h): a tile's level and index.

std::string TileKey(const TileId& id);
StatusOr<TileId> ParseTileKey(std::string_view key);

// Where complete node (tree level, index) lives.
struct NodeLocation {
  TileId tile;
  int row = 0;        // 0..7
  uint64_t pos = 0;   // position within the row
};
NodeLocation LocateNode(int level, uint64_t index);

class Tile {
 public:
  Tile() = default;
  int width() const { return static_cast<int>(rows_[0].size()); }
  bool full() const { return rows_[0].size() == kTileWidth; }
  // Adds a base (row 0) hash and every node it completes. Requires !full().
  void Append(const Hash& base);
  // Requires pos < RowSize(row).
  const Hash& Node(int row, uint64_t pos) const { return rows_[row][pos]; }
  size_t RowSize(int row) const { return rows_[row].size(); }
  // Root of a full tile (tree level 8·(L+1)). Requires full().
  Hash Root() const;

  std::string Encode() const;
  // Checks the framing (width and length) only; see CheckNodes().
  static StatusOr<Tile> Decode(std::string_view value);
  // Recomputes rows 1..7 from row 0; DataLoss naming the first wrong node.
  Status CheckNodes() const;

 private:
  std::array<std::vector<Hash>, kTileHeight> rows_;
};

// Loads a stored tile; nullopt when there is none.
using TileLoader = std::function<StatusOr<std::optional<Tile>>(const TileId&)>;

// Reads complete node (level, index) through tiles.
StatusOr<Hash> ReadNode(int level, uint64_t index, const TileLoader& load);

// The same through a loader that shares cached tiles instead of copying
// them (a tile is 16 KiB: the read path's proofs read ~log2(n) nodes).
// nullptr when there is no such tile.
using SharedTileLoader = std::function<StatusOr<std::shared_ptr<const Tile>>(const TileId&)>;
StatusOr<Hash> ReadNode(int level, uint64_t index, const SharedTileLoader& load);

// The growing right edge of the tree: the compact range (roots of the
// perfect subtrees that make up [0, size)) plus the partial tiles, kept in
// memory between appends. Not thread-safe.
class TreeBuilder {
 public:
  TreeBuilder() = default;  // empty tree
  // Rebuilds the right edge of a stored tree of `size` leaves.
  static StatusOr<TreeBuilder> Resume(uint64_t size, const TileLoader& load);

  void Append(const Hash& leaf_hash);
  uint64_t size() const { return size_; }
  Hash Root() const;
  // Encoded (key, value) of every tile changed since the last TakeDirty().
  std::vector<std::pair<std::string, std::string>> TakeDirty();
  // A complete node that lives in a tile held in memory (the right edge,
  // or one completed since the last TakeDirty()); nullopt otherwise.
  std::optional<Hash> CachedNode(int level, uint64_t index) const;

 private:
  uint64_t size_ = 0;
  std::vector<Hash> compact_;           // perfect subtree roots, largest first
  std::map<TileId, Tile> edge_;         // partial (and just-completed) tiles
  std::vector<TileId> dirty_;
};

}  // namespace ledger::merkle
