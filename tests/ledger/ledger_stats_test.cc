// Ledger::Stats (ledger.h LedgerStats): the figures ledgerd's /metrics
// reports about the append queue, pauses, store faults, the last checkpoint
// and RocksDB.
#include <gtest/gtest.h>

#include "support/test_ledger.h"

namespace ledger {
namespace {

using testing::AppendOk;
using testing::TempDir;
using testing::World;

TEST(LedgerStatsTest, TheLastCheckpointTheQueueAndRocksDbFigures) {
  TempDir dir;
  World w;
  LedgerOptions o;
  o.max_queued_events = 5000;
  int64_t now = 1'700'000'000'000'000'000;
  o.clock = [&now] { return now += 1000; };
  int64_t recorded_at = 0;
  {
    auto l = w.Create(dir.Sub("store"), o);
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    LedgerStats empty = (*l)->Stats();
    EXPECT_EQ(empty.last_checkpoint_recorded_at_ns, 0);   // nothing appended yet
    AppendOk(**l, w.Bootstrap());
    AppendOk(**l, {w.Visit(1), w.Visit(2)});
    LedgerStats s = (*l)->Stats();
    recorded_at = (*l)->Clock().last_recorded_at;
    EXPECT_NE(recorded_at, 0);
    EXPECT_EQ(s.last_checkpoint_recorded_at_ns, recorded_at);
    EXPECT_EQ(s.queued_events, 0u);
    EXPECT_EQ(s.max_queued_events, 5000u);
    EXPECT_FALSE(s.appends_paused);
    EXPECT_FALSE(s.appends_stopped);
    EXPECT_EQ(s.store_full_errors + s.store_io_errors + s.store_failed_errors, 0u);
    EXPECT_GT(s.rocksdb.memtable_bytes, 0u);
    EXPECT_FALSE(s.rocksdb.write_stopped);
    EXPECT_EQ(s.rocksdb.background_errors, 0u);
  }
  // Reopened: the last checkpoint's time comes from the store.
  auto l = w.Open(dir.Sub("store"), o);
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  LedgerStats s = (*l)->Stats();
  EXPECT_EQ(s.last_checkpoint_recorded_at_ns, recorded_at);
  // A closed store was flushed: its table files count.
  EXPECT_GT(s.rocksdb.sst_bytes, 0u);
  EXPECT_GE(s.rocksdb.compactions, 1u);   // the flushes at least
}

TEST(LedgerStatsTest, TheFreeSpaceFloorPausesAppendsAndCountsOneStoreError) {
  TempDir dir;
  World w;
  {
    auto l = w.Create(dir.Sub("store"));
    ASSERT_TRUE(l.ok());
    AppendOk(**l, w.Bootstrap());
  }
  LedgerOptions o;
  o.min_free_bytes = uint64_t{1} << 62;   // more than any disk has free
  auto l = w.Open(dir.Sub("store"), o);
  ASSERT_TRUE(l.ok());
  for (int i = 1; i <= 3; ++i) {
    auto r = (*l)->Append({w.Visit(i)});
    EXPECT_EQ(r[0].status().reason(), "STORE_FULL");
  }
  LedgerStats s = (*l)->Stats();
  EXPECT_TRUE(s.appends_paused);
  EXPECT_FALSE(s.appends_stopped);
  EXPECT_EQ(s.store_full_errors, 1u);   // one crossing of the floor, however many appends it refused
  EXPECT_EQ(s.store_io_errors, 0u);
}

}  // namespace
}  // namespace ledger
