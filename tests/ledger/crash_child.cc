// crash_child: the victim process of crash_test. Opens (or creates) the store
// in DIR with the keys of tests/support/test_ledger.h World, registers the
// agency and officers when the store is empty, then appends forever from
// several threads in batches of random size until it is killed.
//
//   crash_child DIR PIPE_FD SEED
//
// After each batch is acknowledged (durable), it writes one line per event
// that it stored, "<seq> <hex leaf hash>\n", to PIPE_FD with write(2)
// directly (no buffering), so the parent knows exactly what was promised
// before the kill. Each write holds whole lines and at most PIPE_BUF bytes,
// so it is atomic with respect to the other threads' writes.
//
// The events: each thread targets new households (HouseholdTargeted) and
// visits households it targeted earlier (HouseholdVisited), so every event
// passes the domain rules. SEED must differ between runs on the same store:
// it seeds the EventFactory idempotency keys and picks the house codes
// (1..99: each run has its own range of 100,000 codes).
//
// Exits 1 on any error (with one line on stderr); never exits otherwise.
#include <limits.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/event_mix.h"
#include "support/test_ledger.h"

namespace ledger {
namespace {

constexpr int kMaxThreads = 4;
// Each thread of each run (seed) has its own range of house codes.
constexpr uint64_t kHousesPerThread = 25000;
constexpr uint64_t kHousesPerRun = kHousesPerThread * kMaxThreads;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "crash_child: %s\n", what.c_str());
  std::_Exit(1);
}

// Writes all of `data` (whole lines only) in atomic writes of <= PIPE_BUF bytes.
void WriteLines(int fd, const std::string& data) {
  size_t begin = 0;
  while (begin < data.size()) {
    size_t end = begin;
    // Extend by whole lines while the chunk stays within PIPE_BUF.
    while (end < data.size()) {
      size_t nl = data.find('\n', end);
      if (nl - begin + 1 > PIPE_BUF && end > begin) break;
      end = nl + 1;
    }
    const char* p = data.data() + begin;
    size_t left = end - begin;
    while (left > 0) {
      ssize_t n = ::write(fd, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) Die("write to the pipe failed: " + std::string(std::strerror(errno)));
      p += n;
      left -= static_cast<size_t>(n);
    }
    begin = end;
  }
}

std::string AckLines(const std::vector<AppendOutcome>& outcomes) {
  std::string lines;
  for (const auto& r : outcomes) {
    if (!r.ok()) Die("append failed: " + r.status().ToString());
    if (r->duplicate) Die("append returned a duplicate for a fresh idempotency key");
    lines += std::to_string(r->seq) + " " + ToHex(r->leaf_hash) + "\n";
  }
  return lines;
}

void AppendForever(Ledger* ledger, const testing::World* world, int pipe_fd, uint64_t seed, int thread) {
  testing::EventMix mix(seed * 16 + 1 + static_cast<uint64_t>(thread),
                        thread % 2 == 0 ? world->Officer() : world->Officer2(),
                        seed * kHousesPerRun + static_cast<uint64_t>(thread) * kHousesPerThread, kHousesPerThread);
  std::mt19937_64 rng(seed * 1000 + static_cast<uint64_t>(thread));
  while (true) {
    std::vector<std::string> events = mix.NextBatch(std::uniform_int_distribution<size_t>(1, 50)(rng));
    if (events.empty()) Die("ran out of house codes");
    WriteLines(pipe_fd, AckLines(ledger->Append(std::move(events))));
    mix.Acknowledged();
  }
}

int Run(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: crash_child DIR PIPE_FD SEED\n");
    return 2;
  }
  const std::string dir = argv[1];
  const int pipe_fd = std::atoi(argv[2]);
  const uint64_t seed = std::strtoull(argv[3], nullptr, 10);
  // A parent that went away closes the pipe: die on the next write.
  ::signal(SIGPIPE, SIG_DFL);

  testing::World world;
  world.factory = testing::TrackingFactory(seed * 16);
  std::error_code ec;
  const bool exists = std::filesystem::exists(std::filesystem::path(dir) / "CURRENT", ec);
  auto opened = exists ? world.Open(dir) : world.Create(dir);
  if (!opened.ok()) Die("opening " + dir + ": " + opened.status().ToString());
  std::unique_ptr<Ledger> ledger = std::move(*opened);
  if (ledger->Size() == 0) WriteLines(pipe_fd, AckLines(ledger->Append(world.Bootstrap())));

  std::mt19937_64 rng(seed);
  const int threads = 2 + static_cast<int>(rng() % (kMaxThreads - 1));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back(AppendForever, ledger.get(), &world, pipe_fd, seed, t);
  }
  for (auto& w : workers) w.join();
  return 0;
}

}  // namespace
}  // namespace ledger

int main(int argc, char** argv) { return ledger::Run(argc, argv); }
