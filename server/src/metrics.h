// Metric primitives for ledgerd's GET /metrics and their exposition in the
// Prometheus text format (version 0.0.4), written by prometheus-cpp's
// TextSerializer (Debian's prometheus-cpp-dev; only metrics.cc includes it).
//
//   MetricCounter appends;                 appends.Add(n);          // relaxed atomics
//   LabeledCounter rejections;             rejections.Add("PUSHBACK", 3);
//   DurationHistogram latency(LatencyBuckets());  latency.ObserveSince(started);
//
//   Exposition e;
//   e.Counter("ledger_appends_total", "Events stored.", appends.Value());
//   e.Counters("ledger_append_rejections_total", "Events refused.", "reason", rejections);
//   e.Histograms("ledger_append_duration_seconds", "...", {{{}, latency.Read()}});
//   std::string body = e.Text();           // served as kMetricsContentType
//
// Updating takes no lock: one relaxed fetch_add per counter (a labeled
// counter first finds its label's slot in a fixed table; only the first
// use of a label, while another thread is claiming that slot, waits for
// that thread's two stores), two per histogram observation (its bucket and
// the sum; the count is the buckets' total). Reading (a scrape) sees each
// value as it is at that moment, not one snapshot of all.
//
// Exposition checks names (metric and label names of the format; a
// counter's name ends in _total) and escapes label values and help texts
// (backslash, double quote in label values, newline); a family may be added
// only once.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ledger::net {

inline constexpr char kMetricsContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// A count that only goes up. Padded to its own cache line, so that counters
// updated by different threads do not share one.
class MetricCounter {
 public:
  void Add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  alignas(64) std::atomic<uint64_t> value_{0};
};

// Counts by one label's value (a reason, an HTTP status), for a bounded set
// of values known to the program (reason constants, status codes; never
// user input): a fixed table of kSlots, open addressing, each slot claimed
// once with a compare-and-swap. Values longer than kMaxLabel bytes, and new
// values once the table is full, are counted under "other".
class LabeledCounter {
 public:
  static constexpr size_t kSlots = 128;
  static constexpr size_t kMaxLabel = 47;

  void Add(std::string_view label, uint64_t n = 1);
  // Every label counted so far (its count may be 0 only if n was), sorted.
  std::vector<std::pair<std::string, uint64_t>> Values() const;

 private:
  struct Slot {
    // 0 free, 1 being claimed (label being written), 2 ready.
    std::atomic<uint8_t> state{0};
    uint8_t length = 0;
    char label[kMaxLabel] = {};
    std::atomic<uint64_t> value{0};
  };
  std::array<Slot, kSlots> slots_;
  std::atomic<uint64_t> other_{0};
};

// A histogram of durations with fixed bucket bounds in seconds (ascending,
// finite; +Inf is implied). Each observation adds to one bucket; Read()
// makes them cumulative, as the format wants.
class DurationHistogram {
 public:
  explicit DurationHistogram(std::vector<double> upper_bounds_seconds);

  void Observe(std::chrono::nanoseconds d);
  void ObserveSince(std::chrono::steady_clock::time_point start) {
    Observe(std::chrono::steady_clock::now() - start);
  }

  struct Snapshot {
    std::vector<double> upper_bounds;   // seconds, without +Inf
    std::vector<uint64_t> cumulative;   // one per bound: observations <= it
    uint64_t count = 0;                 // all observations (the +Inf bucket)
    double sum_seconds = 0;
  };
  Snapshot Read() const;

 private:
  std::vector<double> bounds_;
  std::vector<int64_t> bounds_ns_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;   // bounds_.size() + 1: the last is +Inf
  std::atomic<uint64_t> sum_ns_{0};
};

// Bucket bounds (seconds) for request latencies: 100 µs to 10 s.
const std::vector<double>& LatencyBuckets();

struct MetricLabel {
  std::string name;
  std::string value;
};
using MetricLabels = std::vector<MetricLabel>;

// The text of one scrape. Each call adds one family (all its samples);
// Text() renders them in the order added.
class Exposition {
 public:
  Exposition();
  ~Exposition();
  Exposition(const Exposition&) = delete;
  Exposition& operator=(const Exposition&) = delete;

  void Counter(const std::string& name, const std::string& help, double value, MetricLabels labels = {});
  void Gauge(const std::string& name, const std::string& help, double value, MetricLabels labels = {});
  // A counter or gauge family with one sample per (value of label
  // `label_name`, value).
  using LabeledValues = std::vector<std::pair<std::string, double>>;
  void Counters(const std::string& name, const std::string& help, const std::string& label_name,
                const LabeledValues& values);
  void Gauges(const std::string& name, const std::string& help, const std::string& label_name,
              const LabeledValues& values);
  // The same from a labeled counter; the labels in `always` get a sample
  // (0) even before they are counted.
  void Counters(const std::string& name, const std::string& help, const std::string& label_name,
                const LabeledCounter& counter, const std::vector<std::string>& always = {});
  // A histogram family with one sample per (labels, snapshot).
  void Histograms(const std::string& name, const std::string& help,
                  const std::vector<std::pair<MetricLabels, DurationHistogram::Snapshot>>& series);

  std::string Text() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace ledger::net
