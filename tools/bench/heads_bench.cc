#include "heads_bench.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <vector>

#include "ledger/heads.h"
#include "ledger/merkle.h"
#include "timing.h"
#include "tree/heads_map.h"

namespace ledger::bench {

struct HeadsBench::State {
  std::vector<heads::HeadsMap::Entry> entries;   // sorted by key
  heads::HeadsMap map;
  std::vector<Hash> leaves;                      // for the inclusion baseline
};

HeadsBench::HeadsBench(uint64_t households, Results* results) : households_(households), results_(results) {}
HeadsBench::~HeadsBench() = default;

void HeadsBench::Ensure() {
  if (s_) return;
  s_ = std::make_unique<State>();
  std::mt19937_64 rng(42);
  s_->entries.reserve(households_);
  for (uint64_t i = 0; i < households_; ++i) {
    const std::string code = fmt::format("33{:09d}", i);
    heads::Head h;
    h.seq = i * 7 + 3;
    for (auto& b : h.leaf_hash) b = static_cast<uint8_t>(rng());
    h.count = 1 + rng() % 20;
    s_->entries.emplace_back(heads::MapKey(heads::EntityKind::kHousehold, code), h);
  }
  std::sort(s_->entries.begin(), s_->entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  s_->map = *heads::HeadsMap::FromSorted(s_->entries);
}

void HeadsBench::Prove(benchmark::State& state) {
  Ensure();
  std::mt19937_64 rng(7);
  size_t bytes = 0, n = 0;
  for (auto _ : state) {
    const auto& e = s_->entries[rng() % s_->entries.size()];
    std::string proof = heads::EncodeMapProof(s_->map.Prove(e.first));
    benchmark::DoNotOptimize(proof.data());
    bytes += proof.size();
    ++n;
  }
  state.counters["proof_bytes"] = static_cast<double>(bytes) / std::max<size_t>(n, 1);
  state.counters["households"] = static_cast<double>(households_);
  results_->Add("heads.proof_bytes", static_cast<double>(bytes) / std::max<size_t>(n, 1));
}

void HeadsBench::Verify(benchmark::State& state) {
  Ensure();
  const Hash root = s_->map.Root();
  std::vector<std::pair<size_t, std::string>> proofs;
  std::mt19937_64 rng(9);
  for (int i = 0; i < 1024; ++i) {
    size_t k = rng() % s_->entries.size();
    proofs.emplace_back(k, heads::EncodeMapProof(s_->map.Prove(s_->entries[k].first)));
  }
  size_t i = 0;
  for (auto _ : state) {
    const auto& [k, bytes] = proofs[i++ % proofs.size()];
    auto proof = heads::DecodeMapProof(bytes);
    Status s = heads::VerifyHead(root, s_->entries[k].first, s_->entries[k].second, *proof);
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
    benchmark::DoNotOptimize(s);
  }
}

void HeadsBench::InclusionBaseline(benchmark::State& state) {
  Ensure();
  // A tree of `households_` leaves, built in memory once.
  std::vector<std::vector<Hash>> levels(1);
  levels[0].resize(households_);
  for (uint64_t i = 0; i < households_; ++i) levels[0][i] = merkle::HashLeaf(AsBytes(std::to_string(i)));
  auto reader = [&](int level, uint64_t index) -> StatusOr<Hash> {
    while (levels.size() <= static_cast<size_t>(level)) {
      const auto& below = levels.back();
      std::vector<Hash> up(below.size() / 2);
      for (size_t j = 0; j < up.size(); ++j) up[j] = merkle::HashChildren(below[2 * j], below[2 * j + 1]);
      levels.push_back(std::move(up));
    }
    return levels[level][index];
  };
  const Hash root = *merkle::RootAt(households_, reader);
  std::mt19937_64 rng(11);
  std::vector<std::pair<uint64_t, std::vector<Hash>>> proofs;
  for (int i = 0; i < 1024; ++i) {
    uint64_t k = rng() % households_;
    proofs.emplace_back(k, *merkle::InclusionProof(k, households_, reader));
  }
  size_t i = 0;
  for (auto _ : state) {
    const auto& [k, path] = proofs[i++ % proofs.size()];
    Status s = merkle::VerifyInclusion(k, households_, levels[0][k], path, root);
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
    benchmark::DoNotOptimize(s);
  }
}

void HeadsBench::Build(benchmark::State& state, bool batches) {
  Ensure();
  for (auto _ : state) {
    auto start = Clock::now();
    heads::HeadsMap map;
    if (batches) {
      std::vector<heads::HeadsMap::Entry> shuffled = s_->entries;
      std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937_64(3));
      for (size_t i = 0; i < shuffled.size(); i += 1000) {
        map.SetMany(std::span<const heads::HeadsMap::Entry>(shuffled.data() + i,
                                                            std::min<size_t>(1000, shuffled.size() - i)));
      }
    } else {
      map = *heads::HeadsMap::FromSorted(s_->entries);
    }
    state.SetIterationTime(SecondsSince(start));
    if (map.Root() != s_->map.Root()) state.SkipWithError("the rebuilt map differs");
  }
  state.counters["households"] = static_cast<double>(households_);
}

}  // namespace ledger::bench
