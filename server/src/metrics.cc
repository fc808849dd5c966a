#include "metrics.h"

#include <prometheus/check_names.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <set>
#include <stdexcept>

namespace ledger::net {

// ---------------------------------------------------------------- LabeledCounter

void LabeledCounter::Add(std::string_view label, uint64_t n) {
  if (label.size() > kMaxLabel) {
    other_.fetch_add(n, std::memory_order_relaxed);
    return;
  }
  const size_t start = std::hash<std::string_view>()(label) % kSlots;
  for (size_t i = 0; i < kSlots; ++i) {
    Slot& s = slots_[(start + i) % kSlots];
    uint8_t state = s.state.load(std::memory_order_acquire);
    if (state == 0) {
      if (s.state.compare_exchange_strong(state, 1, std::memory_order_acquire)) {
        std::memcpy(s.label, label.data(), label.size());
        s.length = static_cast<uint8_t>(label.size());
        s.value.fetch_add(n, std::memory_order_relaxed);
        s.state.store(2, std::memory_order_release);
        return;
      }
      // Another thread claimed it first: `state` is now its value.
    }
    // A slot being claimed is ready after two stores: wait for them.
    while (state == 1) state = s.state.load(std::memory_order_acquire);
    if (std::string_view(s.label, s.length) == label) {
      s.value.fetch_add(n, std::memory_order_relaxed);
      return;
    }
  }
  other_.fetch_add(n, std::memory_order_relaxed);
}

std::vector<std::pair<std::string, uint64_t>> LabeledCounter::Values() const {
  std::vector<std::pair<std::string, uint64_t>> out;
  for (const Slot& s : slots_) {
    if (s.state.load(std::memory_order_acquire) != 2) continue;
    out.emplace_back(std::string(s.label, s.length), s.value.load(std::memory_order_relaxed));
  }
  if (uint64_t other = other_.load(std::memory_order_relaxed); other != 0) out.emplace_back("other", other);
  std::sort(out.begin(), out.end());
  return out;
}

// ---------------------------------------------------------------- DurationHistogram

DurationHistogram::DurationHistogram(std::vector<double> upper_bounds_seconds)
    : bounds_(std::move(upper_bounds_seconds)), buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  if (!std::is_sorted(bounds_.begin(), bounds_.end()) ||
      std::adjacent_find(bounds_.begin(), bounds_.end()) != bounds_.end()) {
    throw std::logic_error("histogram bounds must be strictly ascending");
  }
  for (double b : bounds_) bounds_ns_.push_back(static_cast<int64_t>(b * 1e9 + 0.5));
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void DurationHistogram::Observe(std::chrono::nanoseconds d) {
  const int64_t ns = std::max<int64_t>(0, d.count());
  // The first bound >= ns: Prometheus buckets are "less than or equal".
  const size_t i = std::lower_bound(bounds_ns_.begin(), bounds_ns_.end(), ns) - bounds_ns_.begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<uint64_t>(ns), std::memory_order_relaxed);
}

DurationHistogram::Snapshot DurationHistogram::Read() const {
  Snapshot s;
  s.upper_bounds = bounds_;
  uint64_t running = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  // The count is the buckets' own total, so +Inf equals _count even while
  // observations land during the read.
  s.count = running + buckets_[bounds_.size()].load(std::memory_order_relaxed);
  s.sum_seconds = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
  return s;
}

const std::vector<double>& LatencyBuckets() {
  static const std::vector<double> b = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                        0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5,
                                        5,      10};
  return b;
}

// ---------------------------------------------------------------- Exposition

struct Exposition::Impl {
  std::vector<prometheus::MetricFamily> families;
  std::set<std::string> names;

  // prometheus-cpp 1.0.1 writes HELP verbatim; the format wants backslash
  // and newline escaped there (label values it escapes itself).
  static std::string EscapeHelp(const std::string& help) {
    std::string out;
    for (char c : help) {
      if (c == '\\') {
        out += "\\\\";
      } else if (c == '\n') {
        out += "\\n";
      } else {
        out += c;
      }
    }
    return out;
  }

  prometheus::MetricFamily& Add(const std::string& name, const std::string& help, prometheus::MetricType type) {
    if (!prometheus::CheckMetricName(name)) throw std::logic_error("bad metric name: " + name);
    if (type == prometheus::MetricType::Counter && !name.ends_with("_total")) {
      throw std::logic_error("a counter's name ends in _total: " + name);
    }
    if (!names.insert(name).second) throw std::logic_error("metric family added twice: " + name);
    families.push_back({name, EscapeHelp(help), type, {}});
    return families.back();
  }

  using Series = std::vector<std::pair<MetricLabels, double>>;

  // A counter or gauge family with one sample per (labels, value).
  void AddValues(const std::string& name, const std::string& help, prometheus::MetricType type,
                 const Series& series) {
    auto& f = Add(name, help, type);
    for (const auto& [labels, value] : series) {
      f.metric.push_back(Metric(labels));
      auto& m = f.metric.back();
      (type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value) = value;
    }
  }

  static Series ByLabel(const std::string& label_name, const LabeledValues& values) {
    Series series;
    for (const auto& [label, value] : values) series.push_back({{{label_name, label}}, value});
    return series;
  }

  static prometheus::ClientMetric Metric(const MetricLabels& labels) {
    prometheus::ClientMetric m;
    for (const MetricLabel& l : labels) {
      if (!prometheus::CheckLabelName(l.name) || l.name == "le") throw std::logic_error("bad label name: " + l.name);
      m.label.push_back({l.name, l.value});
    }
    return m;
  }
};

Exposition::Exposition() : impl_(std::make_unique<Impl>()) {}
Exposition::~Exposition() = default;

void Exposition::Counter(const std::string& name, const std::string& help, double value, MetricLabels labels) {
  impl_->AddValues(name, help, prometheus::MetricType::Counter, {{std::move(labels), value}});
}

void Exposition::Gauge(const std::string& name, const std::string& help, double value, MetricLabels labels) {
  impl_->AddValues(name, help, prometheus::MetricType::Gauge, {{std::move(labels), value}});
}

void Exposition::Counters(const std::string& name, const std::string& help, const std::string& label_name,
                          const LabeledValues& values) {
  impl_->AddValues(name, help, prometheus::MetricType::Counter, Impl::ByLabel(label_name, values));
}

void Exposition::Gauges(const std::string& name, const std::string& help, const std::string& label_name,
                        const LabeledValues& values) {
  impl_->AddValues(name, help, prometheus::MetricType::Gauge, Impl::ByLabel(label_name, values));
}

void Exposition::Counters(const std::string& name, const std::string& help, const std::string& label_name,
                          const LabeledCounter& counter, const std::vector<std::string>& always) {
  LabeledValues values;
  for (const auto& [label, value] : counter.Values()) values.emplace_back(label, static_cast<double>(value));
  for (const std::string& label : always) {
    auto at = std::lower_bound(values.begin(), values.end(), LabeledValues::value_type{label, -1.0});
    if (at == values.end() || at->first != label) values.insert(at, {label, 0});
  }
  Counters(name, help, label_name, values);
}

void Exposition::Histograms(const std::string& name, const std::string& help,
                            const std::vector<std::pair<MetricLabels, DurationHistogram::Snapshot>>& series) {
  auto& f = impl_->Add(name, help, prometheus::MetricType::Histogram);
  for (const auto& [labels, snapshot] : series) {
    prometheus::ClientMetric m = Impl::Metric(labels);
    m.histogram.sample_count = snapshot.count;
    m.histogram.sample_sum = snapshot.sum_seconds;
    for (size_t i = 0; i < snapshot.upper_bounds.size(); ++i) {
      m.histogram.bucket.push_back({snapshot.cumulative[i], snapshot.upper_bounds[i]});
    }
    f.metric.push_back(std::move(m));   // the serializer adds le="+Inf" with the count
  }
}

std::string Exposition::Text() const { return prometheus::TextSerializer().Serialize(impl_->families); }

}  // namespace ledger::net
