// The metric primitives and their Prometheus text exposition
// (server/src/metrics.h): exact output, escaping, cumulative histogram
// buckets, names refused, and counters updated from many threads at once.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "metrics.h"

namespace ledger::net {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST(MetricsWriterTest, CountersAndGaugesWithHelpAndTypeLines) {
  Exposition e;
  e.Counter("ledger_things_total", "Things done.", 42);
  e.Gauge("ledger_queue_events", "Events queued.", 7.5, {{"queue", "append"}});
  e.Gauges("ledger_connections", "By state.", "state", {{"pending", 1}, {"identified", 2}});
  EXPECT_EQ(e.Text(),
            "# HELP ledger_things_total Things done.\n"
            "# TYPE ledger_things_total counter\n"
            "ledger_things_total 42\n"
            "# HELP ledger_queue_events Events queued.\n"
            "# TYPE ledger_queue_events gauge\n"
            "ledger_queue_events{queue=\"append\"} 7.5\n"
            "# HELP ledger_connections By state.\n"
            "# TYPE ledger_connections gauge\n"
            "ledger_connections{state=\"pending\"} 1\n"
            "ledger_connections{state=\"identified\"} 2\n");
  EXPECT_STREQ(kMetricsContentType, "text/plain; version=0.0.4; charset=utf-8");
}

TEST(MetricsWriterTest, LabelValuesAndHelpAreEscaped) {
  Exposition e;
  e.Counter("ledger_odd_total", "A help text with a back\\slash\nand a newline.", 1,
            {{"reason", "quote \" backslash \\ newline \n end"}});
  EXPECT_EQ(e.Text(),
            "# HELP ledger_odd_total A help text with a back\\\\slash\\nand a newline.\n"
            "# TYPE ledger_odd_total counter\n"
            "ledger_odd_total{reason=\"quote \\\" backslash \\\\ newline \\n end\"} 1\n");
}

TEST(MetricsWriterTest, LabeledCountersAreSortedAndAlwaysLabelsStartAtZero) {
  LabeledCounter c;
  c.Add("WRONG_AGENCY");
  c.Add("KEY_REVOKED", 3);
  c.Add("WRONG_AGENCY", 2);
  Exposition e;
  e.Counters("ledger_rejections_total", "Refused.", "reason", c, {"PUSHBACK", "KEY_REVOKED"});
  EXPECT_EQ(e.Text(),
            "# HELP ledger_rejections_total Refused.\n"
            "# TYPE ledger_rejections_total counter\n"
            "ledger_rejections_total{reason=\"KEY_REVOKED\"} 3\n"
            "ledger_rejections_total{reason=\"PUSHBACK\"} 0\n"
            "ledger_rejections_total{reason=\"WRONG_AGENCY\"} 3\n");
}

TEST(MetricsWriterTest, HistogramBucketsAreCumulativeAndInfIsTheCount) {
  DurationHistogram h({0.001, 0.01, 0.1});
  h.Observe(microseconds(500));   // le 0.001
  h.Observe(milliseconds(1));     // exactly on a bound: le 0.001
  h.Observe(milliseconds(5));     // le 0.01
  h.Observe(milliseconds(500));   // +Inf only
  h.Observe(std::chrono::nanoseconds(-5));   // clamped to 0
  DurationHistogram::Snapshot s = h.Read();
  EXPECT_EQ(s.cumulative, (std::vector<uint64_t>{3, 4, 4}));
  EXPECT_EQ(s.count, 5u);
  EXPECT_DOUBLE_EQ(s.sum_seconds, 0.5065);
  Exposition e;
  e.Histograms("ledger_wait_seconds", "Waits.", {{{{"kind", "a"}}, s}, {{{"kind", "b"}}, DurationHistogram({1}).Read()}});
  EXPECT_EQ(e.Text(),
            "# HELP ledger_wait_seconds Waits.\n"
            "# TYPE ledger_wait_seconds histogram\n"
            "ledger_wait_seconds_count{kind=\"a\"} 5\n"
            "ledger_wait_seconds_sum{kind=\"a\"} 0.5065\n"
            "ledger_wait_seconds_bucket{kind=\"a\",le=\"0.001\"} 3\n"
            "ledger_wait_seconds_bucket{kind=\"a\",le=\"0.01\"} 4\n"
            "ledger_wait_seconds_bucket{kind=\"a\",le=\"0.1\"} 4\n"
            "ledger_wait_seconds_bucket{kind=\"a\",le=\"+Inf\"} 5\n"
            "ledger_wait_seconds_count{kind=\"b\"} 0\n"
            "ledger_wait_seconds_sum{kind=\"b\"} 0\n"
            "ledger_wait_seconds_bucket{kind=\"b\",le=\"1\"} 0\n"
            "ledger_wait_seconds_bucket{kind=\"b\",le=\"+Inf\"} 0\n");
}

TEST(MetricsWriterTest, LatencyBucketsAscendFrom100MicrosecondsTo10Seconds) {
  const std::vector<double>& b = LatencyBuckets();
  ASSERT_FALSE(b.empty());
  EXPECT_DOUBLE_EQ(b.front(), 0.0001);
  EXPECT_DOUBLE_EQ(b.back(), 10);
  EXPECT_TRUE(std::is_sorted(b.begin(), b.end()));
  EXPECT_THROW(DurationHistogram({0.1, 0.01}), std::logic_error);
  EXPECT_THROW(DurationHistogram({0.1, 0.1}), std::logic_error);
}

TEST(MetricsWriterTest, BadNamesAndRepeatedFamiliesAreRefused) {
  Exposition e;
  EXPECT_THROW(e.Counter("ledger_appends", "a counter without _total", 1), std::logic_error);
  EXPECT_THROW(e.Gauge("ledger-queue", "a dash", 1), std::logic_error);
  EXPECT_THROW(e.Gauge("9lives", "a digit first", 1), std::logic_error);
  EXPECT_THROW(e.Gauge("ledger_x", "a bad label name", 1, {{"bad-label", "v"}}), std::logic_error);
  EXPECT_THROW(e.Gauge("ledger_y", "le is the histograms'", 1, {{"le", "1"}}), std::logic_error);
  e.Gauge("ledger_z", "once", 1);
  EXPECT_THROW(e.Gauge("ledger_z", "twice", 2), std::logic_error);
}

TEST(MetricsWriterTest, CountersFromManyThreadsAddUpExactly) {
  MetricCounter plain;
  LabeledCounter labeled;
  DurationHistogram h(LatencyBuckets());
  const std::vector<std::string> reasons = {"A", "B", "C", "D", "E", "F", "G", "H"};
  constexpr int kThreads = 4, kEach = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        plain.Add();
        labeled.Add(reasons[(i + t) % reasons.size()]);
        h.Observe(microseconds(i % 2000));
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(plain.Value(), uint64_t{kThreads} * kEach);
  auto values = labeled.Values();
  ASSERT_EQ(values.size(), reasons.size());
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(values[i].first, reasons[i]);
    EXPECT_EQ(values[i].second, uint64_t{kThreads} * kEach / reasons.size());
  }
  EXPECT_EQ(h.Read().count, uint64_t{kThreads} * kEach);
}

TEST(MetricsWriterTest, LabelsPastTheTableOrTooLongCountAsOther) {
  LabeledCounter c;
  for (size_t i = 0; i < LabeledCounter::kSlots + 5; ++i) c.Add("R" + std::to_string(i));
  c.Add(std::string(LabeledCounter::kMaxLabel + 1, 'X'), 2);
  c.Add(std::string(LabeledCounter::kMaxLabel, 'Y'));
  auto values = c.Values();
  uint64_t total = 0, other = 0;
  for (const auto& [label, n] : values) {
    total += n;
    if (label == "other") other = n;
  }
  EXPECT_EQ(values.size(), LabeledCounter::kSlots + 1);   // every slot, and "other"
  EXPECT_EQ(total, LabeledCounter::kSlots + 5 + 2 + 1);
  EXPECT_EQ(other, 5u + 2 + 1);   // the ones past the table, the long one; the table was full for Y too
}

}  // namespace
}  // namespace ledger::net
