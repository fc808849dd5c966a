// The inspector's anomaly scan (anomalies.h) on hand-written ledgers: one
// with exactly one anomaly of each type, found exactly, with the events
// cited; and a clean one with cases just inside every threshold, where
// nothing is found.
#include "ledger/anomalies.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "ledger/projection.h"
#include "support/scripted_ledger.h"

namespace ledger {
namespace {

using testing::Assess;
using testing::Exited;
using testing::ScriptedLedger;
using testing::TempDir;
using testing::Visited;
using testing::Void;
using D = schema::Dimension;
using L = schema::Level;

std::string House(int i) { return fmt::format("330100{:05d}", i); }

std::vector<Anomaly> Scan(Ledger& l, uint64_t size, const AnomalyOptions& o = {}) {
  auto found = FindAnomalies(l, size, o);
  EXPECT_TRUE(found.ok()) << found.status().ToString();
  return found.ok() ? *found : std::vector<Anomaly>{};
}

std::vector<uint64_t> Seqs(const Anomaly& a) {
  std::vector<uint64_t> out;
  for (const AnomalyEvent& e : a.events) out.push_back(e.seq);
  return out;
}

std::string Describe(const std::vector<Anomaly>& found) {
  std::string out;
  for (const Anomaly& a : found) {
    out += fmt::format("{} {} {} [{}] {}\n", AnomalyTypeName(a.type), a.household, a.officer,
                       fmt::join(Seqs(a), ","), a.description);
  }
  return out;
}

TEST(AnomalyTypesTest, NamesRoundTrip) {
  for (int i = 0; i < kAnomalyTypeCount; ++i) {
    auto t = static_cast<AnomalyType>(i);
    EXPECT_EQ(AnomalyTypeFromName(AnomalyTypeName(t)), t);
  }
  EXPECT_EQ(AnomalyTypeName(AnomalyType::kBulkEntryBeforeCutoff), "bulk_entry_before_cutoff");
  EXPECT_FALSE(AnomalyTypeFromName("nonsense").has_value());
}

TEST(AnomaliesTest, FindsExactlyOneOfEachInjectedKind) {
  TempDir dir;
  ScriptedLedger s(dir.path());
  auto at = [&](CivilDate recorded) { s.RecordOn(recorded); };

  at({2021, 10, 5});
  for (int i = 10; i <= 17; ++i) s.Target(s.Off1(), House(i), "330101", {4, 20}, {2021, 10, 5});
  const uint64_t t11 = s.ledger().Size() - 7;   // House(11)'s targeting

  // duplicate_help: the same menu item from two agencies 19 days apart.
  at({2022, 2, 1});
  auto dup1 = s.Give(s.Off1(), House(10), D::INCOME, 20, "INC-07", 100'000, {2022, 2, 1});
  at({2022, 2, 20});
  auto dup2 = s.Give(s.Psd(), House(10), D::LIVING, 0, "INC-07", 100'000, {2022, 2, 20});
  // help_not_targeted: help, then the household's targeting voided.
  at({2022, 2, 25});
  auto orphan = s.Give(s.Off1(), House(11), D::HEALTH, 4, "HLT-01", 5'000, {2022, 2, 25});
  at({2022, 2, 26});
  s.Add(s.Operator(), House(11), {2022, 2, 26}, Void({t11, *s.ledger().LeafHash(t11), false}));
  // level_jump: survive, then sustainable.
  at({2022, 3, 1});
  auto survive = s.Add(s.Off1(), House(15), {2022, 3, 1}, Assess(L::SURVIVE));
  at({2022, 4, 1});
  auto jump = s.Add(s.Off1(), House(15), {2022, 4, 1}, Assess(L::SUSTAINABLE));
  // back_dating: help dated 86 days before it was recorded.
  auto late = s.Give(s.Off1(), House(13), D::HEALTH, 4, "HLT-02", 20'000, {2022, 1, 5});
  // implausible_officer_visits: 16 visits by off-1 on one day.
  at({2022, 5, 10});
  std::vector<uint64_t> visits;
  for (int k = 0; k < 16; ++k) visits.push_back(s.Add(s.Off1(), House(16), {2022, 5, 10}, Visited()).seq);
  // help_after_exit: help on 20 June, then an exit dated 10 June entered on 25 June.
  at({2022, 6, 20});
  auto after_exit = s.Give(s.Off1(), House(12), D::HEALTH, 4, "HLT-03", 7'500, {2022, 6, 20});
  at({2022, 6, 25});
  auto exit = s.Add(s.Off1(), House(12), {2022, 6, 10}, Exited());
  // correction_after_cutoff: help of 1 August voided on 5 October.
  at({2022, 8, 1});
  auto corrected = s.Give(s.Off1(), House(17), D::HEALTH, 4, "HLT-04", 9'000, {2022, 8, 1});
  // bulk_entry_before_cutoff: off-2 enters 25 visits of July on 28 September.
  at({2022, 9, 28});
  std::vector<uint64_t> bulk;
  for (int k = 0; k < 25; ++k) bulk.push_back(s.Add(s.Off2(), House(14), {2022, 7, 1 + k}, Visited()).seq);
  const uint64_t at_cutoff = s.ledger().Size();
  at({2022, 10, 5});
  auto correction = s.Add(s.Off1(), House(17), {2022, 10, 5}, Void(corrected));

  std::vector<Anomaly> found = Scan(s.ledger(), s.ledger().Size());
  ASSERT_EQ(found.size(), 8u) << Describe(found);
  std::map<AnomalyType, const Anomaly*> by_type;
  for (const Anomaly& a : found) EXPECT_TRUE(by_type.emplace(a.type, &a).second) << Describe(found);
  ASSERT_EQ(by_type.size(), 8u);

  const Anomaly& d = *by_type[AnomalyType::kDuplicateHelp];
  EXPECT_EQ(d.household, House(10));
  EXPECT_EQ(Seqs(d), (std::vector<uint64_t>{dup1.seq, dup2.seq}));
  EXPECT_EQ(d.events[1].role, "duplicate");
  EXPECT_NE(d.description.find("INC-07"), std::string::npos) << d.description;
  EXPECT_NE(d.description.find("PHO-33, PSDHS-33"), std::string::npos) << d.description;

  const Anomaly& n = *by_type[AnomalyType::kHelpNotTargeted];
  EXPECT_EQ(n.household, House(11));
  EXPECT_EQ(Seqs(n), (std::vector<uint64_t>{t11, orphan.seq}));

  const Anomaly& x = *by_type[AnomalyType::kHelpAfterExit];
  EXPECT_EQ(x.household, House(12));
  EXPECT_EQ(Seqs(x), (std::vector<uint64_t>{after_exit.seq, exit.seq}));
  EXPECT_EQ(x.date, (CivilDate{2022, 6, 10}));

  const Anomaly& b = *by_type[AnomalyType::kBackDating];
  EXPECT_EQ(Seqs(b), (std::vector<uint64_t>{late.seq}));
  EXPECT_NE(b.description.find("86 days"), std::string::npos) << b.description;

  const Anomaly& u = *by_type[AnomalyType::kBulkEntryBeforeCutoff];
  EXPECT_EQ(u.officer, "off-2");
  EXPECT_EQ(u.agency, "PHO-33");
  EXPECT_TRUE(u.household.empty());
  EXPECT_EQ(Seqs(u), bulk);
  EXPECT_EQ(u.date, (CivilDate{2022, 9, 30}));

  const Anomaly& j = *by_type[AnomalyType::kLevelJump];
  EXPECT_EQ(Seqs(j), (std::vector<uint64_t>{survive.seq, jump.seq}));
  EXPECT_EQ(j.events[1].role, "assessment");

  const Anomaly& v = *by_type[AnomalyType::kImplausibleOfficerVisits];
  EXPECT_EQ(v.officer, "off-1");
  EXPECT_EQ(Seqs(v), visits);

  const Anomaly& c = *by_type[AnomalyType::kCorrectionAfterCutoff];
  EXPECT_EQ(Seqs(c), (std::vector<uint64_t>{corrected.seq, correction.seq}));
  EXPECT_EQ(c.events[0].role, "corrected");

  // Every cited event carries its leaf hash.
  for (const Anomaly& a : found) {
    for (const AnomalyEvent& e : a.events) EXPECT_EQ(e.leaf_hash, *s.ledger().LeafHash(e.seq));
  }
  // Findings are ordered by type.
  for (size_t k = 1; k < found.size(); ++k) EXPECT_LT(found[k - 1].type, found[k].type);

  // As of the cut-off, the late correction has not happened yet.
  std::vector<Anomaly> then = Scan(s.ledger(), at_cutoff);
  ASSERT_EQ(then.size(), 7u) << Describe(then);
  for (const Anomaly& a : then) EXPECT_NE(a.type, AnomalyType::kCorrectionAfterCutoff);

  // Thresholds are options: a 90-day back-dating limit, 20 visits a day
  // and a week's grace after the cut-off drop three findings.
  AnomalyOptions lenient;
  lenient.back_dating_days = 90;
  lenient.max_visits_per_day = 20;
  lenient.correction_grace_days = 7;
  EXPECT_EQ(Scan(s.ledger(), s.ledger().Size(), lenient).size(), 5u);
  // A 10-day window makes the 19-day-apart help no duplicate.
  AnomalyOptions narrow;
  narrow.duplicate_window_days = 10;
  for (const Anomaly& a : Scan(s.ledger(), s.ledger().Size(), narrow)) EXPECT_NE(a.type, AnomalyType::kDuplicateHelp);
  // Without the bulk finding, its visits of July are back-dated (60 days or more).
  AnomalyOptions no_bulk;
  no_bulk.bulk_min_records = 100;
  size_t back_dated = 0;
  for (const Anomaly& a : Scan(s.ledger(), s.ledger().Size(), no_bulk)) {
    EXPECT_NE(a.type, AnomalyType::kBulkEntryBeforeCutoff);
    back_dated += a.type == AnomalyType::kBackDating;
  }
  EXPECT_EQ(back_dated, 1u + 25u);   // the visits of 1-25 July are 65-89 days old
}

TEST(AnomaliesTest, CleanLedgerJustInsideEveryThresholdHasNone) {
  TempDir dir;
  ScriptedLedger s(dir.path());
  auto at = [&](CivilDate recorded) { s.RecordOn(recorded); };
  at({2021, 10, 5});
  for (int i = 1; i <= 4; ++i) s.Target(s.Off1(), House(i), "330101", {4, 20}, {2021, 10, 4});
  // The same item again after 31 days; levels one step at a time, and back down.
  at({2021, 11, 1});
  s.Give(s.Off1(), House(1), D::HEALTH, 4, "HLT-01", 5'000, {2021, 11, 1});
  at({2021, 12, 2});
  s.Give(s.Off1(), House(1), D::HEALTH, 4, "HLT-01", 5'000, {2021, 12, 2});
  s.Give(s.Off1(), House(1), D::HEALTH, 4, "HLT-02", 5'000, {2021, 12, 2});
  s.Add(s.Off1(), House(1), {2021, 12, 2}, Assess(L::SURVIVE));
  at({2022, 2, 1});
  s.Add(s.Off1(), House(1), {2022, 2, 1}, Assess(L::SUFFICIENT));
  s.Add(s.Off1(), House(1), {2022, 2, 1}, Assess(L::SURVIVE));
  s.Add(s.Off1(), House(1), {2022, 2, 1}, Assess(L::SUFFICIENT));
  s.Add(s.Off1(), House(1), {2022, 2, 1}, Assess(L::SUSTAINABLE));
  // A duplicate voided before the cut-off is no finding.
  at({2022, 3, 1});
  s.Give(s.Psd(), House(2), D::LIVING, 9, "LIV-01", 50'000, {2022, 3, 1});
  auto copy = s.Give(s.Psd(), House(2), D::LIVING, 9, "LIV-01", 50'000, {2022, 3, 1});
  s.Add(s.Psd(), House(2), {2022, 3, 1}, Void(copy));
  // Recorded 59 days late; 15 visits in a day; help, then exit.
  at({2022, 5, 1});
  s.Give(s.Off2(), House(3), D::HEALTH, 4, "HLT-03", 1'000, {2022, 3, 3});
  for (int k = 0; k < 15; ++k) s.Add(s.Off2(), House(3), {2022, 5, 1}, Visited());
  s.Add(s.Off2(), House(3), {2022, 5, 1}, Exited());
  // Three late entries (31 days) by off-1 in June: its usual rate.
  at({2022, 6, 1});
  for (int k = 0; k < 3; ++k) s.Add(s.Off1(), House(4), {2022, 5, 1}, Visited());
  // 19 late entries by off-1 in the last week (41-59 days late): one short
  // of bulk; and 13 days late is not late.
  at({2022, 9, 29});
  for (int k = 0; k < 19; ++k) s.Add(s.Off1(), House(4), {2022, 8, 1 + k}, Visited());
  s.Add(s.Off1(), House(4), {2022, 9, 16}, Visited());
  // A correction on the cut-off day itself.
  at({2022, 9, 30});
  auto help = s.Give(s.Off1(), House(4), D::INCOME, 20, "INC-01", 2'000, {2022, 9, 30});
  s.Add(s.Off1(), House(4), {2022, 9, 30}, Void(help));

  std::vector<Anomaly> found = Scan(s.ledger(), s.ledger().Size());
  EXPECT_TRUE(found.empty()) << Describe(found);

  // With a lower minimum the 19 are bulk, against off-1's usual rate of
  // 3 late entries a year (0.06 a week); not with an absurd factor.
  AnomalyOptions strict;
  strict.bulk_min_records = 19;
  auto bulk = Scan(s.ledger(), s.ledger().Size(), strict);
  ASSERT_EQ(bulk.size(), 1u) << Describe(bulk);
  EXPECT_EQ(bulk[0].type, AnomalyType::kBulkEntryBeforeCutoff);
  EXPECT_EQ(bulk[0].events.size(), 19u);
  strict.bulk_factor = 1e9;
  EXPECT_TRUE(Scan(s.ledger(), s.ledger().Size(), strict).empty());
}

TEST(AnomaliesTest, ScannerTakesEventsInOrderOnly) {
  TempDir dir;
  ScriptedLedger s(dir.path());
  AnomalyScanner scan;
  ASSERT_TRUE(scan.Add(*s.ledger().LeafBytes(0)).ok());
  Status st = scan.Add(*s.ledger().LeafBytes(2));
  EXPECT_EQ(st.code(), StatusCode::kOutOfRange);
  EXPECT_EQ(st.reason(), "OUT_OF_ORDER");
  EXPECT_EQ(scan.Add("not capnp").code(), StatusCode::kDataLoss);
  EXPECT_EQ(scan.added(), 1u);
  EXPECT_TRUE(scan.Findings().empty());
}

}  // namespace
}  // namespace ledger
