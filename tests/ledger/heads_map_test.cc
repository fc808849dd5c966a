// The heads map (ledger/heads_map.h, tree/heads_map.h, docs/formats.md §7):
// roots against hand-computed and reference values built straight from the
// hash definitions, proofs of heads and of absence, refusal of altered or
// non-canonical proofs, bulk build, snapshots.
#include "tree/heads_map.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "ledger/bytes.h"
#include "ledger/crypto.h"
#include "ledger/heads_map.h"
#include "ledger/merkle.h"

namespace ledger::heads {
namespace {

using Entry = HeadsMap::Entry;

// ---- Reference hashing, written from the definitions only -----------------

std::string Raw(const Hash& h) { return ToString(h); }

Hash RefLeaf(const Hash& key, const Head& head) {
  return Sha256("\x02" + Raw(key) + BigEndian64(head.seq) + Raw(head.leaf_hash) +
                BigEndian64(head.count));
}
Hash RefInterior(const Hash& l, const Hash& r) {
  return Sha256("\x03" + Raw(l) + Raw(r));
}
Hash Zero() { return Hash{}; }

bool RefBit(const Hash& key, int i) { return (key[i / 8] & (0x80 >> (i % 8))) != 0; }

// The root of the sparse tree over `sorted[lo, hi)` at `depth`, bit by bit:
// no compression other than the rule itself (0 entries -> zero, 1 -> leaf).
Hash RefSubtree(const std::vector<Entry>& sorted, size_t lo, size_t hi, int depth) {
  if (lo == hi) return Zero();
  if (hi - lo == 1) return RefLeaf(sorted[lo].first, sorted[lo].second);
  size_t mid = lo;
  while (mid < hi && !RefBit(sorted[mid].first, depth)) ++mid;
  return RefInterior(RefSubtree(sorted, lo, mid, depth + 1),
                     RefSubtree(sorted, mid, hi, depth + 1));
}
Hash RefRoot(const std::map<Hash, Head>& m) {
  std::vector<Entry> sorted(m.begin(), m.end());
  return RefSubtree(sorted, 0, sorted.size(), 0);
}

// ---- Helpers ---------------------------------------------------------------

Hash KeyFromHex(std::string_view hex) {
  StatusOr<Hash> h = HashFromHex(hex);
  EXPECT_TRUE(h.ok()) << hex;
  return h.ok() ? *h : Hash{};
}

// A key whose first byte is `first` and the rest zero.
Hash KeyWithFirstByte(uint8_t first) {
  Hash k{};
  k[0] = first;
  return k;
}

Head MakeHead(uint64_t seq, uint64_t count) {
  return Head{seq, merkle::HashLeaf(AsBytes("event " + std::to_string(seq))), count};
}

Hash RandomKey(std::mt19937_64& rng) {
  Hash k;
  for (size_t i = 0; i < k.size(); i += 8) {
    uint64_t v = rng();
    std::memcpy(k.data() + i, &v, 8);
  }
  return k;
}

// Keys in clusters with long shared prefixes: a random base with one bit
// flipped at a random position and, half the time, the bits after it
// re-drawn. Gives one-sided chains of every length, entries at depth 256,
// and empty terminals inside chains.
Hash ClusteredKey(std::mt19937_64& rng, const std::vector<Hash>& bases) {
  Hash k = bases[rng() % bases.size()];
  int p = static_cast<int>(rng() % 256);
  k[p / 8] ^= static_cast<uint8_t>(0x80 >> (p % 8));
  if (rng() & 1) {
    for (int i = p + 1; i < 256; ++i) {
      if (rng() & 1) k[i / 8] ^= static_cast<uint8_t>(0x80 >> (i % 8));
    }
  }
  return k;
}

Head RandomHead(std::mt19937_64& rng) {
  Head h;
  h.seq = rng() % 10'000'000;
  h.leaf_hash = RandomKey(rng);
  h.count = 1 + rng() % 1000;
  return h;
}

void FlipBit(std::string& s, size_t bit) { s[bit / 8] ^= static_cast<char>(0x80 >> (bit % 8)); }
void FlipBit(Hash& h, size_t bit) { h[bit / 8] ^= static_cast<uint8_t>(0x80 >> (bit % 8)); }

// ---- Keys and hashes -------------------------------------------------------

TEST(HeadsMapKeyTest, MapKeyIsSha256OfKindByteAndId) {
  EXPECT_EQ(MapKey(EntityKind::kHousehold, "3301010001001"), Sha256("\x01" "3301010001001"));
  EXPECT_EQ(MapKey(EntityKind::kOfficer, "off-1"), Sha256("\x02" "off-1"));
  EXPECT_EQ(MapKey(EntityKind::kAgency, "PHO-33"), Sha256("\x03" "PHO-33"));
  EXPECT_NE(MapKey(EntityKind::kHousehold, "x"), MapKey(EntityKind::kOfficer, "x"));
  EXPECT_EQ(MapKey(EntityKind::kAgency, ""), Sha256("\x03"));
}

TEST(HeadsMapKeyTest, BitsAreMsbFirstAndCommonPrefixCountsThem) {
  Hash k = KeyWithFirstByte(0x80);
  EXPECT_TRUE(KeyBit(k, 0));
  for (int i = 1; i < 256; ++i) EXPECT_FALSE(KeyBit(k, i)) << i;
  k = Hash{};
  k[31] = 0x01;
  EXPECT_TRUE(KeyBit(k, 255));
  EXPECT_FALSE(KeyBit(k, 254));

  Hash a{}, b{};
  EXPECT_EQ(CommonPrefixBits(a, b), 256);
  for (int i = 0; i < 256; ++i) {
    Hash c = a;
    FlipBit(c, i);
    EXPECT_EQ(CommonPrefixBits(a, c), i);
    EXPECT_EQ(CommonPrefixBits(c, a), i);
  }
}

TEST(HeadsMapKeyTest, NodeHashesFollowTheDefinitions) {
  Hash key = MapKey(EntityKind::kHousehold, "3301010001001");
  Head head{0x0102030405060708ULL, Sha256("leaf"), 0xa0b0c0d0e0f00010ULL};
  EXPECT_EQ(LeafNodeHash(key, head), RefLeaf(key, head));
  EXPECT_EQ(InteriorHash(Sha256("l"), Sha256("r")), RefInterior(Sha256("l"), Sha256("r")));
  EXPECT_EQ(kEmptyHash, Zero());
}

// ---- Hand-computed small maps ----------------------------------------------

TEST(HeadsMapTest, EmptyMap) {
  HeadsMap m;
  EXPECT_EQ(m.size(), 0u);
  EXPECT_EQ(m.Root(), Zero());
  Hash key = MapKey(EntityKind::kHousehold, "3301010001001");
  EXPECT_FALSE(m.Get(key).has_value());
  MapProof p = m.Prove(key);
  EXPECT_EQ(p.terminal, Terminal::kEmpty);
  EXPECT_TRUE(p.siblings.empty());
  EXPECT_EQ(EncodeMapProof(p), std::string("\x01\x00\x00", 3));
  EXPECT_TRUE(VerifyAbsent(Zero(), key, p).ok());
  EXPECT_FALSE(VerifyHead(Zero(), key, MakeHead(0, 1), p).ok());
  EXPECT_TRUE(m.Entries().empty());
}

TEST(HeadsMapTest, OneLeafRootIsTheLeaf) {
  Hash key = MapKey(EntityKind::kOfficer, "off-1");
  Head head = MakeHead(4, 3);
  HeadsMap m;
  m.Set(key, head);
  EXPECT_EQ(m.Root(), RefLeaf(key, head));
  MapProof p = m.Prove(key);
  EXPECT_EQ(p.terminal, Terminal::kLeaf);
  EXPECT_TRUE(p.siblings.empty());
  EXPECT_TRUE(VerifyHead(m.Root(), key, head, p).ok());

  // Any other key: the one leaf at depth 0.
  Hash other = MapKey(EntityKind::kOfficer, "off-2");
  MapProof q = m.Prove(other);
  EXPECT_EQ(q.terminal, Terminal::kOtherLeaf);
  EXPECT_TRUE(q.siblings.empty());
  EXPECT_EQ(q.other_key, key);
  EXPECT_EQ(q.other_head, head);
  EXPECT_TRUE(VerifyAbsent(m.Root(), other, q).ok());

  // Updating replaces the leaf.
  Head later = MakeHead(9, 4);
  m.Set(key, later);
  EXPECT_EQ(m.size(), 1u);
  EXPECT_EQ(m.Root(), RefLeaf(key, later));
  EXPECT_EQ(*m.Get(key), later);
}

TEST(HeadsMapTest, TwoLeavesPartingAtBitZero) {
  Hash a = KeyWithFirstByte(0x00), b = KeyWithFirstByte(0x80);
  Head ha = MakeHead(1, 1), hb = MakeHead(2, 1);
  HeadsMap m;
  m.Set(b, hb);
  m.Set(a, ha);
  Hash la = RefLeaf(a, ha), lb = RefLeaf(b, hb);
  EXPECT_EQ(m.Root(), RefInterior(la, lb));
  MapProof pa = m.Prove(a);
  ASSERT_EQ(pa.siblings.size(), 1u);
  EXPECT_EQ(pa.siblings[0], lb);
  EXPECT_TRUE(VerifyHead(m.Root(), a, ha, pa).ok());
  MapProof pb = m.Prove(b);
  ASSERT_EQ(pb.siblings.size(), 1u);
  EXPECT_EQ(pb.siblings[0], la);
  EXPECT_TRUE(VerifyHead(m.Root(), b, hb, pb).ok());
}

TEST(HeadsMapTest, TwoLeavesPartingAtBitTwoHashThroughEmptySiblings) {
  // 0x00 = 000..., 0x20 = 001...: both under the left child of the root and
  // of its left child; they part at bit 2.
  Hash a = KeyWithFirstByte(0x00), d = KeyWithFirstByte(0x20);
  Head ha = MakeHead(1, 1), hd = MakeHead(2, 5);
  HeadsMap m;
  m.Set(a, ha);
  m.Set(d, hd);
  Hash la = RefLeaf(a, ha), ld = RefLeaf(d, hd);
  Hash want = RefInterior(RefInterior(RefInterior(la, ld), Zero()), Zero());
  EXPECT_EQ(m.Root(), want);

  MapProof pd = m.Prove(d);
  ASSERT_EQ(pd.siblings.size(), 3u);
  EXPECT_EQ(pd.siblings[0], Zero());
  EXPECT_EQ(pd.siblings[1], Zero());
  EXPECT_EQ(pd.siblings[2], la);
  EXPECT_TRUE(VerifyHead(want, d, hd, pd).ok());

  // 0x80...: the root's right child is empty (depth 1).
  Hash e = KeyWithFirstByte(0x80);
  MapProof pe = m.Prove(e);
  EXPECT_EQ(pe.terminal, Terminal::kEmpty);
  ASSERT_EQ(pe.siblings.size(), 1u);
  EXPECT_EQ(pe.siblings[0], RefInterior(RefInterior(la, ld), Zero()));
  EXPECT_TRUE(VerifyAbsent(want, e, pe).ok());
  // 0x40... = 01...: empty at depth 2.
  Hash f = KeyWithFirstByte(0x40);
  MapProof pf = m.Prove(f);
  EXPECT_EQ(pf.terminal, Terminal::kEmpty);
  ASSERT_EQ(pf.siblings.size(), 2u);
  EXPECT_EQ(pf.siblings[0], Zero());
  EXPECT_EQ(pf.siblings[1], RefInterior(la, ld));
  EXPECT_TRUE(VerifyAbsent(want, f, pf).ok());
  // 0x30... = 0011...: reaches d's leaf at depth 3.
  Hash g = KeyWithFirstByte(0x30);
  MapProof pg = m.Prove(g);
  EXPECT_EQ(pg.terminal, Terminal::kOtherLeaf);
  EXPECT_EQ(pg.other_key, d);
  EXPECT_EQ(pg.siblings.size(), 3u);
  EXPECT_TRUE(VerifyAbsent(want, g, pg).ok());
}

TEST(HeadsMapTest, ThreeLeaves) {
  // 0x00 = 00..., 0x40 = 01..., 0x80 = 1...
  Hash a = KeyWithFirstByte(0x00), c = KeyWithFirstByte(0x40), b = KeyWithFirstByte(0x80);
  Head ha = MakeHead(1, 1), hb = MakeHead(2, 2), hc = MakeHead(3, 3);
  Hash la = RefLeaf(a, ha), lb = RefLeaf(b, hb), lc = RefLeaf(c, hc);
  Hash want = RefInterior(RefInterior(la, lc), lb);
  for (const std::vector<int>& order :
       {std::vector<int>{0, 1, 2}, {2, 1, 0}, {1, 0, 2}, {1, 2, 0}}) {
    std::vector<Entry> all = {{a, ha}, {b, hb}, {c, hc}};
    HeadsMap m;
    for (int i : order) m.Set(all[i].first, all[i].second);
    EXPECT_EQ(m.Root(), want);
  }
  HeadsMap m;
  std::vector<Entry> batch = {{c, hc}, {a, ha}, {b, hb}};
  m.SetMany(batch);
  EXPECT_EQ(m.Root(), want);
  MapProof pc = m.Prove(c);
  ASSERT_EQ(pc.siblings.size(), 2u);
  EXPECT_EQ(pc.siblings[0], lb);
  EXPECT_EQ(pc.siblings[1], la);
  EXPECT_TRUE(VerifyHead(want, c, hc, pc).ok());
  MapProof pb = m.Prove(b);
  ASSERT_EQ(pb.siblings.size(), 1u);
  EXPECT_EQ(pb.siblings[0], RefInterior(la, lc));
  EXPECT_TRUE(VerifyHead(want, b, hb, pb).ok());
  // Encoding of pb: terminal 0, depth 1, the sibling.
  EXPECT_EQ(EncodeMapProof(pb), std::string("\x00\x00\x01", 3) + Raw(RefInterior(la, lc)));
}

TEST(HeadsMapTest, LeavesAtDepth256) {
  Hash a{}, b{};
  b[31] = 0x01;   // parts from a at bit 255
  Head ha = MakeHead(1, 1), hb = MakeHead(2, 1);
  HeadsMap m;
  m.Set(a, ha);
  m.Set(b, hb);
  Hash h = RefInterior(RefLeaf(a, ha), RefLeaf(b, hb));
  for (int i = 0; i < 255; ++i) h = RefInterior(h, Zero());
  EXPECT_EQ(m.Root(), h);
  MapProof p = m.Prove(b);
  EXPECT_EQ(p.siblings.size(), 256u);
  EXPECT_TRUE(VerifyHead(m.Root(), b, hb, p).ok());
  StatusOr<MapProof> back = DecodeMapProof(EncodeMapProof(p));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, p);
  // A third key parting at bit 254 lands in an empty subtree at depth 255.
  Hash c{};
  c[31] = 0x02;
  MapProof q = m.Prove(c);
  EXPECT_EQ(q.terminal, Terminal::kEmpty);
  EXPECT_EQ(q.siblings.size(), 255u);
  EXPECT_TRUE(VerifyAbsent(m.Root(), c, q).ok());
}

// ---- Property tests --------------------------------------------------------

struct TerminalCounts {
  int empty = 0;
  int other = 0;
};

// Random batches of inserts and updates; after each, the root equals the
// reference, every entry's proof verifies (and survives encoding), and
// absent keys' proofs verify.
void RunRandomBatches(uint64_t seed, bool clustered, int batches, int batch_size,
                      int absent_samples, TerminalCounts* counts) {
  std::mt19937_64 rng(seed);
  std::vector<Hash> bases;
  for (int i = 0; i < 8; ++i) bases.push_back(RandomKey(rng));
  auto new_key = [&] { return clustered ? ClusteredKey(rng, bases) : RandomKey(rng); };

  HeadsMap m;
  std::map<Hash, Head> ref;
  std::vector<Hash> present;
  for (int b = 0; b < batches; ++b) {
    std::vector<Entry> batch;
    for (int i = 0; i < batch_size; ++i) {
      if (!present.empty() && rng() % 3 == 0) {
        batch.emplace_back(present[rng() % present.size()], RandomHead(rng));  // update
      } else {
        batch.emplace_back(new_key(), RandomHead(rng));
      }
    }
    for (const auto& [k, h] : batch) {
      if (ref.emplace(k, h).second) present.push_back(k);
      else ref[k] = h;
    }
    if (b % 2 == 0) {
      m.SetMany(batch);
    } else {
      for (const auto& [k, h] : batch) m.Set(k, h);
    }
    SCOPED_TRACE("batch " + std::to_string(b));
    ASSERT_EQ(m.size(), ref.size());
    Hash root = m.Root();
    ASSERT_EQ(root, RefRoot(ref));

    for (const auto& [k, h] : ref) {
      std::optional<Head> got = m.Get(k);
      ASSERT_TRUE(got.has_value());
      ASSERT_EQ(*got, h);
      MapProof p = m.Prove(k);
      ASSERT_EQ(p.terminal, Terminal::kLeaf);
      Status s = VerifyHead(root, k, h, p);
      ASSERT_TRUE(s.ok()) << s.ToString();
      StatusOr<MapProof> back = DecodeMapProof(EncodeMapProof(p));
      ASSERT_TRUE(back.ok()) << back.status().ToString();
      ASSERT_EQ(*back, p);
      ASSERT_FALSE(VerifyAbsent(root, k, p).ok());
    }
    for (int i = 0; i < absent_samples; ++i) {
      Hash k = new_key();
      if (ref.count(k)) continue;
      ASSERT_FALSE(m.Get(k).has_value());
      MapProof p = m.Prove(k);
      ASSERT_NE(p.terminal, Terminal::kLeaf);
      (p.terminal == Terminal::kEmpty ? counts->empty : counts->other)++;
      Status s = VerifyAbsent(root, k, p);
      ASSERT_TRUE(s.ok()) << s.ToString();
      StatusOr<MapProof> back = DecodeMapProof(EncodeMapProof(p));
      ASSERT_TRUE(back.ok()) << back.status().ToString();
      ASSERT_EQ(*back, p);
      ASSERT_FALSE(VerifyHead(root, k, RandomHead(rng), p).ok());
    }
  }
}

TEST(HeadsMapPropertyTest, RandomKeysInsertsAndUpdates) {
  TerminalCounts counts;
  RunRandomBatches(20260101, /*clustered=*/false, /*batches=*/12, /*batch_size=*/500,
                   /*absent_samples=*/300, &counts);
  EXPECT_GT(counts.empty, 100);
  EXPECT_GT(counts.other, 100);
  std::printf("random keys: %d empty terminals, %d other-leaf terminals\n", counts.empty,
              counts.other);
}

TEST(HeadsMapPropertyTest, ClusteredKeysInsertsAndUpdates) {
  TerminalCounts counts;
  RunRandomBatches(7, /*clustered=*/true, /*batches=*/10, /*batch_size=*/300,
                   /*absent_samples=*/300, &counts);
  EXPECT_GT(counts.empty, 100);
  EXPECT_GT(counts.other, 100);
  std::printf("clustered keys: %d empty terminals, %d other-leaf terminals\n", counts.empty,
              counts.other);
}

TEST(HeadsMapPropertyTest, OrderAndBatchingDoNotChangeTheRoot) {
  std::mt19937_64 rng(99);
  std::vector<Entry> entries;
  for (int i = 0; i < 3000; ++i) entries.emplace_back(RandomKey(rng), RandomHead(rng));
  HeadsMap one_by_one;
  for (const auto& [k, h] : entries) one_by_one.Set(k, h);
  Hash want = one_by_one.Root();
  for (int trial = 0; trial < 4; ++trial) {
    std::shuffle(entries.begin(), entries.end(), rng);
    HeadsMap m;
    size_t step = 1 + rng() % 700;
    for (size_t i = 0; i < entries.size(); i += step) {
      m.SetMany(std::span<const Entry>(entries).subspan(i, std::min(step, entries.size() - i)));
    }
    EXPECT_EQ(m.Root(), want) << "trial " << trial << ", batches of " << step;
  }
}

TEST(HeadsMapPropertyTest, SetManyKeepsTheLastHeadOfARepeatedKey) {
  Hash k = MapKey(EntityKind::kHousehold, "3301010001001");
  Hash j = MapKey(EntityKind::kHousehold, "3301010001002");
  HeadsMap m;
  std::vector<Entry> batch = {{k, MakeHead(1, 1)}, {j, MakeHead(2, 1)}, {k, MakeHead(3, 2)}};
  m.SetMany(batch);
  EXPECT_EQ(m.size(), 2u);
  EXPECT_EQ(*m.Get(k), MakeHead(3, 2));
  HeadsMap n;
  n.Set(j, MakeHead(2, 1));
  n.Set(k, MakeHead(3, 2));
  EXPECT_EQ(m.Root(), n.Root());
  // Setting the same head again changes nothing.
  Hash before = m.Root();
  m.Set(k, MakeHead(3, 2));
  EXPECT_EQ(m.Root(), before);
}

TEST(HeadsMapPropertyTest, BulkBuildEqualsIncremental) {
  for (bool clustered : {false, true}) {
    std::mt19937_64 rng(clustered ? 5 : 6);
    std::vector<Hash> bases;
    for (int i = 0; i < 4; ++i) bases.push_back(RandomKey(rng));
    std::map<Hash, Head> ref;
    HeadsMap inc;
    for (int i = 0; i < 4000; ++i) {
      Hash k = clustered ? ClusteredKey(rng, bases) : RandomKey(rng);
      Head h = RandomHead(rng);
      ref[k] = h;
      inc.Set(k, h);
    }
    std::vector<Entry> sorted(ref.begin(), ref.end());
    StatusOr<HeadsMap> bulk = HeadsMap::FromSorted(sorted);
    ASSERT_TRUE(bulk.ok()) << bulk.status().ToString();
    EXPECT_EQ(bulk->size(), inc.size());
    EXPECT_EQ(bulk->Root(), inc.Root());
    EXPECT_EQ(bulk->Root(), RefRoot(ref));
    EXPECT_EQ(bulk->Entries(), sorted);
    EXPECT_EQ(inc.Entries(), sorted);
    for (size_t i = 0; i < sorted.size(); i += 7) {
      EXPECT_EQ(bulk->Prove(sorted[i].first), inc.Prove(sorted[i].first));
    }
    for (int i = 0; i < 200; ++i) {
      Hash k = clustered ? ClusteredKey(rng, bases) : RandomKey(rng);
      EXPECT_EQ(bulk->Prove(k), inc.Prove(k));
    }
    // The bulk-built map keeps taking updates.
    for (int i = 0; i < 500; ++i) {
      Hash k = i % 2 ? sorted[rng() % sorted.size()].first : RandomKey(rng);
      Head h = RandomHead(rng);
      bulk->Set(k, h);
      inc.Set(k, h);
      ref[k] = h;
    }
    EXPECT_EQ(bulk->Root(), inc.Root());
    EXPECT_EQ(bulk->Root(), RefRoot(ref));
  }
}

TEST(HeadsMapTest, FromSortedRefusesUnsortedAndRepeatedKeys) {
  std::vector<Entry> e = {{KeyWithFirstByte(1), MakeHead(1, 1)},
                          {KeyWithFirstByte(2), MakeHead(2, 1)}};
  EXPECT_TRUE(HeadsMap::FromSorted(e).ok());
  EXPECT_TRUE(HeadsMap::FromSorted({}).ok());
  std::swap(e[0], e[1]);
  StatusOr<HeadsMap> bad = HeadsMap::FromSorted(e);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  e[0] = e[1];
  EXPECT_FALSE(HeadsMap::FromSorted(e).ok());
}

TEST(HeadsMapTest, SerializeRoundTrip) {
  std::mt19937_64 rng(3);
  HeadsMap m;
  for (int i = 0; i < 2000; ++i) m.Set(RandomKey(rng), RandomHead(rng));
  std::string snap = m.Serialize();
  EXPECT_EQ(snap.size(), 8 + 2000 * 80 + 32u);
  StatusOr<HeadsMap> back = HeadsMap::Deserialize(snap);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->Root(), m.Root());
  EXPECT_EQ(back->Entries(), m.Entries());
  EXPECT_EQ(back->Serialize(), snap);

  HeadsMap empty;
  std::string e = empty.Serialize();
  EXPECT_EQ(e, std::string(40, '\0'));
  StatusOr<HeadsMap> e_back = HeadsMap::Deserialize(e);
  ASSERT_TRUE(e_back.ok());
  EXPECT_EQ(e_back->size(), 0u);
}

TEST(HeadsMapTest, DeserializeRefusesDamagedSnapshots) {
  std::mt19937_64 rng(4);
  HeadsMap m;
  for (int i = 0; i < 50; ++i) m.Set(RandomKey(rng), RandomHead(rng));
  std::string snap = m.Serialize();
  for (size_t len : {size_t{0}, size_t{39}, snap.size() - 1, snap.size() - 80}) {
    StatusOr<HeadsMap> r = HeadsMap::Deserialize(snap.substr(0, len));
    EXPECT_FALSE(r.ok()) << "length " << len;
  }
  EXPECT_FALSE(HeadsMap::Deserialize(snap + "x").ok());
  // Any flipped bit: the count, an entry (its order or its hash), or the root.
  for (size_t bit = 0; bit < snap.size() * 8; bit += 13) {
    std::string bad = snap;
    FlipBit(bad, bit);
    StatusOr<HeadsMap> r = HeadsMap::Deserialize(bad);
    ASSERT_FALSE(r.ok()) << "bit " << bit;
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  }
  // A huge count does not allocate.
  std::string huge = snap;
  for (int i = 0; i < 8; ++i) huge[i] = '\xff';
  EXPECT_FALSE(HeadsMap::Deserialize(huge).ok());
}

// ---- Proof refusal ---------------------------------------------------------

struct ProofFixture {
  HeadsMap map;
  Hash present_key;
  Head present_head;
  Hash empty_key;     // absent, proof ends in an empty subtree
  Hash other_key;     // absent, proof ends at another entry
};

ProofFixture MakeProofFixture() {
  ProofFixture f;
  std::mt19937_64 rng(11);
  std::vector<Entry> entries;
  for (int i = 0; i < 1000; ++i) entries.emplace_back(RandomKey(rng), RandomHead(rng));
  f.map.SetMany(entries);
  f.present_key = entries[17].first;
  f.present_head = entries[17].second;
  bool have_empty = false, have_other = false;
  while (!have_empty || !have_other) {
    Hash k = RandomKey(rng);
    MapProof p = f.map.Prove(k);
    if (p.siblings.size() < 8) continue;
    if (p.terminal == Terminal::kEmpty && !have_empty) f.empty_key = k, have_empty = true;
    if (p.terminal == Terminal::kOtherLeaf && !have_other) f.other_key = k, have_other = true;
  }
  return f;
}

Status CheckEncoded(const Hash& root, const Hash& key, const Head* head, std::string_view bytes) {
  ASSIGN_OR_RETURN(MapProof p, DecodeMapProof(bytes));
  return head ? VerifyHead(root, key, *head, p) : VerifyAbsent(root, key, p);
}

TEST(HeadsMapProofTest, EveryBitFlipIsRefused) {
  ProofFixture f = MakeProofFixture();
  Hash root = f.map.Root();
  struct Case {
    const char* name;
    Hash key;
    const Head* head;   // null: absence
  } cases[] = {{"head", f.present_key, &f.present_head},
               {"absence (empty)", f.empty_key, nullptr},
               {"absence (other leaf)", f.other_key, nullptr}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    MapProof proof = f.map.Prove(c.key);
    std::string enc = EncodeMapProof(proof);
    ASSERT_TRUE(CheckEncoded(root, c.key, c.head, enc).ok());
    size_t depth = proof.siblings.size();
    for (size_t bit = 0; bit < enc.size() * 8; ++bit) {
      std::string bad = enc;
      FlipBit(bad, bit);
      EXPECT_FALSE(CheckEncoded(root, c.key, c.head, bad).ok()) << "proof bit " << bit;
    }
    for (size_t bit = 0; bit < 256; ++bit) {
      Hash bad_root = root;
      FlipBit(bad_root, bit);
      EXPECT_FALSE(CheckEncoded(bad_root, c.key, c.head, enc).ok()) << "root bit " << bit;
      Hash bad_key = c.key;
      FlipBit(bad_key, bit);
      if (c.head || bit < depth) {
        EXPECT_FALSE(CheckEncoded(root, bad_key, c.head, enc).ok()) << "key bit " << bit;
      } else {
        // An absence proof covers the whole subtree at its depth: every key
        // with the same first `depth` bits (but the other leaf's) is absent.
        EXPECT_TRUE(CheckEncoded(root, bad_key, c.head, enc).ok()) << "key bit " << bit;
      }
    }
    if (c.head) {
      std::string raw = BigEndian64(c.head->seq) + Raw(c.head->leaf_hash) +
                        BigEndian64(c.head->count);
      for (size_t bit = 0; bit < raw.size() * 8; ++bit) {
        std::string bad = raw;
        FlipBit(bad, bit);
        Head h{ReadBigEndian64(bad.substr(0, 8)), *HashFromBytes(AsBytes(bad.substr(8, 32))),
               ReadBigEndian64(bad.substr(40, 8))};
        EXPECT_FALSE(CheckEncoded(root, c.key, &h, enc).ok()) << "head bit " << bit;
      }
    }
  }
}

TEST(HeadsMapProofTest, TruncatedAndExtendedProofsAreRefused) {
  ProofFixture f = MakeProofFixture();
  Hash root = f.map.Root();
  for (const Hash& key : {f.present_key, f.empty_key, f.other_key}) {
    const Head* head = key == f.present_key ? &f.present_head : nullptr;
    MapProof p = f.map.Prove(key);
    std::string enc = EncodeMapProof(p);
    for (size_t len = 0; len < enc.size(); ++len) {
      EXPECT_FALSE(DecodeMapProof(enc.substr(0, len)).ok()) << "length " << len;
    }
    EXPECT_FALSE(DecodeMapProof(enc + '\0').ok());
    EXPECT_FALSE(DecodeMapProof(enc + std::string(32, '\0')).ok());
    // One sibling more or fewer, with the depth adjusted: decodes, fails.
    MapProof longer = p;
    longer.siblings.push_back(Sha256("extra"));
    EXPECT_FALSE(CheckEncoded(root, key, head, EncodeMapProof(longer)).ok());
    MapProof shorter = p;
    shorter.siblings.pop_back();
    EXPECT_FALSE(CheckEncoded(root, key, head, EncodeMapProof(shorter)).ok());
    MapProof dropped_first = p;
    dropped_first.siblings.erase(dropped_first.siblings.begin());
    EXPECT_FALSE(CheckEncoded(root, key, head, EncodeMapProof(dropped_first)).ok());
  }
}

TEST(HeadsMapProofTest, NonCanonicalProofsAreRefused) {
  auto expect_invalid = [](const Status& s, std::string_view needle) {
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
    EXPECT_NE(s.message().find(needle), std::string::npos) << s.ToString();
  };
  // Depth over 256, unknown terminal, wrong length.
  std::string deep("\x00\x01\x01", 3);
  deep += std::string(257 * 32, 'x');
  expect_invalid(DecodeMapProof(deep).status(), "depth 257");
  expect_invalid(DecodeMapProof(std::string("\x03\x00\x00", 3)).status(), "unknown terminal");
  expect_invalid(DecodeMapProof(std::string("\x02\x00\x00", 3)).status(), "expected 83");
  expect_invalid(DecodeMapProof("").status(), "header");

  Hash key = KeyWithFirstByte(0x00);
  Head head = MakeHead(1, 1);
  // A zero last sibling: the terminal is not where the path would end.
  MapProof p;
  p.terminal = Terminal::kLeaf;
  p.siblings = {Sha256("a"), Zero()};
  expect_invalid(RootFromHeadProof(key, head, p).status(), "sibling at depth 2 is empty");
  p.terminal = Terminal::kEmpty;
  expect_invalid(RootFromAbsenceProof(key, p).status(), "sibling at depth 2 is empty");
  // Empty terminal at depth 256.
  p.siblings.assign(256, Sha256("s"));
  expect_invalid(RootFromAbsenceProof(key, p).status(), "empty terminal at depth 256");
  // Other leaf with the key itself, or not sharing the prefix.
  p.terminal = Terminal::kOtherLeaf;
  p.siblings = {Sha256("a")};
  p.other_key = key;
  p.other_head = head;
  expect_invalid(RootFromAbsenceProof(key, p).status(), "is the key itself");
  p.other_key = KeyWithFirstByte(0x80);   // parts from key at bit 0, depth 1
  expect_invalid(RootFromAbsenceProof(key, p).status(), "shares 0 leading bits");
  p.other_key = KeyWithFirstByte(0x40);   // shares bit 0: fine at depth 1
  EXPECT_TRUE(RootFromAbsenceProof(key, p).ok());
  // A proof in struct form deeper than 256.
  p.terminal = Terminal::kLeaf;
  p.siblings.assign(257, Sha256("s"));
  expect_invalid(RootFromHeadProof(key, head, p).status(), "depth 257");
  // The wrong kind of proof for the question.
  p.siblings.clear();
  expect_invalid(RootFromAbsenceProof(key, p).status(), "proof of a head");
  p.terminal = Terminal::kEmpty;
  expect_invalid(RootFromHeadProof(key, head, p).status(), "proof of absence");
  // Root mismatch names itself.
  expect_invalid(VerifyAbsent(Sha256("root"), key, p), "root mismatch");
}

// ---- The worked example of docs/formats.md §7 ------------------------------

struct Example {
  Hash household, officer, agency;
  Head household_head, officer_head, agency_head;
  HeadsMap map;
};

Example MakeExample() {
  Example e;
  e.household = MapKey(EntityKind::kHousehold, "3301010001001");
  e.officer = MapKey(EntityKind::kOfficer, "off-1");
  e.agency = MapKey(EntityKind::kAgency, "PHO-33");
  e.household_head = {5, merkle::HashLeaf(AsBytes("event 5")), 2};
  e.officer_head = {4, merkle::HashLeaf(AsBytes("event 4")), 3};
  e.agency_head = {5, merkle::HashLeaf(AsBytes("event 5")), 6};
  std::vector<Entry> batch = {{e.household, e.household_head},
                              {e.officer, e.officer_head},
                              {e.agency, e.agency_head}};
  e.map.SetMany(batch);
  return e;
}

// Prints what docs/formats.md §7 shows (run with --gtest_also_run_disabled_tests).
TEST(HeadsMapExampleTest, DISABLED_Print) {
  Example e = MakeExample();
  auto line = [](const char* name, std::string_view hex) {
    std::printf("%-28s %.*s\n", name, static_cast<int>(hex.size()), hex.data());
  };
  line("household key", ToHex(e.household));
  line("officer key", ToHex(e.officer));
  line("agency key", ToHex(e.agency));
  line("household head leaf_hash", ToHex(e.household_head.leaf_hash));
  line("officer head leaf_hash", ToHex(e.officer_head.leaf_hash));
  line("household leaf node", ToHex(LeafNodeHash(e.household, e.household_head)));
  line("officer leaf node", ToHex(LeafNodeHash(e.officer, e.officer_head)));
  line("agency leaf node", ToHex(LeafNodeHash(e.agency, e.agency_head)));
  line("root", ToHex(e.map.Root()));
  for (const auto& [name, key] : {std::pair{"household proof", e.household},
                                  std::pair{"officer proof", e.officer},
                                  std::pair{"agency proof", e.agency}}) {
    line(name, ToHex(EncodeMapProof(e.map.Prove(key))));
  }
  for (const char* id : {"3301010001002", "3301010001003", "3301010001004", "3301010001005"}) {
    Hash k = MapKey(EntityKind::kHousehold, id);
    std::printf("absent household %s key %s\n  proof %s\n", id, ToHex(k).c_str(),
                ToHex(EncodeMapProof(e.map.Prove(k))).c_str());
  }
}

TEST(HeadsMapExampleTest, MatchesDocsFormats) {
  Example e = MakeExample();
  // From DISABLED_Print; docs/formats.md §7 shows the same values.
  EXPECT_EQ(ToHex(e.household), "fc26873f2c7cd12d41fe73fc53f44e58dbb33864b1456d9e2f7ef6d2e8c3f0cc");
  EXPECT_EQ(ToHex(e.officer), "a50bfa44f289b71cebc887de8a8ea0b0d1eee364f55a0ef1c922f7a6ddbd85ba");
  EXPECT_EQ(ToHex(e.agency), "9d37684a7baefad6e3951532a7881275f0c0470194f484ed573120849ed2f731");
  EXPECT_EQ(ToHex(e.household_head.leaf_hash),
            "d062de7806769f57518dc06e4afccaca2c8f9039bf3c415ebc17872502a9204c");
  EXPECT_EQ(ToHex(e.officer_head.leaf_hash),
            "a529d3830d9c26c457c2ede6826c2b7f4cb8b047fc4a09376020eff77b17c12f");
  Hash lh = LeafNodeHash(e.household, e.household_head);
  Hash lo = LeafNodeHash(e.officer, e.officer_head);
  Hash la = LeafNodeHash(e.agency, e.agency_head);
  EXPECT_EQ(ToHex(lh), "50b49557f73e16387e36846b40c1a41142e7b60804f2854efe9914ecd7b45244");
  EXPECT_EQ(ToHex(lo), "e16379a414d2b8def75101a326398c524a2ed34bb29f58c799dd6f7a26850452");
  EXPECT_EQ(ToHex(la), "1dc7a8cac4aac1af31b204faf5f5f3cbef7273bc21303981d0e15618e053f67b");
  // All three keys start with bit 1; the household parts from the others
  // at bit 1 (11... vs 10...), the agency (100...) from the officer (101...)
  // at bit 2.
  Hash n10 = RefInterior(la, lo);
  Hash n1 = RefInterior(n10, lh);
  EXPECT_EQ(ToHex(n10), "5efd5d4a4ff9cea884caf28a98ec537f68ad1c0c949bf5f8b61b50756a5d019c");
  EXPECT_EQ(ToHex(n1), "f42b06a7fac07086621992587454c6dece1fd56ad23aac310676a443f7199c66");
  EXPECT_EQ(e.map.Root(), RefInterior(Zero(), n1));
  EXPECT_EQ(ToHex(e.map.Root()), "dd879784df5f39d6d8236bf74d235179e3cb451c3719439525e9797f26fe0a35");

  std::string household_proof = ToHex(EncodeMapProof(e.map.Prove(e.household)));
  EXPECT_EQ(household_proof,
            "000002"
            "0000000000000000000000000000000000000000000000000000000000000000"
            "5efd5d4a4ff9cea884caf28a98ec537f68ad1c0c949bf5f8b61b50756a5d019c");
  Hash absent_empty = MapKey(EntityKind::kHousehold, "3301010001003");
  EXPECT_EQ(ToHex(absent_empty), "1e04ab2f90fecac256f121bae1161ecac5cba1cfda06bf15c190faf7150b8f97");
  EXPECT_EQ(ToHex(EncodeMapProof(e.map.Prove(absent_empty))),
            "010001"
            "f42b06a7fac07086621992587454c6dece1fd56ad23aac310676a443f7199c66");
  Hash absent_other = MapKey(EntityKind::kHousehold, "3301010001002");
  EXPECT_EQ(ToHex(absent_other), "811916e1700788e70ea781027f4732ef87e5956ffdac96fa7efc4fb77efe3c99");
  EXPECT_EQ(ToHex(EncodeMapProof(e.map.Prove(absent_other))),
            "020003"
            "0000000000000000000000000000000000000000000000000000000000000000"
            "50b49557f73e16387e36846b40c1a41142e7b60804f2854efe9914ecd7b45244"
            "e16379a414d2b8def75101a326398c524a2ed34bb29f58c799dd6f7a26850452"
            "9d37684a7baefad6e3951532a7881275f0c0470194f484ed573120849ed2f731"
            "0000000000000005"
            "d062de7806769f57518dc06e4afccaca2c8f9039bf3c415ebc17872502a9204c"
            "0000000000000006");

  // And they verify from the hex alone.
  Hash root = KeyFromHex("dd879784df5f39d6d8236bf74d235179e3cb451c3719439525e9797f26fe0a35");
  StatusOr<MapProof> p = DecodeMapProof(*FromHex(household_proof));
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(VerifyHead(root, e.household, e.household_head, *p).ok());
}

// ---- Scale (run with --gtest_also_run_disabled_tests) ----------------------

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

TEST(HeadsMapScaleTest, DISABLED_Build650kAndProofSizes) {
  // HEADS_MAP_SCALE_ENTRIES=1000000 for another size.
  const char* env = std::getenv("HEADS_MAP_SCALE_ENTRIES");
  const int kEntries = env ? std::atoi(env) : 650'000;
  std::printf("%d entries\n", kEntries);
  std::mt19937_64 rng(650);
  std::vector<Entry> entries;
  entries.reserve(kEntries);
  for (int i = 0; i < kEntries; ++i) {
    entries.emplace_back(MapKey(EntityKind::kHousehold, std::to_string(3300000000000 + i)),
                         RandomHead(rng));
  }
  using Clock = std::chrono::steady_clock;

  {
    Hash h = Sha256("x");
    auto a = Clock::now();
    for (int i = 0; i < 1'000'000; ++i) h = InteriorHash(h, h);
    auto b = Clock::now();
    std::printf("InteriorHash: %.3f us (%02x)\n", Seconds(b - a), h[0]);
  }
  auto t0 = Clock::now();
  HeadsMap inc;
  inc.reserve(entries.size() + 200'000);
  for (size_t i = 0; i < entries.size(); i += 1000) {
    inc.SetMany(std::span<const Entry>(entries).subspan(i, std::min<size_t>(1000, entries.size() - i)));
  }
  auto t1 = Clock::now();
  std::printf("incremental build, batches of 1000: %.2f s (%zu bytes held)\n", Seconds(t1 - t0),
              inc.MemoryBytes());

  std::vector<Entry> sorted = entries;
  auto t2 = Clock::now();
  std::sort(sorted.begin(), sorted.end(),
            [](const Entry& a, const Entry& b) { return a.first < b.first; });
  auto t3 = Clock::now();
  StatusOr<HeadsMap> bulk = HeadsMap::FromSorted(sorted);
  auto t4 = Clock::now();
  ASSERT_TRUE(bulk.ok());
  ASSERT_EQ(bulk->Root(), inc.Root());
  std::printf("sort: %.2f s, bulk build from sorted: %.2f s (%zu bytes held)\n",
              Seconds(t3 - t2), Seconds(t4 - t3), bulk->MemoryBytes());

  // Group commits of 1000 updates of existing entities, then of 1000 new ones.
  constexpr int kCommits = 200;
  std::vector<std::vector<Entry>> updates(kCommits), inserts(kCommits);
  for (int c = 0; c < kCommits; ++c) {
    for (int i = 0; i < 1000; ++i) {
      updates[c].emplace_back(entries[rng() % entries.size()].first, RandomHead(rng));
      inserts[c].emplace_back(RandomKey(rng), RandomHead(rng));
    }
  }
  for (HeadsMap* m : {&inc, &*bulk}) {
    auto t5 = Clock::now();
    for (const auto& batch : updates) m->SetMany(batch);
    auto t6 = Clock::now();
    std::printf("%s map: SetMany of 1000 updates: %.2f ms each\n",
                m == &inc ? "incremental" : "bulk-built", Seconds(t6 - t5) * 1000 / kCommits);
  }
  auto t5 = Clock::now();
  for (const auto& batch : inserts) inc.SetMany(batch);
  auto t6 = Clock::now();
  std::printf("SetMany of 1000 new entries: %.2f ms each\n", Seconds(t6 - t5) * 1000 / kCommits);
  ASSERT_EQ(inc.size(), entries.size() + kCommits * 1000);

  // Proofs and snapshots at the map's first size (the bulk-built map got
  // updates only).
  HeadsMap& sized = *bulk;
  ASSERT_EQ(sized.size(), entries.size());
  size_t total = 0, max_len = 0, min_len = SIZE_MAX;
  constexpr int kProofs = 20000;
  auto t7 = Clock::now();
  Hash root = sized.Root();
  for (int i = 0; i < kProofs; ++i) {
    const Hash& k = entries[rng() % entries.size()].first;
    MapProof p = sized.Prove(k);
    size_t len = EncodeMapProof(p).size();
    total += len;
    max_len = std::max(max_len, len);
    min_len = std::min(min_len, len);
  }
  auto t8 = Clock::now();
  std::printf("membership proofs: mean %.1f bytes (%.2f siblings), min %zu, max %zu; "
              "prove+encode %.2f us\n",
              double(total) / kProofs, (double(total) / kProofs - 3) / 32, min_len, max_len,
              Seconds(t8 - t7) * 1e6 / kProofs);
  const Hash& key0 = entries[0].first;
  MapProof p = sized.Prove(key0);
  Head head0 = *sized.Get(key0);
  auto t9 = Clock::now();
  for (int i = 0; i < kProofs; ++i) ASSERT_TRUE(VerifyHead(root, key0, head0, p).ok());
  auto t10 = Clock::now();
  std::printf("VerifyHead: %.2f us\n", Seconds(t10 - t9) * 1e6 / kProofs);

  size_t absent_total = 0, empties = 0;
  for (int i = 0; i < kProofs; ++i) {
    MapProof q = sized.Prove(MapKey(EntityKind::kHousehold, "absent-" + std::to_string(i)));
    absent_total += EncodeMapProof(q).size();
    empties += q.terminal == Terminal::kEmpty;
  }
  std::printf("absence proofs: mean %.1f bytes, %.1f%% empty terminals\n",
              double(absent_total) / kProofs, 100.0 * empties / kProofs);

  auto t11 = Clock::now();
  std::string snap = sized.Serialize();
  auto t12 = Clock::now();
  StatusOr<HeadsMap> back = HeadsMap::Deserialize(snap);
  auto t13 = Clock::now();
  ASSERT_TRUE(back.ok());
  std::printf("Serialize: %.2f s (%zu bytes), Deserialize: %.2f s\n", Seconds(t12 - t11),
              snap.size(), Seconds(t13 - t12));
}

}  // namespace
}  // namespace ledger::heads
