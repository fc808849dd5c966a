// RFC 6962 / RFC 9162 hashing and proofs against the published vectors in
// tests/testdata/rfc6962_vectors.json (transparency-dev/merkle,
// google/certificate-transparency, golang/mod).
#include "ledger/merkle.h"

#include <bit>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ledger/crypto.h"

namespace ledger::merkle {
namespace {

using nlohmann::json;

const json& Vectors() {
  static const json* vectors = [] {
    std::ifstream in(LEDGER_TESTDATA_DIR "/rfc6962_vectors.json");
    EXPECT_TRUE(in.good()) << "cannot open rfc6962_vectors.json";
    return new json(json::parse(in));
  }();
  return *vectors;
}

std::string Bytes(const json& hex) {
  StatusOr<std::string> raw = FromHex(hex.get<std::string>());
  EXPECT_TRUE(raw.ok()) << raw.status().ToString();
  return raw.ok() ? *raw : std::string();
}

Hash H(const json& hex) {
  StatusOr<Hash> h = HashFromHex(hex.get<std::string>());
  EXPECT_TRUE(h.ok()) << hex << ": " << h.status().ToString();
  return h.ok() ? *h : Hash{};
}

std::vector<Hash> Hashes(const json& list) {
  std::vector<Hash> out;
  for (const json& h : list) out.push_back(H(h));
  return out;
}

// Complete-subtree nodes of the 8-leaf vector tree, straight from the
// published node_hashes_by_level; fails the test on any read outside them.
NodeReader VectorNodes(uint64_t tree_size) {
  return [tree_size](int level, uint64_t index) -> StatusOr<Hash> {
    const json& levels = Vectors()["node_hashes_by_level"];
    bool inside = level >= 0 && level < static_cast<int>(levels.size()) &&
                  index < levels[level].size() && ((index + 1) << level) <= tree_size;
    EXPECT_TRUE(inside) << "read of node (" << level << ", " << index << ") for size "
                        << tree_size;
    if (!inside) return NotFoundError("no such node");
    return H(levels[level][index]);
  };
}

TEST(MerkleHasherTest, PublishedHasherVectors) {
  const json& vectors = Vectors()["hasher_vectors"];
  ASSERT_FALSE(vectors.empty());
  for (const json& v : vectors) {
    SCOPED_TRACE(v["desc"].get<std::string>());
    std::string fn = v["fn"];
    Hash want = H(v["want"]);
    if (fn == "empty_root") {
      EXPECT_EQ(EmptyRoot(), want);
    } else if (fn == "leaf_hash") {
      EXPECT_EQ(HashLeaf(AsBytes(Bytes(v["input_hex"]))), want);
    } else if (fn == "node_hash") {
      // The vector's children are not 32-byte hashes, which HashChildren's
      // types exclude; check the formula it implements, SHA-256(0x01||l||r),
      // here, and HashChildren itself against node_hashes_by_level below.
      std::string pre = "\x01" + Bytes(v["left_hex"]) + Bytes(v["right_hex"]);
      EXPECT_EQ(Sha256(pre), want);
      Hash l = Sha256("l");
      Hash r = Sha256("r");
      EXPECT_EQ(HashChildren(l, r), Sha256("\x01" + ToString(l) + ToString(r)));
    } else {
      ADD_FAILURE() << "unknown fn " << fn;
    }
  }
}

TEST(MerkleHasherTest, NodeHashesByLevel) {
  const json& leaves = Vectors()["leaf_inputs_hex"];
  const json& levels = Vectors()["node_hashes_by_level"];
  ASSERT_EQ(leaves.size(), 8u);
  ASSERT_EQ(levels.size(), 4u);
  for (size_t i = 0; i < leaves.size(); ++i) {
    EXPECT_EQ(HashLeaf(AsBytes(Bytes(leaves[i]))), H(levels[0][i])) << "leaf " << i;
  }
  for (size_t level = 1; level < levels.size(); ++level) {
    ASSERT_EQ(levels[level].size(), levels[level - 1].size() / 2);
    for (size_t i = 0; i < levels[level].size(); ++i) {
      EXPECT_EQ(HashChildren(H(levels[level - 1][2 * i]), H(levels[level - 1][2 * i + 1])),
                H(levels[level][i]))
          << "level " << level << " index " << i;
    }
  }
}

TEST(MerkleTreeTest, RootsBySize) {
  const json& roots = Vectors()["roots_by_size"];
  ASSERT_EQ(roots.size(), 9u);
  for (const auto& [size_str, root] : roots.items()) {
    uint64_t size = std::stoull(size_str);
    StatusOr<Hash> got = RootAt(size, VectorNodes(size));
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, H(root)) << "size " << size;
  }
}

TEST(MerkleTreeTest, RangeHashMatchesRootsOfShiftedTrees) {
  // MTH(D[4:7]) is the root of the 3-leaf tree over leaves 4..6.
  const json& levels = Vectors()["node_hashes_by_level"];
  Hash want = HashChildren(HashChildren(H(levels[0][4]), H(levels[0][5])), H(levels[0][6]));
  StatusOr<Hash> got = RangeHash(4, 7, VectorNodes(8));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, want);
  // Unaligned ranges fall back to smaller nodes: MTH(D[1:4]).
  want = HashChildren(HashChildren(H(levels[0][1]), H(levels[0][2])), H(levels[0][3]));
  got = RangeHash(1, 4, VectorNodes(8));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, want);
  got = RangeHash(3, 3, VectorNodes(8));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, EmptyRoot());
  EXPECT_EQ(RangeHash(4, 3, VectorNodes(8)).status().code(), StatusCode::kInvalidArgument);
}

TEST(MerkleProofTest, PublishedInclusionProofs) {
  const json& proofs = Vectors()["inclusion_proofs"];
  const json& roots = Vectors()["roots_by_size"];
  const json& leaves = Vectors()["node_hashes_by_level"][0];
  ASSERT_FALSE(proofs.empty());
  for (const json& p : proofs) {
    uint64_t index = p["leaf_index"];
    uint64_t size = p["tree_size"];
    SCOPED_TRACE("index " + std::to_string(index) + " size " + std::to_string(size));
    std::vector<Hash> want = Hashes(p["path"]);
    StatusOr<std::vector<Hash>> got = InclusionProof(index, size, VectorNodes(size));
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, want);
    Hash root = H(roots[std::to_string(size)]);
    Status st = VerifyInclusion(index, size, H(leaves[index]), want, root);
    EXPECT_TRUE(st.ok()) << st.ToString();
    StatusOr<Hash> implied = RootFromInclusionProof(index, size, H(leaves[index]), want);
    ASSERT_TRUE(implied.ok()) << implied.status().ToString();
    EXPECT_EQ(*implied, root);
  }
}

TEST(MerkleProofTest, PublishedConsistencyProofs) {
  const json& proofs = Vectors()["consistency_proofs"];
  const json& roots = Vectors()["roots_by_size"];
  ASSERT_FALSE(proofs.empty());
  for (const json& p : proofs) {
    uint64_t size1 = p["size1"];
    uint64_t size2 = p["size2"];
    SCOPED_TRACE("size1 " + std::to_string(size1) + " size2 " + std::to_string(size2));
    std::vector<Hash> want = Hashes(p["path"]);
    StatusOr<std::vector<Hash>> got = ConsistencyProof(size1, size2, VectorNodes(size2));
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, want);
    Status st = VerifyConsistency(size1, size2, want, H(roots[std::to_string(size1)]),
                                  H(roots[std::to_string(size2)]));
    EXPECT_TRUE(st.ok()) << st.ToString();
  }
}

// Probe values that are not 32 bytes (empty "garbage", "WrongLeaf", "don't
// care 1") cannot reach the typed API: parsing them into a Hash fails, the
// analogue of upstream's length checks. To still exercise the verifier on
// those probes they are replaced by 32-byte stand-ins, one per distinct value
// and kind of field: roots share a kind, because upstream compares roots
// with each other (equal sizes), never with leaves or proof elements.
Hash Typed(const std::string& raw, std::string_view kind) {
  StatusOr<Hash> h = HashFromBytes(AsBytes(raw));
  if (h.ok()) return *h;
  return Sha256(std::string(kind) + ":" + raw);
}

std::vector<Hash> TypedProof(const json& list) {
  std::vector<Hash> out;
  for (const json& h : list) out.push_back(Typed(Bytes(h), "proof"));
  return out;
}

TEST(MerkleProofTest, InclusionProbes) {
  const json& probes = Vectors()["probes"]["inclusion"];
  ASSERT_EQ(probes.size(), 98u);
  int passes = 0;
  for (const json& p : probes) {
    SCOPED_TRACE(p["file"].get<std::string>());
    uint64_t index = p["leaf_index"];
    uint64_t size = p["tree_size"];
    bool want_err = p["want_err"];
    Status st = VerifyInclusion(index, size, Typed(Bytes(p["leaf_hash"]), "leaf"),
                                TypedProof(p["proof"]), Typed(Bytes(p["root"]), "root"));
    EXPECT_EQ(!st.ok(), want_err) << st.ToString();
    if (!want_err) ++passes;
  }
  EXPECT_EQ(passes, 6);
}

TEST(MerkleProofTest, ConsistencyProbes) {
  const json& probes = Vectors()["probes"]["consistency"];
  ASSERT_EQ(probes.size(), 98u);
  int passes = 0;
  int divergent = 0;
  for (const json& p : probes) {
    SCOPED_TRACE(p["file"].get<std::string>() + ": " + p["desc"].get<std::string>());
    uint64_t size1 = p["size1"];
    uint64_t size2 = p["size2"];
    bool want_err = p["want_err"];
    Status st = VerifyConsistency(size1, size2, TypedProof(p["proof"]),
                                  Typed(Bytes(p["root1"]), "root"),
                                  Typed(Bytes(p["root2"]), "root"));
    bool from_empty_accepted = size1 == 0 && p["proof"].empty() &&
                               (size2 != 0 || p["root1"] == p["root2"]);
    if (from_empty_accepted && want_err) {
      // merkle.h accepts an empty proof from the empty tree (RFC 9162 leaves
      // size1 = 0 undefined); transparency-dev rejects it since the vectors'
      // commit. Those probes all carry a root that is not 32 bytes, so the
      // typed API refuses them before verification either way.
      EXPECT_TRUE(st.ok()) << st.ToString();
      EXPECT_TRUE(!HashFromBytes(AsBytes(Bytes(p["root1"]))).ok() ||
                  !HashFromBytes(AsBytes(Bytes(p["root2"]))).ok());
      ++divergent;
      continue;
    }
    EXPECT_EQ(!st.ok(), want_err) << st.ToString();
    if (!want_err) ++passes;
  }
  EXPECT_EQ(passes, 6);
  EXPECT_EQ(divergent, 3);
}

TEST(MerkleProofTest, ProbeValuesOfOtherLengthsAreNotHashes) {
  for (std::string_view kind : {"inclusion", "consistency"}) {
    for (const json& p : Vectors()["probes"][std::string(kind)]) {
      std::vector<std::string> values;
      for (const char* field : {"leaf_hash", "root", "root1", "root2"}) {
        if (p.contains(field)) values.push_back(Bytes(p[field]));
      }
      for (const json& h : p["proof"]) values.push_back(Bytes(h));
      for (const std::string& v : values) {
        EXPECT_EQ(HashFromBytes(AsBytes(v)).ok(), v.size() == sizeof(Hash));
      }
    }
  }
}

TEST(MerkleProofTest, ErrorMessages) {
  Hash h = Sha256("x");
  Status st = VerifyInclusion(5, 5, h, {}, h);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "index 5 >= size 5");

  std::vector<Hash> three(3, h);
  st = VerifyInclusion(0, 9, h, three, h);  // 9 leaves: the path has 4 hashes
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "proof has 3 hashes, expected 4");

  const json& leaves = Vectors()["node_hashes_by_level"][0];
  const json& roots = Vectors()["roots_by_size"];
  StatusOr<std::vector<Hash>> proof = InclusionProof(5, 8, VectorNodes(8));
  ASSERT_TRUE(proof.ok());
  st = VerifyInclusion(5, 8, H(leaves[5]), *proof, H(roots["7"]));
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("root mismatch"), std::string::npos) << st.message();

  st = VerifyConsistency(3, 2, {}, h, h);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(InclusionProof(8, 8, VectorNodes(8)).status().message(), "index 8 >= size 8");
  EXPECT_EQ(ConsistencyProof(3, 2, VectorNodes(8)).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(MerkleProofTest, EmptyAndEqualSizes) {
  Hash a = Sha256("a");
  Hash b = Sha256("b");
  EXPECT_TRUE(VerifyConsistency(0, 5, {}, EmptyRoot(), a).ok());
  EXPECT_TRUE(VerifyConsistency(0, 0, {}, EmptyRoot(), EmptyRoot()).ok());
  EXPECT_TRUE(VerifyConsistency(4, 4, {}, a, a).ok());
  EXPECT_FALSE(VerifyConsistency(4, 4, {}, a, b).ok());
  EXPECT_FALSE(VerifyConsistency(4, 4, std::vector<Hash>{a}, a, a).ok());
  EXPECT_FALSE(VerifyConsistency(0, 5, std::vector<Hash>{a}, EmptyRoot(), a).ok());
  EXPECT_FALSE(VerifyConsistency(4, 5, {}, a, b).ok());
  StatusOr<std::vector<Hash>> p = ConsistencyProof(0, 8, VectorNodes(8));
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->empty());
  p = ConsistencyProof(8, 8, VectorNodes(8));
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->empty());
  StatusOr<Hash> root = RootAt(0, VectorNodes(0));
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(*root, EmptyRoot());
}

// Proof generation reads O(log n) complete nodes, whatever the sizes.
TEST(MerkleProofTest, NodeReadsAreLogarithmic) {
  int reads = 0;
  NodeReader counting = [&reads](int level, uint64_t index) -> StatusOr<Hash> {
    ++reads;
    return Sha256(std::to_string(level) + "/" + std::to_string(index));
  };
  const std::vector<uint64_t> sizes = {1,       2,         3,         255,      256,
                                       257,     1000,      65535,     65537,    1000003,
                                       1 << 30, (1ull << 40) + 12345, (1ull << 62) - 1};
  for (uint64_t size : sizes) {
    int bound = 2 * std::bit_width(size) + 2;
    reads = 0;
    ASSERT_TRUE(RootAt(size, counting).ok());
    EXPECT_LE(reads, std::popcount(size)) << "root of " << size;
    for (uint64_t index : {uint64_t{0}, size / 3, size / 2, size - 1}) {
      reads = 0;
      ASSERT_TRUE(InclusionProof(index, size, counting).ok());
      EXPECT_LE(reads, bound) << "inclusion " << index << " of " << size;
    }
    for (uint64_t old_size : {uint64_t{1}, size / 3 + 1, size / 2 + 1, size - 1}) {
      if (old_size == 0 || old_size > size) continue;
      reads = 0;
      ASSERT_TRUE(ConsistencyProof(old_size, size, counting).ok());
      EXPECT_LE(reads, bound) << "consistency " << old_size << " to " << size;
    }
  }
}

}  // namespace
}  // namespace ledger::merkle
