// Crash safety (DESIGN.md §5): nothing acknowledged is ever lost and a crash
// mid-batch leaves no partial batch. Each round runs crash_child (a writer
// appending from several threads) on the same store, collects the events it
// acknowledged through a pipe, SIGKILLs it at a random moment, and then
// reopens the store and checks it from the leaves up: acknowledged events are
// present with their acknowledged hashes, seqs are gap-free, chain links
// hold, the Merkle tiles agree with a tree rebuilt from the leaf bytes, and
// the latest checkpoint is signed, exactly at the tree size, over that root.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "ledger/event.h"
#include "ledger/merkle.h"
#include "tree/merkle_tiles.h"
#include "ledger/note.h"
#include "support/test_ledger.h"

#include "ledger/verify.h"

namespace ledger {
namespace {

using testing::TempDir;
using testing::World;
using Clock = std::chrono::steady_clock;

constexpr int kRounds = 24;
constexpr std::chrono::seconds kMaxStartup{20};
const char* const kChildBinary = LEDGER_BINARY_DIR "/tests/crash_child";

struct ChildRun {
  std::vector<std::pair<uint64_t, Hash>> acked;  // in the order the child wrote them
  int wait_status = 0;
  std::string error;                             // pipe protocol problems
};

// Parses complete "<seq> <hex hash>\n" lines out of `buffer`, keeping a
// trailing partial line.
void TakeLines(std::string* buffer, ChildRun* run) {
  size_t start = 0;
  for (size_t nl; (nl = buffer->find('\n', start)) != std::string::npos; start = nl + 1) {
    std::string line = buffer->substr(start, nl - start);
    size_t space = line.find(' ');
    auto hash = space == std::string::npos ? StatusOr<Hash>(InvalidArgumentError("no space"))
                                           : HashFromHex(line.substr(space + 1));
    if (!hash.ok() || space == 0) {
      run->error = "malformed line from crash_child: '" + line + "'";
      continue;
    }
    run->acked.emplace_back(std::stoull(line.substr(0, space)), *hash);
  }
  buffer->erase(0, start);
}

// Starts crash_child on `dir`, reads what it acknowledges for `delay`
// (counted from its first acknowledgement when `after_first_ack`, so that a
// slow start on a loaded machine does not eat the time), SIGKILLs it, reads
// what it wrote before dying, and reaps it.
ChildRun RunAndKill(const std::string& dir, uint64_t seed, std::chrono::milliseconds delay, bool after_first_ack) {
  ChildRun run;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    run.error = "pipe2 failed";
    return run;
  }
  std::string fd_arg = std::to_string(fds[1]);
  std::string seed_arg = std::to_string(seed);
  std::vector<char*> argv = {const_cast<char*>(kChildBinary), const_cast<char*>(dir.c_str()),
                             fd_arg.data(), seed_arg.data(), nullptr};
  pid_t pid = ::fork();
  if (pid == 0) {
    // Only async-signal-safe calls until exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::fcntl(fds[1], F_SETFD, 0);  // the write end survives exec
    ::execv(kChildBinary, argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  if (pid < 0) {
    ::close(fds[0]);
    run.error = "fork failed";
    return run;
  }

  std::string buffer;
  char chunk[1 << 16];
  auto read_some = [&](int timeout_ms) -> bool {  // false at EOF
    pollfd p{fds[0], POLLIN, 0};
    int r = ::poll(&p, 1, timeout_ms);
    if (r <= 0) return true;
    ssize_t n = ::read(fds[0], chunk, sizeof chunk);
    if (n <= 0) return n < 0 && errno == EINTR;
    buffer.append(chunk, static_cast<size_t>(n));
    TakeLines(&buffer, &run);
    return true;
  };
  auto deadline = Clock::now() + (after_first_ack ? kMaxStartup : delay);
  bool waiting_for_ack = after_first_ack;
  for (auto now = Clock::now(); now < deadline; now = Clock::now()) {
    int ms = static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count());
    if (!read_some(ms)) break;  // the child died on its own
    if (waiting_for_ack && !run.acked.empty()) {
      waiting_for_ack = false;
      deadline = Clock::now() + delay;
    }
  }
  if (waiting_for_ack) run.error = "crash_child acknowledged nothing within " + std::to_string(kMaxStartup.count()) + " s";
  ::kill(pid, SIGKILL);
  while (read_some(-1)) {
  }
  ::close(fds[0]);
  ::waitpid(pid, &run.wait_status, 0);
  if (!buffer.empty()) run.error = "crash_child wrote a partial line: '" + buffer + "'";
  return run;
}

// Everything the store must satisfy after a crash, checked from the leaves.
// Sets *size to the store's size.
void CheckStore(const std::string& dir, const std::map<uint64_t, Hash>& acked, uint64_t* size_out) {
  World w;
  auto opened = w.Open(dir);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Ledger& l = **opened;
  const uint64_t size = l.Size();
  *size_out = size;
  if (!acked.empty()) {
    ASSERT_GE(size, acked.rbegin()->first + 1) << "acknowledged events were lost";
  }

  merkle::TreeBuilder tree;
  Hash prev{};
  std::map<std::string, std::pair<uint64_t, Hash>> heads;  // household -> latest event
  for (uint64_t seq = 0; seq < size; ++seq) {
    auto bytes = l.LeafBytes(seq);
    ASSERT_TRUE(bytes.ok()) << "gap at seq " << seq << ": " << bytes.status().ToString();
    const Hash h = merkle::HashLeaf(AsBytes(*bytes));
    auto stored = l.LeafHash(seq);
    ASSERT_TRUE(stored.ok()) << stored.status().ToString();
    ASSERT_EQ(*stored, h) << "Merkle tile leaf differs from the leaf bytes at seq " << seq;
    if (auto it = acked.find(seq); it != acked.end()) {
      ASSERT_EQ(it->second, h) << "seq " << seq << " differs from what was acknowledged";
    }
    auto e = DecodeEvent(*bytes);
    ASSERT_TRUE(e.ok()) << "seq " << seq << ": " << e.status().ToString();
    ASSERT_EQ(e->seq, seq);
    ASSERT_EQ(e->prev_hash, prev) << "prevHash broken at seq " << seq;
    if (!e->household.empty()) {
      auto it = heads.find(e->household);
      if (it == heads.end()) {
        ASSERT_FALSE(e->household_prev_seq.has_value()) << "seq " << seq;
      } else {
        ASSERT_TRUE(e->household_prev_seq.has_value()) << "seq " << seq;
        ASSERT_EQ(*e->household_prev_seq, it->second.first) << "seq " << seq;
        ASSERT_EQ(e->household_prev_hash, it->second.second) << "seq " << seq;
      }
      heads[e->household] = {seq, h};
    }
    tree.Append(h);
    prev = h;
  }
  EXPECT_FALSE(l.LeafBytes(size).ok());

  auto root = l.RootAt(size);
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  EXPECT_EQ(*root, tree.Root()) << "stored Merkle root differs from the root rebuilt from the leaves";

  // Batches are atomic and carry their checkpoint: the latest one is at the size.
  auto note = l.LatestCheckpoint();
  ASSERT_TRUE(note.ok()) << note.status().ToString();
  auto verifier = NoteVerifier::Parse(l.info().VerifierKey());
  ASSERT_TRUE(verifier.ok()) << verifier.status().ToString();
  auto text = OpenNote(*note, {*verifier});
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  auto cp = ParseCheckpoint(text->text);
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_EQ(cp->origin, l.info().origin);
  EXPECT_EQ(cp->size, size);
  EXPECT_EQ(cp->root, tree.Root());
}

TEST(CrashTest, KilledWriterLosesNothingAcknowledgedAndLeavesNoPartialBatch) {
  TempDir tmp;
  const std::string dir = tmp.Sub("store");
  std::mt19937_64 rng(std::random_device{}());
  std::map<uint64_t, Hash> acked;  // over all rounds
  {
    // Created here: Ledger::Create is not atomic (a kill inside it leaves a
    // directory that is neither empty nor a store), so the rounds start from
    // an empty store and the first child registers the agency and officers.
    World w;
    auto created = w.Create(dir);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
  }
  const auto started = Clock::now();
  int early_rounds = 0;
  uint64_t size = 0;
  for (int round = 0; round < kRounds; ++round) {
    // Every fourth round is killed very early, 0-20 ms after the start
    // (while opening, recovering, resuming the tree or bootstrapping); the
    // others after 20-400 ms of appends.
    bool early = round % 4 == 0;
    auto delay = std::chrono::milliseconds(early ? rng() % 20 : 20 + rng() % 381);
    early_rounds += early;
    ChildRun run = RunAndKill(dir, static_cast<uint64_t>(round + 1), delay, /*after_first_ack=*/!early);
    SCOPED_TRACE("round " + std::to_string(round) + ", killed after " + std::to_string(delay.count()) +
                 " ms, " + std::to_string(run.acked.size()) + " events acknowledged");
    ASSERT_TRUE(run.error.empty()) << run.error;
    ASSERT_TRUE(WIFSIGNALED(run.wait_status) && WTERMSIG(run.wait_status) == SIGKILL)
        << "crash_child ended before it was killed (wait status " << run.wait_status << ")";
    for (const auto& [seq, hash] : run.acked) {
      auto [it, fresh] = acked.emplace(seq, hash);
      ASSERT_TRUE(fresh) << "seq " << seq << " acknowledged twice";
    }
    CheckStore(dir, acked, &size);
    if (::testing::Test::HasFatalFailure()) return;
    // Signatures cannot change in a crash: checked in full after the last round only.
    VerifyOptions verify_options;
    verify_options.check_signatures = round == kRounds - 1;
    auto report = VerifyStore(dir, verify_options);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_TRUE(report->ok) << report->problems_total << " problems, first: "
                            << (report->problems.empty() ? "" : report->problems[0].message);
    EXPECT_EQ(report->events, size);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  // Events durable but not yet acknowledged when the kill came are kept too.
  std::cout << "[ crash    ] " << kRounds << " rounds (" << early_rounds << " killed early), " << acked.size()
            << " events acknowledged, " << size - acked.size() << " more stored unacknowledged, " << seconds
            << " s\n";
  EXPECT_GT(acked.size(), 0u);
}

}  // namespace
}  // namespace ledger
