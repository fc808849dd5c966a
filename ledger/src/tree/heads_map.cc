#include "tree/heads_map.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace ledger::heads {
namespace {

constexpr size_t kEntrySize = 32 + kHeadSize;

void AppendEntry(std::string* out, const Hash& key, const Head& head) {
  out->append(AsStringView(key));
  AppendBigEndian64(out, head.seq);
  out->append(AsStringView(head.leaf_hash));
  AppendBigEndian64(out, head.count);
}

}  // namespace

HeadsMap::Ref HeadsMap::NewLeaf(const Hash& key, const Head& head) {
  uint32_t index = static_cast<uint32_t>(keys_.size());
  keys_.push_back(key);
  heads_.push_back(head);
  leaf_hashes_.push_back(LeafNodeHash(key, head));
  return index | kLeafTag;
}

const Hash& HeadsMap::ChildHash(Ref r) const {
  return IsLeaf(r) ? leaf_hashes_[LeafIndex(r)] : nodes_[r].hash;
}

Hash HeadsMap::HashAt(const Interior& n, int depth) const {
  Hash h = InteriorHash(ChildHash(n.child[0]), ChildHash(n.child[1]));
  // Above the split, every interior node on the way up has the subtree on
  // the prefix's side and an empty one on the other.
  const Hash& prefix = keys_[n.rep];
  for (int j = n.split - 1; j >= depth; --j) {
    h = KeyBit(prefix, j) ? InteriorHash(kEmptyHash, h) : InteriorHash(h, kEmptyHash);
  }
  return h;
}

void HeadsMap::Rehash(uint32_t index) {
  // No node is added while rehashing, so the reference stays valid.
  Interior& n = nodes_[index];
  for (Ref c : n.child) {
    if (!IsLeaf(c) && nodes_[c].dirty) Rehash(c);
  }
  n.hash = HashAt(n, n.top);
  n.dirty = false;
}

void HeadsMap::Apply(const Hash& key, const Head& head) {
  if (root_ == kNoRef) {
    root_ = NewLeaf(key, head);
    return;
  }
  // Splits strictly increase down a path, so a path has at most 256 interior nodes.
  uint32_t path[kKeyBits];
  int n = 0;
  Ref r = root_;
  while (!IsLeaf(r)) {
    path[n++] = r;
    const Interior& node = nodes_[r];
    r = node.child[KeyBit(key, node.split)];
  }
  uint32_t leaf = LeafIndex(r);
  if (keys_[leaf] == key) {
    if (heads_[leaf] == head) return;
    heads_[leaf] = head;
    leaf_hashes_[leaf] = LeafNodeHash(key, head);
    for (int i = 0; i < n; ++i) nodes_[path[i]].dirty = true;
    return;
  }
  // The key parts from the closest entry at bit c: a new interior node with
  // split c goes above the first subtree on the path whose split is deeper.
  int c = CommonPrefixBits(key, keys_[leaf]);
  int m = 0;
  while (m < n && nodes_[path[m]].split < c) nodes_[path[m++]].dirty = true;
  Ref below = m < n ? path[m] : r;
  int top = m == 0 ? 0 : nodes_[path[m - 1]].split + 1;

  Ref fresh = NewLeaf(key, head);
  bool side = KeyBit(key, c);
  Interior node{};
  node.child[side] = fresh;
  node.child[!side] = below;
  node.rep = LeafIndex(fresh);
  node.split = static_cast<uint16_t>(c);
  node.top = static_cast<uint16_t>(top);
  node.dirty = true;
  uint32_t index = static_cast<uint32_t>(nodes_.size());
  nodes_.push_back(node);
  if (!IsLeaf(below)) {
    nodes_[below].top = static_cast<uint16_t>(c + 1);
    nodes_[below].dirty = true;
  }
  if (m == 0) {
    root_ = index;
  } else {
    Interior& parent = nodes_[path[m - 1]];
    parent.child[KeyBit(key, parent.split)] = index;
  }
}

void HeadsMap::reserve(size_t entries) {
  keys_.reserve(entries);
  heads_.reserve(entries);
  leaf_hashes_.reserve(entries);
  nodes_.reserve(entries > 0 ? entries - 1 : 0);
}

void HeadsMap::Set(const Hash& key, const Head& head) {
  Entry e{key, head};
  SetMany(std::span<const Entry>(&e, 1));
}

void HeadsMap::SetMany(std::span<const Entry> entries) {
  for (const auto& [key, head] : entries) Apply(key, head);
  if (root_ != kNoRef && !IsLeaf(root_) && nodes_[root_].dirty) Rehash(root_);
}

Hash HeadsMap::Root() const {
  if (root_ == kNoRef) return kEmptyHash;
  return ChildHash(root_);
}

std::optional<Head> HeadsMap::Get(const Hash& key) const {
  if (root_ == kNoRef) return std::nullopt;
  Ref r = root_;
  while (!IsLeaf(r)) {
    const Interior& node = nodes_[r];
    r = node.child[KeyBit(key, node.split)];
  }
  uint32_t leaf = LeafIndex(r);
  if (keys_[leaf] != key) return std::nullopt;
  return heads_[leaf];
}

MapProof HeadsMap::Prove(const Hash& key) const {
  MapProof proof;
  proof.terminal = Terminal::kEmpty;
  if (root_ == kNoRef) return proof;
  Ref r = root_;
  while (!IsLeaf(r)) {
    const Interior& node = nodes_[r];
    // The key shares the node's prefix up to `top` (it got here); from `top`
    // to the split, the siblings on the prefix's path are empty.
    int shared = CommonPrefixBits(key, keys_[node.rep]);
    if (shared < node.split) {
      proof.siblings.resize(shared, kEmptyHash);
      proof.siblings.push_back(HashAt(node, shared + 1));
      return proof;  // the key's side at depth shared + 1 is empty
    }
    proof.siblings.resize(node.split, kEmptyHash);
    bool side = KeyBit(key, node.split);
    proof.siblings.push_back(ChildHash(node.child[!side]));
    r = node.child[side];
  }
  uint32_t leaf = LeafIndex(r);
  if (keys_[leaf] == key) {
    proof.terminal = Terminal::kLeaf;
  } else {
    proof.terminal = Terminal::kOtherLeaf;
    proof.other_key = keys_[leaf];
    proof.other_head = heads_[leaf];
  }
  return proof;
}

std::vector<HeadsMap::Entry> HeadsMap::Entries() const {
  std::vector<Entry> out;
  out.reserve(keys_.size());
  if (root_ == kNoRef) return out;
  // In order, child 0 first: keys compare bit by bit from the MSB, as bytes do.
  std::vector<Ref> stack{root_};
  while (!stack.empty()) {
    Ref r = stack.back();
    stack.pop_back();
    if (IsLeaf(r)) {
      out.emplace_back(keys_[LeafIndex(r)], heads_[LeafIndex(r)]);
    } else {
      stack.push_back(nodes_[r].child[1]);
      stack.push_back(nodes_[r].child[0]);
    }
  }
  return out;
}

HeadsMap::Ref HeadsMap::Build(uint32_t lo, uint32_t hi, int top) {
  if (hi - lo == 1) return lo | kLeafTag;
  // Sorted: the range's common prefix is that of its first and last keys.
  int split = CommonPrefixBits(keys_[lo], keys_[hi - 1]);
  uint32_t mid = static_cast<uint32_t>(
      std::partition_point(keys_.begin() + lo, keys_.begin() + hi,
                           [split](const Hash& k) { return !KeyBit(k, split); }) -
      keys_.begin());
  uint32_t index = static_cast<uint32_t>(nodes_.size());
  nodes_.emplace_back();
  Ref left = Build(lo, mid, split + 1);
  Ref right = Build(mid, hi, split + 1);
  Interior& node = nodes_[index];
  node.child[0] = left;
  node.child[1] = right;
  node.rep = lo;
  node.split = static_cast<uint16_t>(split);
  node.top = static_cast<uint16_t>(top);
  node.dirty = false;
  node.hash = HashAt(node, top);
  return index;
}

StatusOr<HeadsMap> HeadsMap::FromSorted(std::span<const Entry> entries) {
  for (size_t i = 1; i < entries.size(); ++i) {
    if (!(entries[i - 1].first < entries[i].first)) {
      return InvalidArgumentError(fmt::format(
          "heads map: entry {} (key {}) does not sort after entry {} (key {})", i,
          ToHex(entries[i].first), i - 1, ToHex(entries[i - 1].first)));
    }
  }
  if (entries.size() >= kLeafTag) {
    return InvalidArgumentError(fmt::format("heads map: {} entries is too many", entries.size()));
  }
  HeadsMap map;
  size_t n = entries.size();
  map.reserve(n);
  for (const auto& [key, head] : entries) map.NewLeaf(key, head);
  if (n > 0) map.root_ = map.Build(0, static_cast<uint32_t>(n), 0);
  return map;
}

std::string HeadsMap::Serialize() const {
  std::string out;
  out.reserve(8 + keys_.size() * kEntrySize + 32);
  AppendBigEndian64(&out, keys_.size());
  for (const auto& [key, head] : Entries()) AppendEntry(&out, key, head);
  out.append(AsStringView(Root()));
  return out;
}

StatusOr<HeadsMap> HeadsMap::Deserialize(std::string_view bytes) {
  if (bytes.size() < 8 + 32) {
    return DataLossError(fmt::format("heads map snapshot: {} bytes, too short", bytes.size()));
  }
  uint64_t n = ReadBigEndian64(bytes);
  if (n > (bytes.size() - 8 - 32) / kEntrySize || bytes.size() != 8 + n * kEntrySize + 32) {
    return DataLossError(fmt::format("heads map snapshot: {} bytes do not hold {} entries",
                                     bytes.size(), n));
  }
  std::vector<Entry> entries(n);
  const char* p = bytes.data() + 8;
  for (Entry& e : entries) {
    std::memcpy(e.first.data(), p, 32);
    e.second.seq = ReadBigEndian64(std::string_view(p + 32, 8));
    std::memcpy(e.second.leaf_hash.data(), p + 40, 32);
    e.second.count = ReadBigEndian64(std::string_view(p + 72, 8));
    p += kEntrySize;
  }
  StatusOr<HeadsMap> map = FromSorted(entries);
  if (!map.ok()) return DataLossError("heads map snapshot: " + map.status().message());
  Hash root;
  std::memcpy(root.data(), p, 32);
  if (map->Root() != root) {
    return DataLossError(fmt::format("heads map snapshot: entries hash to {}, snapshot says {}",
                                     ToHex(map->Root()), ToHex(root)));
  }
  return map;
}

size_t HeadsMap::MemoryBytes() const {
  return keys_.capacity() * sizeof(Hash) + heads_.capacity() * sizeof(Head) +
         leaf_hashes_.capacity() * sizeof(Hash) + nodes_.capacity() * sizeof(Interior);
}

}  // namespace ledger::heads
