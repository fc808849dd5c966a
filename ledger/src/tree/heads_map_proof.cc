// Heads map hashing, proof encoding and verification (ledger/heads_map.h,
// docs/formats.md §7).
//
//   proof = terminal (1: 0x00 leaf, 0x01 empty, 0x02 other leaf)
//           || depth d (2 BE, 0..256)
//           || d siblings (32 each), root-down
//           || if terminal = 0x02: key (32) || seq (8 BE) || leaf_hash (32) || count (8 BE)
#include "ledger/heads_map.h"

#include <bit>
#include <cstring>

#include <fmt/format.h>

#include "ledger/crypto.h"

namespace ledger::heads {
namespace {

Sha256Hasher& ThreadHasher() {
  thread_local Sha256Hasher hasher;
  return hasher;
}

void PutBigEndian64(uint8_t* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<uint8_t>(v);
    v >>= 8;
  }
}

uint64_t GetBigEndian64(const uint8_t* in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | in[i];
  return v;
}

std::string Short(const Hash& h) { return ToHex(std::span<const uint8_t>(h.data(), 4)); }

constexpr size_t kHeaderSize = 3;
constexpr size_t kOtherLeafSize = sizeof(Hash) + kHeadSize;

std::string_view TerminalName(Terminal t) {
  switch (t) {
    case Terminal::kLeaf: return "leaf";
    case Terminal::kEmpty: return "empty";
    case Terminal::kOtherLeaf: return "other leaf";
  }
  return "unknown";
}

// Checks what every proof must satisfy and folds `h`, the hash of the
// terminal subtree at depth d, up to the root along `key`'s path.
StatusOr<Hash> Fold(const Hash& key, Hash h, const MapProof& proof) {
  size_t d = proof.siblings.size();
  if (d > static_cast<size_t>(kKeyBits)) {
    return InvalidArgumentError(
        fmt::format("heads map proof: depth {} is more than {}", d, kKeyBits));
  }
  // The terminal's parent holds at least two entries: the terminal's own
  // entry (or, for an empty terminal, two or more) on the other side.
  if (d > 0 && proof.siblings[d - 1] == kEmptyHash) {
    return InvalidArgumentError(fmt::format(
        "heads map proof: sibling at depth {} is empty, so the terminal is not where "
        "the path ends",
        d));
  }
  for (size_t i = d; i-- > 0;) {
    h = KeyBit(key, static_cast<int>(i)) ? InteriorHash(proof.siblings[i], h)
                                         : InteriorHash(h, proof.siblings[i]);
  }
  return h;
}

Status Compare(std::string_view what, const Hash& computed, const Hash& root) {
  if (computed == root) return OkStatus();
  return InvalidArgumentError(fmt::format("heads map {} proof: root mismatch: computed {}..., expected {}...",
                                          what, Short(computed), Short(root)));
}

}  // namespace

Hash MapKey(EntityKind kind, std::string_view id) {
  Sha256Hasher& hasher = ThreadHasher();
  hasher.Update(static_cast<uint8_t>(kind));
  hasher.Update(id);
  return hasher.Finish();
}

int CommonPrefixBits(const Hash& a, const Hash& b) {
  for (size_t i = 0; i < a.size(); i += 8) {
    uint64_t x, y;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) {
      // Byte order of the words does not matter once swapped to big endian.
      uint64_t diff = x ^ y;
      if constexpr (std::endian::native == std::endian::little) diff = __builtin_bswap64(diff);
      return static_cast<int>(i * 8) + std::countl_zero(diff);
    }
  }
  return kKeyBits;
}

Hash LeafNodeHash(const Hash& key, const Head& head) {
  uint8_t buf[1 + 32 + kHeadSize];
  buf[0] = 0x02;
  std::memcpy(buf + 1, key.data(), 32);
  PutBigEndian64(buf + 33, head.seq);
  std::memcpy(buf + 41, head.leaf_hash.data(), 32);
  PutBigEndian64(buf + 73, head.count);
  Sha256Hasher& hasher = ThreadHasher();
  hasher.Update(std::span<const uint8_t>(buf, sizeof(buf)));
  return hasher.Finish();
}

Hash InteriorHash(const Hash& left, const Hash& right) {
  uint8_t buf[1 + 2 * 32];
  buf[0] = 0x03;
  std::memcpy(buf + 1, left.data(), 32);
  std::memcpy(buf + 33, right.data(), 32);
  Sha256Hasher& hasher = ThreadHasher();
  hasher.Update(std::span<const uint8_t>(buf, sizeof(buf)));
  return hasher.Finish();
}

std::string EncodeMapProof(const MapProof& proof) {
  size_t d = proof.siblings.size();
  std::string out;
  out.reserve(kHeaderSize + d * 32 + kOtherLeafSize);
  out.push_back(static_cast<char>(proof.terminal));
  out.push_back(static_cast<char>((d >> 8) & 0xff));
  out.push_back(static_cast<char>(d & 0xff));
  for (const Hash& s : proof.siblings) out.append(AsStringView(s));
  if (proof.terminal == Terminal::kOtherLeaf) {
    uint8_t buf[kOtherLeafSize];
    std::memcpy(buf, proof.other_key.data(), 32);
    PutBigEndian64(buf + 32, proof.other_head.seq);
    std::memcpy(buf + 40, proof.other_head.leaf_hash.data(), 32);
    PutBigEndian64(buf + 72, proof.other_head.count);
    out.append(AsStringView(std::span<const uint8_t>(buf, sizeof(buf))));
  }
  return out;
}

StatusOr<MapProof> DecodeMapProof(std::string_view bytes) {
  std::span<const uint8_t> b = AsBytes(bytes);
  if (b.size() < kHeaderSize) {
    return InvalidArgumentError(
        fmt::format("heads map proof: {} bytes, shorter than the 3-byte header", b.size()));
  }
  MapProof proof;
  if (b[0] > static_cast<uint8_t>(Terminal::kOtherLeaf)) {
    return InvalidArgumentError(fmt::format("heads map proof: unknown terminal 0x{:02x}", b[0]));
  }
  proof.terminal = static_cast<Terminal>(b[0]);
  size_t d = (size_t{b[1]} << 8) | b[2];
  if (d > static_cast<size_t>(kKeyBits)) {
    return InvalidArgumentError(
        fmt::format("heads map proof: depth {} is more than {}", d, kKeyBits));
  }
  size_t want = kHeaderSize + d * 32 + (proof.terminal == Terminal::kOtherLeaf ? kOtherLeafSize : 0);
  if (b.size() != want) {
    return InvalidArgumentError(
        fmt::format("heads map proof: {} bytes, expected {} ({} terminal, depth {})",
                    b.size(), want, TerminalName(proof.terminal), d));
  }
  proof.siblings.resize(d);
  const uint8_t* p = b.data() + kHeaderSize;
  for (size_t i = 0; i < d; ++i, p += 32) std::memcpy(proof.siblings[i].data(), p, 32);
  if (proof.terminal == Terminal::kOtherLeaf) {
    std::memcpy(proof.other_key.data(), p, 32);
    proof.other_head.seq = GetBigEndian64(p + 32);
    std::memcpy(proof.other_head.leaf_hash.data(), p + 40, 32);
    proof.other_head.count = GetBigEndian64(p + 72);
  }
  return proof;
}

StatusOr<Hash> RootFromHeadProof(const Hash& key, const Head& head, const MapProof& proof) {
  if (proof.terminal != Terminal::kLeaf) {
    return InvalidArgumentError(fmt::format(
        "heads map proof: terminal is {}, a proof of absence, not of a head",
        TerminalName(proof.terminal)));
  }
  return Fold(key, LeafNodeHash(key, head), proof);
}

StatusOr<Hash> RootFromAbsenceProof(const Hash& key, const MapProof& proof) {
  size_t d = proof.siblings.size();
  switch (proof.terminal) {
    case Terminal::kLeaf:
      return InvalidArgumentError(
          "heads map proof: terminal is the key's own leaf, a proof of a head, not of absence");
    case Terminal::kEmpty:
      // An empty subtree's sibling holds two or more entries, which share
      // 256 - d bits beyond the parent: d is at most 255.
      if (d >= static_cast<size_t>(kKeyBits)) {
        return InvalidArgumentError(
            fmt::format("heads map proof: empty terminal at depth {}", d));
      }
      return Fold(key, kEmptyHash, proof);
    case Terminal::kOtherLeaf: {
      if (proof.other_key == key) {
        return InvalidArgumentError(
            "heads map proof: the other leaf's key is the key itself, which is then present");
      }
      int shared = CommonPrefixBits(key, proof.other_key);
      if (static_cast<size_t>(shared) < d) {
        return InvalidArgumentError(fmt::format(
            "heads map proof: the other leaf's key shares {} leading bits with the key, "
            "fewer than the depth {}",
            shared, d));
      }
      return Fold(key, LeafNodeHash(proof.other_key, proof.other_head), proof);
    }
  }
  return InvalidArgumentError(fmt::format("heads map proof: unknown terminal 0x{:02x}",
                                          static_cast<uint8_t>(proof.terminal)));
}

Status VerifyHead(const Hash& root, const Hash& key, const Head& head, const MapProof& proof) {
  ASSIGN_OR_RETURN(Hash computed, RootFromHeadProof(key, head, proof));
  return Compare("head", computed, root);
}

Status VerifyAbsent(const Hash& root, const Hash& key, const MapProof& proof) {
  ASSIGN_OR_RETURN(Hash computed, RootFromAbsenceProof(key, proof));
  return Compare("absence", computed, root);
}

}  // namespace ledger::heads
