// WriteFileDurably, DurableFile and AppendFileDurably (ledger/durable_file.h):
// content, modes of new and replaced files, exclusive writes, atomic
// replacement, and no temporary file left behind after success or failure.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "ledger/durable_file.h"
#include "ledger/reasons.h"
#include "support/run_command.h"
#include "support/test_ledger.h"

namespace ledger {
namespace {

namespace fs = std::filesystem;
using testing::ReadWholeFile;
using testing::TempDir;

int Mode(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

ino_t Inode(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_ino;
}

// The names in `dir`, sorted.
std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(DurableFileTest, WritesNewFileWithContentAndDefaultMode) {
  TempDir dir;
  const std::string path = dir.Sub("chart.svg");
  ASSERT_TRUE(WriteFileDurably(path, "<svg/>\n").ok());
  EXPECT_EQ(ReadWholeFile(path), "<svg/>\n");
  EXPECT_EQ(Mode(path), 0644);
  EXPECT_EQ(Names(dir.path()), std::vector<std::string>{"chart.svg"});
}

TEST(DurableFileTest, ModeIsExactWhateverTheUmask) {
  TempDir dir;
  const mode_t old = ::umask(077);
  Status pub = WriteFileDurably(dir.Sub("a.crt"), "cert");
  ::umask(0);
  Status secret = WriteFileDurably(dir.Sub("a.key"), "key", {.mode = 0600});
  ::umask(old);
  ASSERT_TRUE(pub.ok()) << pub.ToString();
  ASSERT_TRUE(secret.ok()) << secret.ToString();
  EXPECT_EQ(Mode(dir.Sub("a.crt")), 0644);
  EXPECT_EQ(Mode(dir.Sub("a.key")), 0600);
}

TEST(DurableFileTest, SecretReplacingA0644FileIs0600) {
  TempDir dir;
  const std::string path = dir.Sub("server.pem");
  ASSERT_TRUE(WriteFileDurably(path, "old public-looking file\n").ok());
  ASSERT_EQ(Mode(path), 0644);
  ASSERT_TRUE(WriteFileDurably(path, "secret\n", {.mode = 0600}).ok());
  EXPECT_EQ(ReadWholeFile(path), "secret\n");
  EXPECT_EQ(Mode(path), 0600);
  // And back: a replaced file takes the mode asked for, not the old one.
  ASSERT_TRUE(WriteFileDurably(path, "public\n").ok());
  EXPECT_EQ(Mode(path), 0644);
  EXPECT_EQ(Names(dir.path()), std::vector<std::string>{"server.pem"});
}

TEST(DurableFileTest, ReplacesWithShorterContent) {
  TempDir dir;
  const std::string path = dir.Sub("state.json");
  ASSERT_TRUE(WriteFileDurably(path, std::string(10000, 'x')).ok());
  ASSERT_TRUE(WriteFileDurably(path, "{}\n").ok());
  EXPECT_EQ(ReadWholeFile(path), "{}\n");  // no tail of the old content
}

TEST(DurableFileTest, ExclusiveRefusesAnExistingFileAndLeavesIt) {
  TempDir dir;
  const std::string path = dir.Sub("ca.key");
  ASSERT_TRUE(WriteFileDurably(path, "first", {.mode = 0600, .exclusive = true}).ok());
  Status s = WriteFileDurably(path, "second", {.mode = 0600, .exclusive = true});
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(s.reason(), reason::kFileExists);
  EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
  EXPECT_EQ(ReadWholeFile(path), "first");
  EXPECT_EQ(Names(dir.path()), std::vector<std::string>{"ca.key"});
}

TEST(DurableFileTest, ExclusiveCommitLosesARaceWithoutTouchingTheWinner) {
  TempDir dir;
  const std::string path = dir.Sub("out.pem");
  auto file = DurableFile::Create(path, {.mode = 0600, .exclusive = true});
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_TRUE(file->Append("loser").ok());
  ASSERT_TRUE(WriteFileDurably(path, "winner").ok());  // appears between Create and Commit
  Status s = file->Commit();
  EXPECT_EQ(s.reason(), reason::kFileExists) << s.ToString();
  EXPECT_EQ(ReadWholeFile(path), "winner");
  EXPECT_EQ(Names(dir.path()), std::vector<std::string>{"out.pem"});
}

TEST(DurableFileTest, StreamedFileAppearsOnlyOnCommit) {
  TempDir dir;
  const std::string path = dir.Sub("events.jsonl");
  std::string expected;
  {
    auto file = DurableFile::Create(path);
    ASSERT_TRUE(file.ok());
    for (int i = 0; i < 20000; ++i) {  // more than the buffer holds
      std::string line = "{\"n\":" + std::to_string(i) + "}\n";
      expected += line;
      ASSERT_TRUE(file->Append(line).ok());
    }
    EXPECT_FALSE(fs::exists(path));
    ASSERT_EQ(Names(dir.path()).size(), 1u);  // the temporary file
    ASSERT_TRUE(file->Commit().ok());
  }
  EXPECT_EQ(ReadWholeFile(path), expected);
  EXPECT_EQ(Names(dir.path()), std::vector<std::string>{"events.jsonl"});
}

TEST(DurableFileTest, AbandonedFileLeavesTheOldOneAndNoTemporary) {
  TempDir dir;
  const std::string path = dir.Sub("manifest.json");
  ASSERT_TRUE(WriteFileDurably(path, "old").ok());
  {
    auto file = DurableFile::Create(path);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE(file->Append(std::string(200000, 'n')).ok());
  }  // destroyed without Commit: a failure half-way through
  EXPECT_EQ(ReadWholeFile(path), "old");
  EXPECT_EQ(Names(dir.path()), std::vector<std::string>{"manifest.json"});
}

TEST(DurableFileTest, FailureAtRenameLeavesNoTemporary) {
  // The target is a non-empty directory: everything succeeds but the rename.
  TempDir dir;
  const std::string path = dir.Sub("taken");
  fs::create_directories(path + "/inside");
  Status s = WriteFileDurably(path, "bytes");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.reason(), reason::kWriteFailed);
  EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("rename"), std::string::npos) << s.message();
  EXPECT_EQ(Names(dir.path()), std::vector<std::string>{"taken"});
}

TEST(DurableFileTest, MissingDirectoryIsAClearError) {
  TempDir dir;
  const std::string path = dir.Sub("no/such/dir/file");
  Status s = WriteFileDurably(path, "bytes", {.failure_reason = reason::kStateWrite});
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.reason(), reason::kStateWrite);
  EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(std::strerror(ENOENT)), std::string::npos) << s.message();
  EXPECT_TRUE(Names(dir.path()).empty());
}

TEST(DurableFileTest, UnwritableDirectoryFailsAndLeavesNothing) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes into a 0500 directory anyway";
  TempDir dir;
  const std::string sub = dir.Sub("ro");
  fs::create_directories(sub);
  ASSERT_TRUE(WriteFileDurably(sub + "/keep", "old").ok());
  ASSERT_EQ(::chmod(sub.c_str(), 0500), 0);
  Status s = WriteFileDurably(sub + "/keep", "new");
  Status t = WriteFileDurably(sub + "/fresh", "new");
  ::chmod(sub.c_str(), 0700);
  EXPECT_EQ(s.reason(), reason::kWriteFailed);
  EXPECT_NE(s.message().find(std::strerror(EACCES)), std::string::npos) << s.message();
  EXPECT_EQ(t.reason(), reason::kWriteFailed);
  EXPECT_EQ(ReadWholeFile(sub + "/keep"), "old");
  EXPECT_EQ(Names(sub), std::vector<std::string>{"keep"});
}

TEST(DurableFileTest, ReplacesAtomically) {
  TempDir dir;
  const std::string path = dir.Sub("trust.json");
  const std::string a(100000, 'a'), b(150000, 'b');
  ASSERT_TRUE(WriteFileDurably(path, a).ok());
  // An open reader keeps the old file whole: the new one is another inode.
  const ino_t before = Inode(path);
  std::ifstream old_reader(path, std::ios::binary);
  ASSERT_TRUE(WriteFileDurably(path, b).ok());
  EXPECT_NE(Inode(path), before);
  std::string old_content((std::istreambuf_iterator<char>(old_reader)), std::istreambuf_iterator<char>());
  EXPECT_EQ(old_content, a);

  // Readers racing a writer see one version or the other, whole.
  std::atomic<bool> done{false};
  int failures = 0;
  std::thread writer([&] {
    for (int i = 0; i < 200; ++i) failures += WriteFileDurably(path, i % 2 ? a : b).ok() ? 0 : 1;
    done = true;
  });
  int reads = 0;
  int torn = 0;
  while (!done) {
    const std::string seen = ReadWholeFile(path);
    if (seen != a && seen != b) ++torn;
    ++reads;
  }
  EXPECT_EQ(torn, 0) << "of " << reads << " reads";
  writer.join();
  EXPECT_EQ(failures, 0);
  EXPECT_GT(reads, 0);
  EXPECT_EQ(Names(dir.path()), std::vector<std::string>{"trust.json"});
}

TEST(DurableFileTest, AppendCreatesWithModeAndAppends) {
  TempDir dir;
  const std::string path = dir.Sub("queue.jsonl");
  ASSERT_TRUE(AppendFileDurably(path, "one\n", {.mode = 0600}).ok());
  ASSERT_TRUE(AppendFileDurably(path, "two\n", {.mode = 0600}).ok());
  EXPECT_EQ(ReadWholeFile(path), "one\ntwo\n");
  EXPECT_EQ(Mode(path), 0600);
  Status s = AppendFileDurably(dir.Sub("missing/queue"), "x", {.failure_reason = reason::kQueueWrite});
  EXPECT_EQ(s.reason(), reason::kQueueWrite);
  EXPECT_NE(s.message().find("missing/queue"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace ledger
