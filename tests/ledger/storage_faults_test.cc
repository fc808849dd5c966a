// Storage faults (issue 9, "Disk full on ext4 crashes ledgerd" and "One
// write failure stops appends for good"): on a small tmpfs and a small
// loop-mounted ext4, a full file system pauses appends with a retryable
// STORE_FULL, reads go on, closing and reopening while full is clean, and
// appends resume by themselves once space is freed, with every acknowledged
// event kept and the store verifying clean. Also the free-space floor and
// the absence of preallocation.
//
// Mounting needs root (CI runs as root); elsewhere each test is skipped
// with the reason.
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "ledger/reasons.h"
#include "ledger/verify.h"
#include "store/free_space.h"
#include "support/run_command.h"
#include "support/test_ledger.h"

namespace ledger {
namespace {

namespace fs = std::filesystem;
using testing::RunCommand;
using testing::TempDir;
using testing::World;

// A small file system of its own, mounted under a temporary directory.
class ScratchFs {
 public:
  // kind: "tmpfs" or "ext4" (an image file on a loop device). Empty
  // `*why` on success.
  ScratchFs(const std::string& kind, int mib, std::string* why) : mount_point_(tmp_.Sub("mnt")) {
    fs::create_directories(mount_point_);
    if (::geteuid() != 0) {
      *why = "mounting a " + kind + " file system needs root";
      return;
    }
    if (kind == "tmpfs") {
      const std::string size = "size=" + std::to_string(mib) + "m";
      if (::mount("tmpfs", mount_point_.c_str(), "tmpfs", 0, size.c_str()) != 0) {
        *why = "mount -t tmpfs: " + std::string(std::strerror(errno));
        return;
      }
    } else {
      const std::string image = tmp_.Sub("image.ext4");
      auto mkfs = RunCommand({"/sbin/mkfs.ext4", "-q", "-F", "-m", "0", image, std::to_string(mib) + "M"},
                             std::chrono::seconds(60));
      if (mkfs.exit_code != 0) {
        *why = "mkfs.ext4 failed (" + std::to_string(mkfs.exit_code) + "): " + mkfs.err;
        return;
      }
      auto mount = RunCommand({"/bin/mount", "-o", "loop", image, mount_point_}, std::chrono::seconds(60));
      if (mount.exit_code != 0) {
        *why = "mount -o loop failed (" + std::to_string(mount.exit_code) + "): " + mount.err;
        return;
      }
    }
    mounted_ = true;
  }
  ~ScratchFs() {
    if (mounted_ && ::umount2(mount_point_.c_str(), 0) != 0) ::umount2(mount_point_.c_str(), MNT_DETACH);
  }

  std::string Path(const std::string& name) const { return mount_point_ + "/" + name; }

  // Takes all free space but `leave` bytes with a filler file.
  void Fill(uint64_t leave) {
    auto free = FreeBytes(mount_point_);
    ASSERT_TRUE(free.ok()) << free.status().ToString();
    ASSERT_GT(*free, leave);
    const int fd = ::open(Path("filler").c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    const int rc = ::posix_fallocate(fd, 0, static_cast<off_t>(*free - leave));
    ::close(fd);
    ASSERT_EQ(rc, 0) << "posix_fallocate: " << std::strerror(rc);
  }
  void Unfill() { ASSERT_EQ(::unlink(Path("filler").c_str()), 0) << std::strerror(errno); }
  uint64_t Free() const {
    auto free = FreeBytes(mount_point_);
    return free.ok() ? *free : 0;
  }

 private:
  TempDir tmp_;
  std::string mount_point_;
  bool mounted_ = false;
};

#define MOUNT_OR_SKIP(var, kind, mib)            \
  std::string var##_why;                         \
  ScratchFs var(kind, mib, &var##_why);          \
  if (!var##_why.empty()) GTEST_SKIP() << var##_why

struct Counters {
  std::atomic<int> paused{0};
  std::atomic<int> resumed{0};
  void Hook(LedgerOptions& o) {
    o.on_appends_paused = [this](const Status&) { ++paused; };
    o.on_appends_resumed = [this](const Status&, int64_t) { ++resumed; };
  }
};

void ExpectVerifies(const std::string& dir, uint64_t events) {
  VerifyOptions vo;
  vo.check_signatures = true;
  auto report = VerifyStore(dir, vo);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->ok) << report->problems_total << " problems, first: "
                          << (report->problems.empty() ? "" : report->problems[0].message);
  EXPECT_EQ(report->events, events);
}

// Appends batches of new households until one fails; returns the failure
// (OK if the file system never filled within the bound).
Status AppendUntilFull(Ledger& l, World& w, int* next_house, uint64_t* acked) {
  for (int batch = 0; batch < 400; ++batch) {
    std::vector<std::string> events;
    for (int i = 0; i < 50; ++i) events.push_back(w.Target((*next_house)++));
    for (auto& r : l.Append(std::move(events))) {
      if (!r.ok()) return r.status();
      ++*acked;
    }
  }
  return OkStatus();
}

// Retries one new household's targeting until it is accepted (appends
// resume within the writer's 250 ms retry interval) or 10 s pass.
StatusOr<AppendResult> AppendWhenResumed(Ledger& l, World& w, int house) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  Status last;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = l.Append({w.Target(house)});
    if (r[0].ok()) return r[0];
    last = r[0].status();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return last;
}

class DiskFull : public ::testing::TestWithParam<std::string> {};

TEST_P(DiskFull, PausesAppendsKeepsReadsAndResumesByItself) {
  MOUNT_OR_SKIP(scratch, GetParam(), 64);
  const std::string dir = scratch.Path("store");
  World w;
  Counters counters;
  LedgerOptions o;
  o.min_free_bytes = 0;   // no floor: RocksDB itself meets ENOSPC
  o.block_cache_bytes = 8 << 20;
  counters.Hook(o);
  auto l = w.Create(dir, o);
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  testing::AppendOk(**l, w.Bootstrap());
  scratch.Fill(1 << 20);

  int house = 1;
  uint64_t acked = 3;
  const Status full = AppendUntilFull(**l, w, &house, &acked);
  ASSERT_FALSE(full.ok()) << "the file system never filled";
  EXPECT_EQ(full.code(), StatusCode::kUnavailable) << full.ToString();
  EXPECT_EQ(full.reason(), reason::kStoreFull) << full.ToString();
  EXPECT_NE(full.message().find("No space left"), std::string::npos) << full.message();
  EXPECT_EQ(counters.paused.load(), 1);

  // Reads go on; appends keep failing, retryably, while the disk is full.
  EXPECT_EQ((*l)->Size(), acked);
  EXPECT_TRUE((*l)->LeafBytes(acked - 1).ok());
  EXPECT_TRUE((*l)->LatestCheckpoint().ok());
  auto again = (*l)->Append({w.Target(house++)});
  ASSERT_FALSE(again[0].ok());
  EXPECT_EQ(again[0].status().reason(), reason::kStoreFull) << again[0].status().ToString();

  scratch.Unfill();
  auto resumed = AppendWhenResumed(**l, w, house++);
  ASSERT_TRUE(resumed.ok()) << "appends did not resume: " << resumed.status().ToString();
  EXPECT_EQ(resumed->seq, acked) << "the first event after the pause takes the next seq";
  EXPECT_EQ(counters.resumed.load(), 1);
  ++acked;
  for (int i = 0; i < 5; ++i, ++acked) testing::AppendOk(**l, {w.Target(house++)});
  EXPECT_TRUE((*l)->Poisoned().ok());
  EXPECT_EQ((*l)->Size(), acked);
  l->reset();
  ExpectVerifies(dir, acked);
}

// The crash at b295061 came at shutdown too (SIGTERM once full): closing
// while full and reopening while full must be clean, and nothing
// acknowledged is lost.
TEST_P(DiskFull, ClosingAndReopeningWhileFullIsClean) {
  MOUNT_OR_SKIP(scratch, GetParam(), 64);
  const std::string dir = scratch.Path("store");
  World w;
  LedgerOptions o;
  o.min_free_bytes = 0;
  o.block_cache_bytes = 8 << 20;
  int house = 1;
  uint64_t acked = 3;
  {
    auto l = w.Create(dir, o);
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    testing::AppendOk(**l, w.Bootstrap());
    scratch.Fill(1 << 20);
    const Status full = AppendUntilFull(**l, w, &house, &acked);
    ASSERT_FALSE(full.ok()) << "the file system never filled";
    EXPECT_EQ(full.reason(), reason::kStoreFull) << full.ToString();
  }   // closed while full
  {
    auto l = w.Open(dir, o);
    if (l.ok()) {
      EXPECT_EQ((*l)->Size(), acked);
    } else {
      EXPECT_EQ(l.status().reason(), reason::kStoreFull) << l.status().ToString();
    }
  }
  scratch.Unfill();
  auto l = w.Open(dir, o);
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_EQ((*l)->Size(), acked);
  testing::AppendOk(**l, {w.Target(house++)});
  ++acked;
  l->reset();
  ExpectVerifies(dir, acked);
}

INSTANTIATE_TEST_SUITE_P(Fs, DiskFull, ::testing::Values("tmpfs", "ext4"),
                         [](const auto& info) { return info.param; });

// Below the floor appends fail before RocksDB meets ENOSPC, without
// pausing the writer: they go on as soon as space is back.
TEST(FreeSpaceFloor, RefusesAppendsBelowItAndAcceptsThemOnceSpaceIsBack) {
  MOUNT_OR_SKIP(scratch, "tmpfs", 64);
  const std::string dir = scratch.Path("store");
  World w;
  Counters counters;
  LedgerOptions o;
  o.min_free_bytes = 16 << 20;
  o.block_cache_bytes = 8 << 20;
  counters.Hook(o);
  auto l = w.Create(dir, o);
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  testing::AppendOk(**l, w.Bootstrap());
  scratch.Fill(12 << 20);
  auto refused = (*l)->Append({w.Target(1)});
  ASSERT_FALSE(refused[0].ok());
  EXPECT_EQ(refused[0].status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(refused[0].status().reason(), reason::kStoreFull);
  EXPECT_NE(refused[0].status().message().find("below the free-space floor of 16.0 MiB"), std::string::npos)
      << refused[0].status().message();
  EXPECT_TRUE((*l)->Poisoned().ok()) << "the floor refuses appends; it does not stop the writer";
  EXPECT_EQ(counters.paused.load(), 1);
  EXPECT_EQ((*l)->Size(), 3u);
  scratch.Unfill();
  auto accepted = (*l)->Append({w.Target(2)});
  ASSERT_TRUE(accepted[0].ok()) << accepted[0].status().ToString();
  EXPECT_EQ(accepted[0]->seq, 3u);
  EXPECT_EQ(counters.resumed.load(), 1);
  l->reset();
  ExpectVerifies(dir, 4);
}

// At b295061 RocksDB preallocated about 70 MiB for its WAL: ten events took
// all 43 MB left on a 64 MiB ext4. Now they take what they write.
TEST(Preallocation, TenEventsTakeLittleSpaceOnExt4) {
  MOUNT_OR_SKIP(scratch, "ext4", 64);
  const uint64_t before = scratch.Free();
  World w;
  LedgerOptions o;
  o.min_free_bytes = 0;
  o.block_cache_bytes = 8 << 20;
  auto l = w.Create(scratch.Path("store"), o);
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  testing::AppendOk(**l, w.Bootstrap());
  std::vector<std::string> events;
  for (int i = 0; i < 10; ++i) events.push_back(w.Target(i));
  testing::AppendOk(**l, std::move(events));
  const uint64_t used = before - scratch.Free();
  EXPECT_LT(used, uint64_t{4} << 20) << used << " bytes used by a store of 13 events";
}

}  // namespace
}  // namespace ledger
