// RFC 6962 / RFC 9162 §2.1 Merkle tree hashing and proofs (SHA-256).
//
//   leaf hash   = SHA-256(0x00 || leaf bytes)
//   node hash   = SHA-256(0x01 || left || right)
//   empty tree  = SHA-256("")
//
// Proofs are generated from *complete subtree* hashes only: node (level L,
// index i) is the root of the perfect subtree over leaves [i·2^L, (i+1)·2^L).
// Such nodes never change once the tree has grown past them, so they can be
// persisted (see merkle_tiles.h). Generating a root, an inclusion proof or a
// consistency proof reads O(log n) nodes through a NodeReader.
//
//   auto reader = [&](int level, uint64_t index) -> StatusOr<Hash> {...};
//   ASSIGN_OR_RETURN(std::vector<Hash> path, merkle::InclusionProof(5, 70, reader));
//   RETURN_IF_ERROR(merkle::VerifyInclusion(5, 70, leaf_hash, path, root));
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "ledger/bytes.h"
#include "ledger/status.h"

namespace ledger::merkle {

Hash HashLeaf(std::span<const uint8_t> leaf_bytes);
Hash HashChildren(const Hash& left, const Hash& right);
Hash EmptyRoot();

// Returns the hash of the complete subtree node (level, index). Only asked
// for nodes whose subtree lies entirely inside the tree being proven.
using NodeReader = std::function<StatusOr<Hash>(int level, uint64_t index)>;

// MTH(D[0:size]).
StatusOr<Hash> RootAt(uint64_t size, const NodeReader& nodes);
// MTH(D[begin:end]) for any range, from complete subtree nodes.
StatusOr<Hash> RangeHash(uint64_t begin, uint64_t end, const NodeReader& nodes);

// RFC 9162 §2.1.3.1 PATH(index, D[0:size]); requires index < size.
StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size,
                                           const NodeReader& nodes);
// RFC 9162 §2.1.4.1 PROOF(old_size, D[0:new_size]); requires
// old_size <= new_size. Empty when old_size == 0 or old_size == new_size.
StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t old_size, uint64_t new_size,
                                             const NodeReader& nodes);

// RFC 9162 §2.1.3.2. OK, or InvalidArgument naming what is wrong.
Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                       std::span<const Hash> proof, const Hash& root);
// The root that `proof` implies for `leaf_hash` at `index` in a tree of `size`.
StatusOr<Hash> RootFromInclusionProof(uint64_t index, uint64_t size, const Hash& leaf_hash,
                                      std::span<const Hash> proof);
// RFC 9162 §2.1.4.2 (size1 == 0 or size1 == size2 with an empty proof are
// accepted as RFC 9162 / transparency-dev do: size1 == size2 requires
// root1 == root2).
Status VerifyConsistency(uint64_t size1, uint64_t size2, std::span<const Hash> proof,
                         const Hash& root1, const Hash& root2);

// A tile of the persistent tree layout (tree/merkle_tiles.h, docs/formats.md):
// tile `index` of tile level `level`.
struct TileId {
  int level = 0;        // tile level; holds tree levels 8·level .. 8·level+7
  uint64_t index = 0;   // tile index within its level
  friend auto operator<=>(const TileId&, const TileId&) = default;
};

}  // namespace ledger::merkle
