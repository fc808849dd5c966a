// HeadsMap: the heads map (ledger/heads_map.h, docs/formats.md §7) held in
// memory, with cached hashes, for the append path.
//
//   HeadsMap map;
//   map.SetMany(batch);                  // one group commit's heads
//   Hash root = map.Root();
//   heads::MapProof proof = map.Prove(key);
//   std::string snapshot = map.Serialize();
//   ASSIGN_OR_RETURN(HeadsMap again, HeadsMap::Deserialize(snapshot));
//
// Layout: a binary radix (Patricia) tree. Entries live in parallel vectors
// (key, head, leaf node hash); interior nodes -- one per point where two or
// more keys part, n - 1 of them for n entries -- in one vector, referring to
// their children by index. An interior node caches the hash of the subtree it
// stands for at the depth just below its parent's split (`top`), so the
// chain of one-sided interior hashes the sparse tree has between `top` and
// the node's own split (one child empty) is folded into that cache. About
// 112 + 52 bytes per entry.
//
// An update rehashes the interior nodes on the entry's path once, O(depth)
// hashes; SetMany marks every touched path first and rehashes each marked
// node once, children before parents. Entries are never removed.
//
// Not thread-safe for writes; const methods may run concurrently with each
// other.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ledger/heads_map.h"
#include "ledger/status.h"

namespace ledger::heads {

class HeadsMap {
 public:
  using Entry = std::pair<Hash, Head>;

  HeadsMap() = default;

  // From entries with strictly increasing keys; InvalidArgument otherwise.
  // Faster than the same SetMany: every node is built and hashed once.
  static StatusOr<HeadsMap> FromSorted(std::span<const Entry> entries);

  // Room for `entries` entries without reallocating (the vectors otherwise
  // grow by doubling).
  void reserve(size_t entries);

  size_t size() const { return keys_.size(); }
  bool empty() const { return keys_.empty(); }

  // The map's root: 32 zero bytes when empty.
  Hash Root() const;
  std::optional<Head> Get(const Hash& key) const;

  // Inserts or replaces `key`'s head.
  void Set(const Hash& key, const Head& head);
  // Applies the entries in order (a key given twice keeps the last head),
  // then rehashes each touched interior node once.
  void SetMany(std::span<const Entry> entries);

  // A proof of `key`'s head (Terminal::kLeaf) if present, else of its absence.
  MapProof Prove(const Hash& key) const;

  // Every entry, sorted by key.
  std::vector<Entry> Entries() const;

  // snapshot = count (8 BE) || count x (key (32) || seq (8 BE) || leaf_hash (32)
  //            || count (8 BE)), keys strictly increasing || root (32)
  std::string Serialize() const;
  // Refuses (DataLoss) a snapshot that is not exactly that, or whose entries
  // do not hash to its root.
  static StatusOr<HeadsMap> Deserialize(std::string_view bytes);

  // Bytes held by the vectors (capacity), for measurements.
  size_t MemoryBytes() const;

 private:
  using Ref = uint32_t;                           // interior index, or leaf index | kLeafTag
  static constexpr Ref kLeafTag = 0x80000000u;
  static constexpr Ref kNoRef = 0xffffffffu;

  struct Interior {
    Hash hash;            // hash of the subtree at depth `top`
    Ref child[2];         // by the key bit at `split`
    uint32_t rep;         // an entry below; its key's first `split` bits are the node's prefix
    uint16_t split;       // 0..255: the children part at this bit
    uint16_t top;         // the parent's split + 1; 0 for the root
    bool dirty;           // on a path touched since the last rehash
  };

  static bool IsLeaf(Ref r) { return (r & kLeafTag) != 0; }
  static uint32_t LeafIndex(Ref r) { return r & ~kLeafTag; }

  Ref NewLeaf(const Hash& key, const Head& head);
  void Apply(const Hash& key, const Head& head);
  const Hash& ChildHash(Ref r) const;
  // The node's hash at `depth` (top <= depth <= split) from its children's.
  Hash HashAt(const Interior& n, int depth) const;
  void Rehash(uint32_t index);
  Ref Build(uint32_t lo, uint32_t hi, int top);

  std::vector<Hash> keys_;
  std::vector<Head> heads_;
  std::vector<Hash> leaf_hashes_;
  std::vector<Interior> nodes_;
  Ref root_ = kNoRef;
};

}  // namespace ledger::heads
