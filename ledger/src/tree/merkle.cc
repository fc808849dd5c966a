#include "ledger/merkle.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include <fmt/format.h>

#include "ledger/crypto.h"

namespace ledger::merkle {
namespace {

// Reused per thread: avoids allocating an EVP context for every node.
Sha256Hasher& ThreadHasher() {
  thread_local Sha256Hasher hasher;
  return hasher;
}

// Largest power of two strictly less than n; requires n >= 2.
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

// Lengths of the two parts of an inclusion proof for `index` in a tree of
// `size` (index < size): `inner` hashes below the level where the paths to
// `index` and `size - 1` meet, then `border` hashes of left siblings on the
// right border above it.
struct ProofShape {
  int inner = 0;
  int border = 0;
};
ProofShape InclusionShape(uint64_t index, uint64_t size) {
  ProofShape s;
  s.inner = std::bit_width(index ^ (size - 1));
  s.border = s.inner >= 64 ? 0 : std::popcount(index >> s.inner);
  return s;
}

std::string Short(const Hash& h) { return ToHex(std::span<const uint8_t>(h.data(), 4)); }

Status RootMismatch(std::string_view what, const Hash& computed, const Hash& expected) {
  return InvalidArgumentError(fmt::format("root mismatch: {} computed {}..., expected {}...", what,
                                          Short(computed), Short(expected)));
}

}  // namespace

Hash HashLeaf(std::span<const uint8_t> leaf_bytes) {
  Sha256Hasher& hasher = ThreadHasher();
  hasher.Update(uint8_t{0x00});
  hasher.Update(leaf_bytes);
  return hasher.Finish();
}

Hash HashChildren(const Hash& left, const Hash& right) {
  uint8_t buf[1 + 2 * sizeof(Hash)];
  buf[0] = 0x01;
  std::memcpy(buf + 1, left.data(), left.size());
  std::memcpy(buf + 1 + left.size(), right.data(), right.size());
  Sha256Hasher& hasher = ThreadHasher();
  hasher.Update(std::span<const uint8_t>(buf, sizeof(buf)));
  return hasher.Finish();
}

Hash EmptyRoot() { return Sha256(std::span<const uint8_t>()); }

StatusOr<Hash> RangeHash(uint64_t begin, uint64_t end, const NodeReader& nodes) {
  if (begin > end) {
    return InvalidArgumentError(fmt::format("range [{}, {}) ends before it begins", begin, end));
  }
  if (begin == end) return EmptyRoot();
  // MTH(D[begin:end]) splits at the largest power of two below the length.
  // When `begin` is aligned to that split (always so for the ranges proofs
  // use), the left part is one complete node and the right part recurses, so
  // the range resolves into its maximal aligned perfect subtrees, largest
  // first; they are then folded right to left. Unaligned ranges recurse into
  // both halves until their pieces are aligned nodes.
  uint64_t n = end - begin;
  if (std::has_single_bit(n) && begin % n == 0) {
    return nodes(std::countr_zero(n), begin / n);
  }
  uint64_t k = SplitPoint(n);
  ASSIGN_OR_RETURN(Hash left, RangeHash(begin, begin + k, nodes));
  ASSIGN_OR_RETURN(Hash right, RangeHash(begin + k, end, nodes));
  return HashChildren(left, right);
}

StatusOr<Hash> RootAt(uint64_t size, const NodeReader& nodes) {
  if (size == 0) return EmptyRoot();
  return RangeHash(0, size, nodes);
}

StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size,
                                           const NodeReader& nodes) {
  if (index >= size) {
    return InvalidArgumentError(fmt::format("index {} >= size {}", index, size));
  }
  // Unrolls PATH(m, D[begin:end]) from the root down; siblings are found
  // root-first, the proof lists them leaf-first.
  std::vector<Hash> proof;
  uint64_t begin = 0;
  uint64_t end = size;
  while (end - begin > 1) {
    uint64_t k = SplitPoint(end - begin);
    if (index < begin + k) {
      ASSIGN_OR_RETURN(Hash sibling, RangeHash(begin + k, end, nodes));
      proof.push_back(sibling);
      end = begin + k;
    } else {
      ASSIGN_OR_RETURN(Hash sibling, RangeHash(begin, begin + k, nodes));
      proof.push_back(sibling);
      begin += k;
    }
  }
  std::reverse(proof.begin(), proof.end());
  return proof;
}

StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t old_size, uint64_t new_size,
                                             const NodeReader& nodes) {
  if (old_size > new_size) {
    return InvalidArgumentError(
        fmt::format("old size {} > new size {}", old_size, new_size));
  }
  if (old_size == 0 || old_size == new_size) return std::vector<Hash>{};
  // Unrolls SUBPROOF(m, D[begin:end], b) from the root down. `m` counts the
  // old tree's leaves inside [begin, end); `whole` is b: the range is still a
  // prefix of the tree, so the old root is known to the verifier.
  std::vector<Hash> tail;
  uint64_t begin = 0;
  uint64_t end = new_size;
  uint64_t m = old_size;
  bool whole = true;
  while (m != end - begin) {
    uint64_t k = SplitPoint(end - begin);
    if (m <= k) {
      ASSIGN_OR_RETURN(Hash right, RangeHash(begin + k, end, nodes));
      tail.push_back(right);
      end = begin + k;
    } else {
      ASSIGN_OR_RETURN(Hash left, RangeHash(begin, begin + k, nodes));
      tail.push_back(left);
      begin += k;
      m -= k;
      whole = false;
    }
  }
  std::vector<Hash> proof;
  proof.reserve(tail.size() + 1);
  if (!whole) {
    ASSIGN_OR_RETURN(Hash subtree, RangeHash(begin, end, nodes));
    proof.push_back(subtree);
  }
  proof.insert(proof.end(), tail.rbegin(), tail.rend());
  return proof;
}

StatusOr<Hash> RootFromInclusionProof(uint64_t index, uint64_t size, const Hash& leaf_hash,
                                      std::span<const Hash> proof) {
  if (index >= size) {
    return InvalidArgumentError(fmt::format("index {} >= size {}", index, size));
  }
  ProofShape shape = InclusionShape(index, size);
  size_t want = static_cast<size_t>(shape.inner + shape.border);
  if (proof.size() != want) {
    return InvalidArgumentError(
        fmt::format("proof has {} hashes, expected {}", proof.size(), want));
  }
  // RFC 9162 §2.1.3.2.
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) return InvalidArgumentError("proof is longer than the path to the root");
    if ((fn & 1) != 0 || fn == sn) {
      r = HashChildren(p, r);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = HashChildren(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return InvalidArgumentError("proof is shorter than the path to the root");
  return r;
}

Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                       std::span<const Hash> proof, const Hash& root) {
  ASSIGN_OR_RETURN(Hash computed, RootFromInclusionProof(index, size, leaf_hash, proof));
  if (computed != root) return RootMismatch("inclusion proof", computed, root);
  return OkStatus();
}

Status VerifyConsistency(uint64_t size1, uint64_t size2, std::span<const Hash> proof,
                         const Hash& root1, const Hash& root2) {
  if (size1 > size2) {
    return InvalidArgumentError(fmt::format("size1 {} > size2 {}", size1, size2));
  }
  if (size1 == size2) {
    if (!proof.empty()) {
      return InvalidArgumentError(
          fmt::format("proof has {} hashes, expected 0 for equal sizes", proof.size()));
    }
    if (root1 != root2) return RootMismatch("equal sizes", root2, root1);
    return OkStatus();
  }
  if (size1 == 0) {
    if (!proof.empty()) {
      return InvalidArgumentError(
          fmt::format("proof has {} hashes, expected 0 from the empty tree", proof.size()));
    }
    return OkStatus();
  }
  if (proof.empty()) return InvalidArgumentError("empty consistency proof");

  // The proof is the suffix of the inclusion proof for leaf size1 - 1 in the
  // tree of size2 that starts at the level of the old tree's last perfect
  // subtree, preceded by that subtree's hash unless it is the whole old tree.
  ProofShape shape = InclusionShape(size1 - 1, size2);
  int shift = std::countr_zero(size1);
  bool power_of_two = std::has_single_bit(size1);
  size_t want = static_cast<size_t>((power_of_two ? 0 : 1) + shape.inner - shift + shape.border);
  if (proof.size() != want) {
    return InvalidArgumentError(
        fmt::format("proof has {} hashes, expected {}", proof.size(), want));
  }

  // RFC 9162 §2.1.4.2.
  std::vector<Hash> path;
  path.reserve(proof.size() + 1);
  if (power_of_two) path.push_back(root1);
  path.insert(path.end(), proof.begin(), proof.end());

  uint64_t fn = size1 - 1;
  uint64_t sn = size2 - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0];
  Hash sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return InvalidArgumentError("proof is longer than the path to the root");
    if ((fn & 1) != 0 || fn == sn) {
      fr = HashChildren(c, fr);
      sr = HashChildren(c, sr);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = HashChildren(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return InvalidArgumentError("proof is shorter than the path to the root");
  if (fr != root1) return RootMismatch("old root", fr, root1);
  if (sr != root2) return RootMismatch("new root", sr, root2);
  return OkStatus();
}

}  // namespace ledger::merkle
