// Tiles and TreeBuilder: trees built over an in-memory tile store must give
// the same roots and proofs as a naive RFC 9162 reference, across tile
// boundaries and tile levels, and after Resume().
#include "tree/merkle_tiles.h"

#include <bit>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ledger/crypto.h"

namespace ledger::merkle {
namespace {

using TileStore = std::map<std::string, std::string>;

Hash Leaf(uint64_t i) { return HashLeaf(AsBytes("event " + std::to_string(i))); }

std::vector<Hash> Leaves(uint64_t n) {
  std::vector<Hash> out;
  out.reserve(n);
  for (uint64_t i = 0; i < n; ++i) out.push_back(Leaf(i));
  return out;
}

// RFC 9162 §2.1 by its recursive definitions, straight over the leaf hashes.
// With `levels` (bottom-up arrays of every complete node, built by plain
// pairwise hashing) aligned perfect ranges are looked up instead of
// recomputed, which keeps references for large trees affordable.
class Reference {
 public:
  explicit Reference(std::vector<Hash> leaves, bool use_levels = false)
      : use_levels_(use_levels) {
    levels_.push_back(std::move(leaves));
    if (!use_levels_) return;
    while (levels_.back().size() >= 2) {
      const std::vector<Hash>& below = levels_.back();
      std::vector<Hash> above;
      for (size_t i = 0; i + 1 < below.size(); i += 2) {
        above.push_back(HashChildren(below[i], below[i + 1]));
      }
      levels_.push_back(std::move(above));
    }
  }

  Hash Mth(uint64_t begin, uint64_t end) const {
    uint64_t n = end - begin;
    if (n == 0) return EmptyRoot();
    if (n == 1) return levels_[0][begin];
    if (use_levels_ && std::has_single_bit(n) && begin % n == 0) {
      return levels_[std::countr_zero(n)][begin / n];
    }
    uint64_t k = std::bit_floor(n - 1);
    return HashChildren(Mth(begin, begin + k), Mth(begin + k, end));
  }

  std::vector<Hash> Path(uint64_t m, uint64_t begin, uint64_t end) const {
    uint64_t n = end - begin;
    if (n == 1) return {};
    uint64_t k = std::bit_floor(n - 1);
    std::vector<Hash> out;
    if (m < k) {
      out = Path(m, begin, begin + k);
      out.push_back(Mth(begin + k, end));
    } else {
      out = Path(m - k, begin + k, end);
      out.push_back(Mth(begin, begin + k));
    }
    return out;
  }

  std::vector<Hash> SubProof(uint64_t m, uint64_t begin, uint64_t end, bool b) const {
    uint64_t n = end - begin;
    if (m == n) return b ? std::vector<Hash>{} : std::vector<Hash>{Mth(begin, end)};
    uint64_t k = std::bit_floor(n - 1);
    std::vector<Hash> out;
    if (m <= k) {
      out = SubProof(m, begin, begin + k, b);
      out.push_back(Mth(begin + k, end));
    } else {
      out = SubProof(m - k, begin + k, end, false);
      out.push_back(Mth(begin, begin + k));
    }
    return out;
  }

  Hash Root(uint64_t size) const { return Mth(0, size); }
  std::vector<Hash> Inclusion(uint64_t index, uint64_t size) const {
    return Path(index, 0, size);
  }
  std::vector<Hash> Consistency(uint64_t size1, uint64_t size2) const {
    if (size1 == 0 || size1 == size2) return {};
    return SubProof(size1, 0, size2, true);
  }
  const Hash& leaf(uint64_t i) const { return levels_[0][i]; }

 private:
  bool use_levels_;
  std::vector<std::vector<Hash>> levels_;
};

TileLoader LoaderFor(const TileStore& store) {
  return [&store](const TileId& id) -> StatusOr<std::optional<Tile>> {
    auto it = store.find(TileKey(id));
    if (it == store.end()) return std::optional<Tile>();
    ASSIGN_OR_RETURN(Tile tile, Tile::Decode(it->second));
    return std::optional<Tile>(std::move(tile));
  };
}

NodeReader ReaderFor(const TileStore& store) {
  TileLoader load = LoaderFor(store);
  return [load](int level, uint64_t index) { return ReadNode(level, index, load); };
}

void Apply(TreeBuilder& tree, TileStore& store) {
  for (auto& [key, value] : tree.TakeDirty()) store[key] = std::move(value);
}

// Appends `leaves` in batches of random size, storing the dirty tiles after
// each batch; checks Root() against `ref` after every append when asked.
TileStore Build(const std::vector<Hash>& leaves, std::mt19937_64& rng,
                const Reference* ref = nullptr) {
  TreeBuilder tree;
  TileStore store;
  std::uniform_int_distribution<uint64_t> batch(1, 600);
  uint64_t next = 0;
  while (next < leaves.size()) {
    uint64_t end = std::min<uint64_t>(leaves.size(), next + batch(rng));
    for (; next < end; ++next) {
      tree.Append(leaves[next]);
      if (ref != nullptr) {
        EXPECT_EQ(tree.Root(), ref->Root(next + 1)) << "size " << next + 1;
      }
    }
    Apply(tree, store);
  }
  EXPECT_EQ(tree.size(), leaves.size());
  return store;
}

TEST(TileTest, KeysRoundTrip) {
  for (TileId id : {TileId{0, 0}, TileId{1, 5}, TileId{2, 0x0102030405060708ull},
                    TileId{7, ~0ull}}) {
    std::string key = TileKey(id);
    ASSERT_EQ(key.size(), 9u);
    StatusOr<TileId> parsed = ParseTileKey(key);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(*parsed, id);
  }
  EXPECT_EQ(TileKey({1, 258}), std::string("\x01\0\0\0\0\0\0\x01\x02", 9));
  // Keys sort by level, then numerically by index.
  EXPECT_LT(TileKey({0, 255}), TileKey({0, 256}));
  EXPECT_LT(TileKey({0, ~0ull}), TileKey({1, 0}));
  EXPECT_FALSE(ParseTileKey(std::string(8, '\0')).ok());
  EXPECT_FALSE(ParseTileKey(std::string(10, '\0')).ok());
  EXPECT_FALSE(ParseTileKey(std::string("\x09") + std::string(8, '\0')).ok());
}

TEST(TileTest, LocateNode) {
  auto check = [](int level, uint64_t index, TileId tile, int row, uint64_t pos) {
    NodeLocation loc = LocateNode(level, index);
    EXPECT_EQ(loc.tile, tile) << level << "/" << index;
    EXPECT_EQ(loc.row, row) << level << "/" << index;
    EXPECT_EQ(loc.pos, pos) << level << "/" << index;
  };
  check(0, 0, {0, 0}, 0, 0);
  check(0, 300, {0, 1}, 0, 44);
  check(3, 40, {0, 1}, 3, 8);
  check(7, 5, {0, 2}, 7, 1);
  check(8, 5, {1, 0}, 0, 5);
  check(10, 100, {1, 1}, 2, 36);
  check(16, 70000, {2, 273}, 0, 112);
}

Tile MakeTile(int width, uint64_t seed = 0) {
  Tile tile;
  for (int i = 0; i < width; ++i) tile.Append(Leaf(seed + i));
  return tile;
}

TEST(TileTest, AppendComputesUpperRows) {
  Tile tile = MakeTile(256);
  ASSERT_TRUE(tile.full());
  Reference ref(Leaves(256));
  for (int row = 0; row < kTileHeight; ++row) {
    ASSERT_EQ(tile.RowSize(row), kTileWidth >> row);
    for (uint64_t pos = 0; pos < tile.RowSize(row); ++pos) {
      EXPECT_EQ(tile.Node(row, pos), ref.Mth(pos << row, (pos + 1) << row));
    }
  }
  EXPECT_EQ(tile.Root(), ref.Root(256));
  Tile partial = MakeTile(77);
  EXPECT_EQ(partial.width(), 77);
  EXPECT_FALSE(partial.full());
  EXPECT_EQ(partial.RowSize(0), 77u);
  EXPECT_EQ(partial.RowSize(2), 19u);
  EXPECT_EQ(partial.RowSize(6), 1u);
  EXPECT_EQ(partial.RowSize(7), 0u);
}

TEST(TileTest, EncodeDecodeRoundTrip) {
  for (int width = 1; width <= 256; ++width) {
    Tile tile = MakeTile(width, width);
    std::string value = tile.Encode();
    size_t hashes = 0;
    for (int row = 0; row < kTileHeight; ++row) hashes += width >> row;
    ASSERT_EQ(value.size(), 2 + 32 * hashes) << "width " << width;
    EXPECT_EQ(static_cast<uint8_t>(value[0]), width >> 8);
    EXPECT_EQ(static_cast<uint8_t>(value[1]), width & 0xff);
    StatusOr<Tile> decoded = Tile::Decode(value);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(decoded->Encode(), value);
    EXPECT_TRUE(decoded->CheckNodes().ok());
    EXPECT_EQ(decoded->width(), width);
    for (int row = 0; row < kTileHeight; ++row) {
      ASSERT_EQ(decoded->RowSize(row), tile.RowSize(row));
      for (uint64_t pos = 0; pos < tile.RowSize(row); ++pos) {
        EXPECT_EQ(decoded->Node(row, pos), tile.Node(row, pos));
      }
    }
  }
}

TEST(TileTest, DecodeRejectsBadFraming) {
  std::string value = MakeTile(100).Encode();
  EXPECT_EQ(Tile::Decode(value.substr(0, value.size() - 1)).status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(Tile::Decode(value.substr(0, value.size() - 32)).status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(Tile::Decode(value + "x").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(Tile::Decode(value + std::string(32, 'x')).status().code(),
            StatusCode::kDataLoss);
  EXPECT_FALSE(Tile::Decode("").ok());
  EXPECT_FALSE(Tile::Decode("\x00").ok());
  EXPECT_FALSE(Tile::Decode(std::string("\x00\x00", 2)).ok());  // width 0
  std::string too_wide = MakeTile(256).Encode();
  too_wide[1] = 1;  // width 257, with a 256-wide body
  EXPECT_FALSE(Tile::Decode(too_wide).ok());
  std::string other_width = value;
  other_width[1] = 99;
  EXPECT_FALSE(Tile::Decode(other_width).ok());
}

// Byte offset of node (row, pos) in an encoded tile of `width`.
size_t NodeOffset(int width, int row, uint64_t pos) {
  size_t offset = 2;
  for (int r = 0; r < row; ++r) offset += 32 * static_cast<size_t>(width >> r);
  return offset + 32 * pos;
}

TEST(TileTest, CheckNodesNamesFirstWrongNode) {
  const int width = 200;
  std::string value = MakeTile(width).Encode();

  std::string flipped = value;
  flipped[NodeOffset(width, 3, 5) + 7] ^= 0x20;
  StatusOr<Tile> tile = Tile::Decode(flipped);
  ASSERT_TRUE(tile.ok()) << "framing is intact";
  Status st = tile->CheckNodes();
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
  EXPECT_NE(st.message().find("row 3 pos 5"), std::string::npos) << st.message();

  // A wrong base hash shows up as its parent no longer matching.
  flipped = value;
  flipped[NodeOffset(width, 0, 9)] ^= 1;
  tile = Tile::Decode(flipped);
  ASSERT_TRUE(tile.ok());
  st = tile->CheckNodes();
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
  EXPECT_NE(st.message().find("row 1 pos 4"), std::string::npos) << st.message();

  // The top node of a full tile is checked too.
  std::string full = MakeTile(256).Encode();
  full[NodeOffset(256, 7, 1) + 31] ^= 0x80;
  tile = Tile::Decode(full);
  ASSERT_TRUE(tile.ok());
  st = tile->CheckNodes();
  EXPECT_NE(st.message().find("row 7 pos 1"), std::string::npos) << st.message();
}

TEST(TreeBuilderTest, EmptyTree) {
  TreeBuilder tree;
  EXPECT_EQ(tree.size(), 0u);
  EXPECT_EQ(tree.Root(), EmptyRoot());
  EXPECT_TRUE(tree.TakeDirty().empty());
  TileStore store;
  StatusOr<TreeBuilder> resumed = TreeBuilder::Resume(0, LoaderFor(store));
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_EQ(resumed->Root(), EmptyRoot());
}

// Every root, inclusion proof and consistency proof of every size up to 70,
// generated from the stored tiles, against the naive reference.
TEST(TreeBuilderTest, ExhaustiveSmallTrees) {
  const uint64_t kMax = 70;
  Reference ref(Leaves(kMax));
  std::mt19937_64 rng(1);
  // Small batches so that TakeDirty runs at many sizes.
  TreeBuilder tree;
  TileStore store;
  std::uniform_int_distribution<uint64_t> batch(1, 9);
  for (uint64_t next = 0; next < kMax;) {
    uint64_t end = std::min(kMax, next + batch(rng));
    for (; next < end; ++next) tree.Append(ref.leaf(next));
    EXPECT_EQ(tree.Root(), ref.Root(next));
    Apply(tree, store);
  }
  ASSERT_EQ(store.size(), 1u);
  NodeReader nodes = ReaderFor(store);

  for (uint64_t size = 0; size <= kMax; ++size) {
    StatusOr<Hash> root = RootAt(size, nodes);
    ASSERT_TRUE(root.ok()) << root.status().ToString();
    ASSERT_EQ(*root, ref.Root(size)) << "size " << size;
  }
  for (uint64_t size = 1; size <= kMax; ++size) {
    Hash root = ref.Root(size);
    for (uint64_t index = 0; index < size; ++index) {
      StatusOr<std::vector<Hash>> proof = InclusionProof(index, size, nodes);
      ASSERT_TRUE(proof.ok()) << proof.status().ToString();
      ASSERT_EQ(*proof, ref.Inclusion(index, size)) << index << " in " << size;
      Status st = VerifyInclusion(index, size, ref.leaf(index), *proof, root);
      ASSERT_TRUE(st.ok()) << index << " in " << size << ": " << st.ToString();
    }
  }
  for (uint64_t size2 = 0; size2 <= kMax; ++size2) {
    for (uint64_t size1 = 0; size1 <= size2; ++size1) {
      StatusOr<std::vector<Hash>> proof = ConsistencyProof(size1, size2, nodes);
      ASSERT_TRUE(proof.ok()) << proof.status().ToString();
      ASSERT_EQ(*proof, ref.Consistency(size1, size2)) << size1 << " to " << size2;
      Status st = VerifyConsistency(size1, size2, *proof, ref.Root(size1), ref.Root(size2));
      ASSERT_TRUE(st.ok()) << size1 << " to " << size2 << ": " << st.ToString();
    }
  }
}

TEST(TreeBuilderTest, TamperedProofsFail) {
  const uint64_t kSize = 70;
  Reference ref(Leaves(kSize));
  TreeBuilder tree;
  TileStore store;
  for (uint64_t i = 0; i < kSize; ++i) tree.Append(ref.leaf(i));
  Apply(tree, store);
  NodeReader nodes = ReaderFor(store);
  Hash root = tree.Root();

  StatusOr<std::vector<Hash>> proof = InclusionProof(37, kSize, nodes);
  ASSERT_TRUE(proof.ok());
  ASSERT_TRUE(VerifyInclusion(37, kSize, ref.leaf(37), *proof, root).ok());
  for (size_t i = 0; i < proof->size(); ++i) {
    std::vector<Hash> bad = *proof;
    bad[i][i % 32] ^= 0x04;
    EXPECT_FALSE(VerifyInclusion(37, kSize, ref.leaf(37), bad, root).ok()) << "element " << i;
  }
  EXPECT_FALSE(VerifyInclusion(36, kSize, ref.leaf(37), *proof, root).ok());
  EXPECT_FALSE(VerifyInclusion(37, kSize, ref.leaf(36), *proof, root).ok());
  EXPECT_FALSE(VerifyInclusion(37, kSize * 2, ref.leaf(37), *proof, root).ok());
  EXPECT_FALSE(VerifyInclusion(37, 40, ref.leaf(37), *proof, root).ok());
  std::vector<Hash> swapped = *proof;
  std::swap(swapped[0], swapped[1]);
  EXPECT_FALSE(VerifyInclusion(37, kSize, ref.leaf(37), swapped, root).ok());

  proof = ConsistencyProof(23, kSize, nodes);
  ASSERT_TRUE(proof.ok());
  Hash old_root = ref.Root(23);
  ASSERT_TRUE(VerifyConsistency(23, kSize, *proof, old_root, root).ok());
  for (size_t i = 0; i < proof->size(); ++i) {
    std::vector<Hash> bad = *proof;
    bad[i][0] ^= 0x10;
    EXPECT_FALSE(VerifyConsistency(23, kSize, bad, old_root, root).ok()) << "element " << i;
  }
  EXPECT_FALSE(VerifyConsistency(23, kSize, *proof, ref.Root(22), root).ok());
  EXPECT_FALSE(VerifyConsistency(23, kSize, *proof, old_root, ref.Root(69)).ok());
  std::vector<Hash> shorter(proof->begin(), proof->end() - 1);
  EXPECT_FALSE(VerifyConsistency(23, kSize, shorter, old_root, root).ok());
}

// Crosses level-0 tile boundaries and fills a level-1 tile partially; every
// root, and proofs at and around tile edges.
TEST(TreeBuilderTest, MediumTreeAcrossTileBoundaries) {
  const uint64_t kSize = 1100;
  Reference ref(Leaves(kSize), /*use_levels=*/true);
  std::mt19937_64 rng(2);
  TileStore store = Build(Leaves(kSize), rng, &ref);
  // Level 0: tiles 0..4 (4 full, one of width 76); level 1: one of width 4.
  EXPECT_EQ(store.size(), 6u);
  NodeReader nodes = ReaderFor(store);
  for (uint64_t size = 0; size <= kSize; ++size) {
    StatusOr<Hash> root = RootAt(size, nodes);
    ASSERT_TRUE(root.ok()) << root.status().ToString();
    ASSERT_EQ(*root, ref.Root(size)) << "size " << size;
  }
  std::vector<uint64_t> sizes = {1, 2, 255, 256, 257, 511, 512, 513, 767, 768, 1023, 1024,
                                 1025, 1099, 1100};
  for (uint64_t size : sizes) {
    for (uint64_t other : sizes) {
      if (other > size) continue;
      StatusOr<std::vector<Hash>> proof = InclusionProof(other - 1, size, nodes);
      ASSERT_TRUE(proof.ok()) << proof.status().ToString();
      EXPECT_EQ(*proof, ref.Inclusion(other - 1, size));
      EXPECT_TRUE(VerifyInclusion(other - 1, size, ref.leaf(other - 1), *proof,
                                  ref.Root(size)).ok());
      proof = ConsistencyProof(other, size, nodes);
      ASSERT_TRUE(proof.ok()) << proof.status().ToString();
      EXPECT_EQ(*proof, ref.Consistency(other, size)) << other << " to " << size;
      EXPECT_TRUE(VerifyConsistency(other, size, *proof, ref.Root(other), ref.Root(size)).ok());
    }
  }
}

// Spans tile level 2 (65,536 leaves fill tile (1, 0)).
TEST(TreeBuilderTest, LargeTreeSpansTileLevelTwo) {
  const uint64_t kSize = 70000;
  std::vector<Hash> leaves = Leaves(kSize);
  Reference ref(leaves, /*use_levels=*/true);
  std::mt19937_64 rng(3);
  TileStore store = Build(leaves, rng);
  EXPECT_EQ(store.count(TileKey({2, 0})), 1u);
  StatusOr<Tile> top = Tile::Decode(store.at(TileKey({2, 0})));
  ASSERT_TRUE(top.ok());
  EXPECT_EQ(top->width(), 1);
  EXPECT_EQ(top->Node(0, 0), ref.Root(65536));
  // 273 full level-0 tiles plus one of width 112; level 1: one full tile and
  // one of width 17; level 2: one.
  EXPECT_EQ(store.size(), 274u + 2u + 1u);

  NodeReader nodes = ReaderFor(store);
  std::vector<uint64_t> sizes = {1,     256,   65535, 65536, 65537, 65791,
                                 65792, 66000, 69999, 70000};
  std::uniform_int_distribution<uint64_t> any(1, kSize);
  for (int i = 0; i < 6; ++i) sizes.push_back(any(rng));
  for (uint64_t size : sizes) {
    StatusOr<Hash> root = RootAt(size, nodes);
    ASSERT_TRUE(root.ok()) << root.status().ToString();
    ASSERT_EQ(*root, ref.Root(size)) << "size " << size;
    for (uint64_t index : {uint64_t{0}, size / 2, size - 1, any(rng) % size}) {
      StatusOr<std::vector<Hash>> proof = InclusionProof(index, size, nodes);
      ASSERT_TRUE(proof.ok()) << proof.status().ToString();
      EXPECT_EQ(*proof, ref.Inclusion(index, size)) << index << " in " << size;
      EXPECT_TRUE(VerifyInclusion(index, size, leaves[index], *proof, *root).ok());
    }
    for (uint64_t old_size : {uint64_t{1}, size / 3 + 1, size - 1, any(rng) % size + 1}) {
      if (old_size > size) continue;
      StatusOr<std::vector<Hash>> proof = ConsistencyProof(old_size, size, nodes);
      ASSERT_TRUE(proof.ok()) << proof.status().ToString();
      EXPECT_EQ(*proof, ref.Consistency(old_size, size)) << old_size << " to " << size;
      EXPECT_TRUE(VerifyConsistency(old_size, size, *proof, ref.Root(old_size), *root).ok());
    }
  }
}

// The tiles an uninterrupted builder writes while growing from `from` to
// `to`, keyed by tile key, last value wins.
TileStore TilesWrittenBetween(const std::vector<Hash>& leaves, uint64_t from, uint64_t to) {
  TreeBuilder tree;
  for (uint64_t i = 0; i < from; ++i) tree.Append(leaves[i]);
  tree.TakeDirty();
  TileStore written;
  for (uint64_t i = from; i < to; ++i) tree.Append(leaves[i]);
  Apply(tree, written);
  return written;
}

void CheckResume(const std::vector<Hash>& leaves, const Reference& ref, const TileStore& store,
                 uint64_t size, uint64_t grow_to) {
  SCOPED_TRACE("resume at " + std::to_string(size));
  StatusOr<TreeBuilder> resumed = TreeBuilder::Resume(size, LoaderFor(store));
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_EQ(resumed->size(), size);
  EXPECT_EQ(resumed->Root(), ref.Root(size));
  EXPECT_TRUE(resumed->TakeDirty().empty());
  for (uint64_t i = size; i < grow_to; ++i) resumed->Append(leaves[i]);
  EXPECT_EQ(resumed->Root(), ref.Root(grow_to));
  TileStore written;
  Apply(*resumed, written);
  EXPECT_EQ(written, TilesWrittenBetween(leaves, size, grow_to));
}

TEST(TreeBuilderTest, ResumeMatchesUninterruptedBuilder) {
  const uint64_t kSize = 1100;
  std::vector<Hash> leaves = Leaves(kSize);
  Reference ref(leaves, /*use_levels=*/true);
  std::mt19937_64 rng(4);
  // Resume from a store holding exactly the tree of each size...
  TreeBuilder tree;
  TileStore store;
  for (uint64_t size = 0; size <= kSize; ++size) {
    if (size % 7 == 0 || size % 256 <= 2 || size % 256 >= 254) {
      CheckResume(leaves, ref, store, size, std::min(kSize, size + 300));
    }
    if (size < kSize) {
      tree.Append(leaves[size]);
      Apply(tree, store);
    }
  }
  // ...and from the tiles of a larger tree, whose edge tiles are wider.
  for (uint64_t size : {1, 5, 255, 256, 257, 600, 1024, 1099}) {
    CheckResume(leaves, ref, store, size, kSize);
  }
}

TEST(TreeBuilderTest, ResumeInLargeTree) {
  const uint64_t kSize = 70000;
  std::vector<Hash> leaves = Leaves(kSize);
  Reference ref(leaves, /*use_levels=*/true);
  std::mt19937_64 rng(5);
  TileStore store = Build(leaves, rng);
  for (uint64_t size : {65535, 65536, 65537, 65792, 69888, 69999}) {
    CheckResume(leaves, ref, store, size, kSize);
  }
}

TEST(TreeBuilderTest, ResumeDetectsMissingAndCorruptTiles) {
  std::vector<Hash> leaves = Leaves(600);
  TreeBuilder tree;
  TileStore store;
  for (const Hash& h : leaves) tree.Append(h);
  Apply(tree, store);

  TileStore missing = store;
  missing.erase(TileKey({0, 2}));
  StatusOr<TreeBuilder> resumed = TreeBuilder::Resume(600, LoaderFor(missing));
  EXPECT_EQ(resumed.status().code(), StatusCode::kDataLoss);

  resumed = TreeBuilder::Resume(700, LoaderFor(store));  // edge tile too narrow
  EXPECT_EQ(resumed.status().code(), StatusCode::kDataLoss);

  TileStore corrupt = store;
  std::string& value = corrupt.at(TileKey({0, 2}));
  value[NodeOffset(600 - 512, 2, 3)] ^= 1;
  resumed = TreeBuilder::Resume(600, LoaderFor(corrupt));
  EXPECT_EQ(resumed.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(resumed.status().message().find("row 2 pos 3"), std::string::npos)
      << resumed.status().message();

  TileStore garbled = store;
  garbled.at(TileKey({1, 0})) = "short";
  resumed = TreeBuilder::Resume(600, LoaderFor(garbled));
  EXPECT_FALSE(resumed.ok());
}

// A batch rewrites only the tiles it touched, each once.
TEST(TreeBuilderTest, TakeDirtyReturnsTouchedTilesOnce) {
  TreeBuilder tree;
  std::vector<Hash> leaves = Leaves(1300);
  for (uint64_t i = 0; i < 1000; ++i) tree.Append(leaves[i]);
  std::vector<std::pair<std::string, std::string>> dirty = tree.TakeDirty();
  std::set<std::string> keys;
  for (const auto& [key, value] : dirty) keys.insert(key);
  EXPECT_EQ(keys.size(), dirty.size()) << "a tile was returned twice";
  EXPECT_EQ(keys, (std::set<std::string>{TileKey({0, 0}), TileKey({0, 1}), TileKey({0, 2}),
                                         TileKey({0, 3}), TileKey({1, 0})}));

  for (uint64_t i = 1000; i < 1010; ++i) tree.Append(leaves[i]);
  dirty = tree.TakeDirty();
  ASSERT_EQ(dirty.size(), 1u);
  EXPECT_EQ(dirty[0].first, TileKey({0, 3}));
  StatusOr<Tile> edge = Tile::Decode(dirty[0].second);
  ASSERT_TRUE(edge.ok());
  EXPECT_EQ(edge->width(), 1010 - 768);

  // Filling tile (0, 3) also adds a base to tile (1, 0).
  for (uint64_t i = 1010; i < 1030; ++i) tree.Append(leaves[i]);
  dirty = tree.TakeDirty();
  keys.clear();
  for (const auto& [key, value] : dirty) keys.insert(key);
  EXPECT_EQ(keys, (std::set<std::string>{TileKey({0, 3}), TileKey({0, 4}), TileKey({1, 0})}));
  EXPECT_TRUE(tree.TakeDirty().empty());
}

TEST(TreeBuilderTest, CachedNodeServesTheRightEdge) {
  std::vector<Hash> leaves = Leaves(600);
  Reference ref(leaves, /*use_levels=*/true);
  TreeBuilder tree;
  for (const Hash& h : leaves) tree.Append(h);
  // Before TakeDirty every tile is still in memory.
  std::optional<Hash> node = tree.CachedNode(0, 3);
  ASSERT_TRUE(node.has_value());
  EXPECT_EQ(*node, leaves[3]);
  tree.TakeDirty();
  // Full tiles (0, 0) and (0, 1) are dropped; the edge stays.
  EXPECT_FALSE(tree.CachedNode(0, 3).has_value());
  EXPECT_FALSE(tree.CachedNode(3, 10).has_value());
  node = tree.CachedNode(0, 599);
  ASSERT_TRUE(node.has_value());
  EXPECT_EQ(*node, leaves[599]);
  node = tree.CachedNode(6, 8);  // leaves [512, 576)
  ASSERT_TRUE(node.has_value());
  EXPECT_EQ(*node, ref.Mth(512, 576));
  node = tree.CachedNode(9, 0);  // leaves [0, 512), row 1 of tile (1, 0)
  ASSERT_TRUE(node.has_value());
  EXPECT_EQ(*node, ref.Mth(0, 512));
  EXPECT_FALSE(tree.CachedNode(0, 600).has_value());
  EXPECT_FALSE(tree.CachedNode(7, 4).has_value());  // [512, 640) is incomplete
}

TEST(ReadNodeTest, MissingNodesAreNotFound) {
  std::vector<Hash> leaves = Leaves(300);
  TreeBuilder tree;
  TileStore store;
  for (const Hash& h : leaves) tree.Append(h);
  Apply(tree, store);
  TileLoader load = LoaderFor(store);
  StatusOr<Hash> node = ReadNode(0, 299, load);
  ASSERT_TRUE(node.ok());
  EXPECT_EQ(*node, leaves[299]);
  EXPECT_EQ(ReadNode(0, 300, load).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ReadNode(0, 600, load).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ReadNode(8, 1, load).status().code(), StatusCode::kNotFound);
  node = ReadNode(8, 0, load);
  ASSERT_TRUE(node.ok());
  EXPECT_EQ(*node, Reference(leaves).Mth(0, 256));
  TileLoader failing = [](const TileId&) -> StatusOr<std::optional<Tile>> {
    return UnavailableError("disk on fire");
  };
  EXPECT_EQ(ReadNode(0, 1, failing).status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace ledger::merkle
