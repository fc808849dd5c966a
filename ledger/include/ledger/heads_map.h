// The heads map: a sparse Merkle tree over 256-bit keys that commits to the
// head (latest event) of every entity -- household, officer, agency -- so a
// client can check that a history it is shown is complete, and can have an
// entity's absence proven (docs/formats.md §7).
//
//   key        = SHA-256(kind byte || id bytes)                  MapKey
//   leaf node  = SHA-256(0x02 || key || seq(8 BE) || leaf_hash || count(8 BE))
//   interior   = SHA-256(0x03 || left || right)
//   empty      = 32 zero bytes (at every height; the empty map's root)
//
// A subtree that holds exactly one entry hashes to that entry's leaf node,
// whatever its height; one that holds two or more is an interior node. Bit i
// of a key (MSB first) picks the child at depth i: 0 left, 1 right.
//
// This header is what a verifier needs (it is in ledger_core, without
// RocksDB); the map itself is tree/heads_map.h in the library.
//
//   Hash key = heads::MapKey(heads::EntityKind::kHousehold, "3301010001001");
//   ASSIGN_OR_RETURN(heads::MapProof proof, heads::DecodeMapProof(bytes));
//   RETURN_IF_ERROR(heads::VerifyHead(root, key, head, proof));
//   RETURN_IF_ERROR(heads::VerifyAbsent(root, other_key, other_proof));
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/bytes.h"
#include "ledger/status.h"

namespace ledger::heads {

enum class EntityKind : uint8_t { kHousehold = 1, kOfficer = 2, kAgency = 3 };

// SHA-256(kind || id).
Hash MapKey(EntityKind kind, std::string_view id);

// What the map holds for an entity: its latest event.
struct Head {
  uint64_t seq = 0;      // seq of the entity's latest event
  Hash leaf_hash{};      // RFC 6962 leaf hash of that event
  uint64_t count = 0;    // number of events of the entity
  friend bool operator==(const Head&, const Head&) = default;
};

inline constexpr size_t kHeadSize = 48;   // seq(8) || leaf_hash(32) || count(8)
inline constexpr int kKeyBits = 256;

// Bit `i` (0..255) of `key`, MSB first: bit (7 - i % 8) of byte i / 8.
inline bool KeyBit(const Hash& key, int i) { return (key[i >> 3] >> (7 - (i & 7))) & 1; }
// Number of leading bits `a` and `b` share (256 when equal).
int CommonPrefixBits(const Hash& a, const Hash& b);

Hash LeafNodeHash(const Hash& key, const Head& head);
Hash InteriorHash(const Hash& left, const Hash& right);
inline constexpr Hash kEmptyHash{};   // empty subtree and empty map root

// How a proof's path from the root ends, at depth `siblings.size()`.
enum class Terminal : uint8_t {
  kLeaf = 0,        // at the key's own entry: membership
  kEmpty = 1,       // at an empty subtree: absence
  kOtherLeaf = 2,   // at the lone entry of another key with the same first
                    // depth bits: absence
};

struct MapProof {
  Terminal terminal = Terminal::kEmpty;
  // Root-down: siblings[i] is the sibling of the path's node at depth i + 1
  // (siblings[0] is the root's other child). At most 256.
  std::vector<Hash> siblings;
  Hash other_key{};     // kOtherLeaf only
  Head other_head{};    // kOtherLeaf only
  friend bool operator==(const MapProof&, const MapProof&) = default;
};

// terminal (1) || depth (2 BE) || depth x 32 sibling bytes, root-down
// || for kOtherLeaf: other key (32) || seq (8 BE) || leaf_hash (32) || count (8 BE).
std::string EncodeMapProof(const MapProof& proof);
// Strict: unknown terminal byte, depth > 256, or a length other than the
// exact one the header implies is InvalidArgument.
StatusOr<MapProof> DecodeMapProof(std::string_view bytes);

// The root `proof` implies for `key` holding `head` (terminal must be kLeaf).
StatusOr<Hash> RootFromHeadProof(const Hash& key, const Head& head, const MapProof& proof);
// The root `proof` implies for `key` being absent (kEmpty or kOtherLeaf).
StatusOr<Hash> RootFromAbsenceProof(const Hash& key, const MapProof& proof);

// OK iff the map of `root` holds exactly `head` for `key`; else
// InvalidArgument naming what is wrong.
Status VerifyHead(const Hash& root, const Hash& key, const Head& head, const MapProof& proof);
// OK iff the map of `root` holds nothing for `key`.
Status VerifyAbsent(const Hash& root, const Hash& key, const MapProof& proof);

}  // namespace ledger::heads
