// The log commits to every entity's head (docs/formats.md §7): what
// Ledger::ProveHead serves and heads::CommittedHead checks, across group
// commits and a reopen.
#include <gtest/gtest.h>

#include "ledger/heads.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "support/test_ledger.h"

namespace ledger {
namespace {

using heads::EntityId;
using heads::EntityKind;
using testing::AppendOk;
using testing::TempDir;
using testing::World;

StatusOr<std::optional<heads::Head>> Committed(const Ledger& l, const EntityId& e) {
  ASSIGN_OR_RETURN(Ledger::HeadEvidence ev, l.ProveHead(e));
  EXPECT_EQ(ev.tree_size, l.Size());
  return heads::CommittedHead(e, ev.tree_size, ev.root_leaf, ev.map_proof, ev.head);
}

// The household's head and count, from the ledger's own index.
void ExpectHeadOfHousehold(const Ledger& l, const std::string& house) {
  auto seqs = l.HouseholdSeqs(house);
  ASSERT_TRUE(seqs.ok());
  auto head = Committed(l, {EntityKind::kHousehold, house});
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  if (seqs->empty()) {
    EXPECT_FALSE(head->has_value());
    return;
  }
  ASSERT_TRUE(head->has_value());
  EXPECT_EQ((*head)->seq, seqs->back());
  EXPECT_EQ((*head)->count, seqs->size());
  EXPECT_EQ((*head)->leaf_hash, *l.LeafHash(seqs->back()));
}

TEST(HeadsCommitTest, EveryEntityHeadIsCommittedAcrossGroupsAndReopen) {
  TempDir dir;
  World w;
  auto l = w.Create(dir.Sub("store"));
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  AppendOk(**l, w.Bootstrap());
  for (int group = 0; group < 4; ++group) AppendOk(**l, {w.Visit(1), w.Visit(2), w.Visit(3 + group)});
  for (int h : {1, 2, 3, 6, 99}) ExpectHeadOfHousehold(**l, World::HouseCode(h));

  auto officer = Committed(**l, {EntityKind::kOfficer, "off-1"});
  ASSERT_TRUE(officer.ok() && officer->has_value()) << officer.status().ToString();
  EXPECT_EQ((*officer)->count, 1u);
  auto agency = Committed(**l, {EntityKind::kAgency, w.agency_code});
  ASSERT_TRUE(agency.ok() && agency->has_value());
  EXPECT_EQ((*agency)->seq, 0u);
  auto nobody = Committed(**l, {EntityKind::kOfficer, "nobody"});
  ASSERT_TRUE(nobody.ok());
  EXPECT_FALSE(nobody->has_value());

  // Reopened, the map is the same and keeps growing.
  l->reset();
  l = w.Open(dir.Sub("store"));
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  for (int h : {1, 2, 6}) ExpectHeadOfHousehold(**l, World::HouseCode(h));
  AppendOk(**l, {w.Visit(6), w.Visit(1)});
  for (int h : {1, 2, 6}) ExpectHeadOfHousehold(**l, World::HouseCode(h));
}

TEST(HeadsCommitTest, AForgedProofOrHeadIsRefused) {
  TempDir dir;
  World w;
  auto l = w.Create(dir.Sub("store"));
  ASSERT_TRUE(l.ok());
  AppendOk(**l, w.Bootstrap());
  AppendOk(**l, {w.Visit(1), w.Visit(1), w.Visit(2)});
  AppendOk(**l, {w.Visit(3)});
  const EntityId e{EntityKind::kHousehold, World::HouseCode(1)};
  auto ev = (*l)->ProveHead(e);
  ASSERT_TRUE(ev.ok());
  ASSERT_FALSE(ev->head.empty());
  ASSERT_TRUE(heads::CommittedHead(e, ev->tree_size, ev->root_leaf, ev->map_proof, ev->head).ok());
  // One bit of the proof, of the head, of the root event: refused.
  for (size_t i = 0; i < ev->map_proof.size(); i += 7) {
    std::string proof = ev->map_proof;
    proof[i] ^= 1;
    EXPECT_FALSE(heads::CommittedHead(e, ev->tree_size, ev->root_leaf, proof, ev->head).ok()) << i;
  }
  for (size_t i = 0; i < ev->head.size(); ++i) {
    std::string head = ev->head;
    head[i] ^= 0x10;
    EXPECT_FALSE(heads::CommittedHead(e, ev->tree_size, ev->root_leaf, ev->map_proof, head).ok()) << i;
  }
  // The head dropped: "absent" does not verify for a household that has events.
  EXPECT_FALSE(heads::CommittedHead(e, ev->tree_size, ev->root_leaf, ev->map_proof, "").ok());
  // Another size's root event.
  EXPECT_FALSE(heads::CommittedHead(e, ev->tree_size - 1, ev->root_leaf, ev->map_proof, ev->head).ok());
}

}  // namespace
}  // namespace ledger
