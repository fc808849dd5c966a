// The figures one ledger-bench run gathers, and the summary that sets each
// against its baseline measured in the same run.
//
//   Results r;
//   r.Add("append.raw", 371'000);             // one sample per repetition
//   r.Add("append.ledger", 204'000);
//   r.AddRatio({"embedded append", "append.ledger", "append.raw", "events/s", 0.5, 0.8});
//   r.AddLimit({"inclusion proof p50, 1M", "proof.incl.1000000.p50", "µs", 50});
//   r.Print(std::cout, /*json=*/false);      // medians, ratios, goals
//
// A figure recorded several times (repetitions) is reported as its median.
// A ratio whose two figures were not both measured (filtered out) is left
// out of the summary.
//
// Thread-safety: none; benchmarks run one at a time.
#pragma once

#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace ledger::bench {

struct RatioSpec {
  std::string label;      // what is compared, e.g. "embedded append, unsigned"
  std::string figure;     // key of the measured figure
  std::string baseline;   // key of the baseline figure
  std::string unit;       // of both figures, e.g. "events/s"
  double goal = 0;        // ratio to reach (0: none)
  double stretch = 0;     // stretch goal (0: none)
};

// A figure with a goal on its own value, e.g. a latency below 50 µs, or a
// rate of at least 1 M events/s.
struct LimitSpec {
  std::string label;
  std::string figure;
  std::string unit;
  double max = 0;         // the figure must stay below this (0: no goal, just reported)
  double min = 0;         // the figure must reach at least this (0: no such goal)
};

class Results {
 public:
  void Add(const std::string& key, double value) { samples_[key].push_back(value); }
  // Replaces the samples: for benchmarks Google Benchmark calls several
  // times while it sizes the iteration count (the last call is reported).
  void Set(const std::string& key, double value) { samples_[key] = {value}; }
  void AddRatio(RatioSpec spec) { ratios_.push_back(std::move(spec)); }
  void AddLimit(LimitSpec spec) { limits_.push_back(std::move(spec)); }
  void Note(std::string text) { notes_.push_back(std::move(text)); }

  bool Has(const std::string& key) const { return samples_.count(key) > 0; }
  // Median of the samples; 0 if none.
  double Median(const std::string& key) const;
  size_t Samples(const std::string& key) const;

  void Print(std::ostream& out, bool json) const;

 private:
  std::map<std::string, std::vector<double>> samples_;
  std::vector<RatioSpec> ratios_;
  std::vector<LimitSpec> limits_;
  std::vector<std::string> notes_;
};

}  // namespace ledger::bench
