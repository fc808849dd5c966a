// The store and the append path: sequencing, chain links, idempotency,
// pushback, proofs from the store, reopening, refusing bad stores, a clock
// that steps back, exceptions in the writer's and the callers' code.
#include <gtest/gtest.h>

#include <filesystem>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "ledger/calendar.h"
#include "ledger/event.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/projection.h"
#include "ledger/verify.h"
#include "support/test_ledger.h"

namespace ledger {
namespace {

using testing::AppendOk;
using testing::TempDir;
using testing::World;

TEST(LedgerTest, AppendsAssignGapFreeSeqsAndChainHashes) {
  TempDir dir;
  World w;
  auto l = w.Create(dir.path());
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  auto boot = AppendOk(**l, w.Bootstrap());
  ASSERT_EQ(boot.size(), 3u);
  std::vector<std::string> events;
  for (int i = 0; i < 10; ++i) events.push_back(w.Visit(i % 3));
  auto res = AppendOk(**l, events);
  ASSERT_EQ(res.size(), 10u);
  for (size_t i = 0; i < res.size(); ++i) EXPECT_EQ(res[i].seq, 3 + i);
  EXPECT_EQ((*l)->Size(), 13u);

  Hash prev{};
  std::map<std::string, std::pair<uint64_t, Hash>> heads;
  for (uint64_t seq = 0; seq < 13; ++seq) {
    auto bytes = (*l)->LeafBytes(seq);
    ASSERT_TRUE(bytes.ok());
    auto e = DecodeEvent(*bytes);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    EXPECT_EQ(e->seq, seq);
    EXPECT_EQ(e->prev_hash, prev);
    Hash h = merkle::HashLeaf(AsBytes(*bytes));
    EXPECT_EQ(*(*l)->LeafHash(seq), h);
    if (!e->household.empty()) {
      auto it = heads.find(e->household);
      if (it == heads.end()) {
        EXPECT_FALSE(e->household_prev_seq.has_value());
      } else {
        ASSERT_TRUE(e->household_prev_seq.has_value());
        EXPECT_EQ(*e->household_prev_seq, it->second.first);
        EXPECT_EQ(e->household_prev_hash, it->second.second);
      }
      heads[e->household] = {seq, h};
    }
    prev = h;
  }
  auto seqs = (*l)->HouseholdSeqs("33010000001");
  ASSERT_TRUE(seqs.ok());
  EXPECT_EQ(*seqs, (std::vector<uint64_t>{4, 7, 10}));
  EXPECT_EQ((*(*l)->OfficerSeqs("off-1")).size(), 10u);
}

TEST(LedgerTest, CheckpointAfterEachGroupCommitVerifies) {
  TempDir dir;
  World w;
  auto l = *w.Create(dir.path());
  AppendOk(*l, w.Bootstrap());
  AppendOk(*l, {w.Visit(1), w.Visit(2)});
  auto note = l->LatestCheckpoint();
  ASSERT_TRUE(note.ok());
  auto v = NoteVerifier::Parse(l->info().VerifierKey());
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  auto opened = OpenNote(*note, {*v});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto cp = ParseCheckpoint(opened->text);
  ASSERT_TRUE(cp.ok());
  EXPECT_EQ(cp->origin, "ledger.test/sisaket");
  EXPECT_EQ(cp->size, 5u);
  EXPECT_EQ(cp->root, *l->RootAt(5));
  // Every group commit left its own checkpoint.
  EXPECT_TRUE(l->CheckpointAt(0).ok());
  EXPECT_TRUE(l->CheckpointAt(3).ok());
  EXPECT_FALSE(l->CheckpointAt(4).ok());
}

TEST(LedgerTest, ReplayedIdempotencyKeyReturnsOriginalAndStoresNothing) {
  TempDir dir;
  World w;
  auto l = *w.Create(dir.path());
  AppendOk(*l, w.Bootstrap());
  std::string e = w.Visit(1);
  auto first = AppendOk(*l, {e});
  ASSERT_EQ(first.size(), 1u);
  auto again = l->Append({e, e});
  ASSERT_EQ(again.size(), 2u);
  for (auto& r : again) {
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->duplicate);
    EXPECT_EQ(r->seq, first[0].seq);
    EXPECT_EQ(r->leaf_hash, first[0].leaf_hash);
  }
  EXPECT_EQ(l->Size(), 4u);
  // The same key twice inside one batch: one stored, one duplicate.
  std::string e2 = w.Visit(2);
  auto both = l->Append({e2, e2});
  ASSERT_TRUE(both[0].ok() && both[1].ok());
  EXPECT_FALSE(both[0]->duplicate);
  EXPECT_TRUE(both[1]->duplicate);
  EXPECT_EQ(both[0]->seq, both[1]->seq);
  EXPECT_EQ(l->Size(), 5u);
}

TEST(LedgerTest, BadEventsAreRefusedOthersInTheBatchStored) {
  TempDir dir;
  World w;
  auto l = *w.Create(dir.path());
  AppendOk(*l, w.Bootstrap());
  PrivateKey stranger = testing::KeyFromByte(99);
  std::string good = w.Visit(1);
  std::string forged = w.Visit(2, {w.agency_code, "off-1", &stranger});
  std::string unknown = w.Visit(3, {w.agency_code, "off-9", &stranger});
  std::string garbage = "not a capnp message";
  std::string truncated = good.substr(0, good.size() - 8);
  auto r = l->Append({good, forged, unknown, garbage, truncated});
  ASSERT_EQ(r.size(), 5u);
  EXPECT_TRUE(r[0].ok());
  EXPECT_EQ(r[1].status().reason(), "BAD_SIGNATURE");
  EXPECT_EQ(r[2].status().reason(), "UNKNOWN_OFFICER");
  EXPECT_EQ(r[3].status().reason(), "MALFORMED_MESSAGE");
  EXPECT_FALSE(r[4].ok());
  EXPECT_EQ(l->Size(), 4u);
}

TEST(LedgerTest, RevokedKeySignsNothingAfterRevocation) {
  TempDir dir;
  World w;
  auto l = *w.Create(dir.path());
  AppendOk(*l, w.Bootstrap());
  AppendOk(*l, {w.Visit(1)});
  AppendOk(*l, {w.factory.OfficerKeyRevoked(w.agency, w.agency_code, "off-1", "lost phone", testing::kDay)});
  auto r = l->Append({w.Visit(2), w.Visit(3, w.Officer2())});
  EXPECT_EQ(r[0].status().reason(), "KEY_REVOKED");
  EXPECT_TRUE(r[1].ok());
}

TEST(LedgerTest, ProofsFromStoreVerifyAndSurviveReopen) {
  TempDir dir;
  World w;
  std::vector<Hash> roots;
  {
    auto l = *w.Create(dir.path());
    AppendOk(*l, w.Bootstrap());
    for (int b = 0; b < 7; ++b) {
      std::vector<std::string> batch;
      for (int i = 0; i < 10; ++i) batch.push_back(w.Visit(b * 10 + i));
      AppendOk(*l, batch);
    }
    ASSERT_EQ(l->Size(), 73u);
  }
  auto l = *w.Open(dir.path());
  ASSERT_EQ(l->Size(), 73u);
  for (uint64_t n = 0; n <= 73; ++n) roots.push_back(*l->RootAt(n));
  for (uint64_t n = 1; n <= 73; ++n) {
    for (uint64_t i = 0; i < n; ++i) {
      auto p = l->InclusionProof(i, n);
      ASSERT_TRUE(p.ok());
      ASSERT_TRUE(merkle::VerifyInclusion(i, n, *l->LeafHash(i), *p, roots[n]).ok()) << i << "/" << n;
    }
    for (uint64_t m = 0; m <= n; ++m) {
      auto p = l->ConsistencyProof(m, n);
      ASSERT_TRUE(p.ok());
      ASSERT_TRUE(merkle::VerifyConsistency(m, n, *p, roots[m], roots[n]).ok()) << m << "->" << n;
    }
  }
  // Appending after reopen continues the chain.
  auto more = AppendOk(*l, {w.Visit(500)});
  ASSERT_EQ(more.size(), 1u);
  EXPECT_EQ(more[0].seq, 73u);
  auto e = DecodeEvent(*l->LeafBytes(73));
  EXPECT_EQ(e->prev_hash, *l->LeafHash(72));
}

// One event per group, submitted without waiting: the writer sequences each
// group while the committer is still writing the one before (appender.cc).
// What it reads back must already include the groups in flight: household
// chain links, idempotency keys, leaf hashes of duplicates.
TEST(LedgerTest, GroupsInFlightSeeEachOther) {
  TempDir dir;
  World w;
  LedgerOptions o;
  o.max_batch_events = 1;
  auto l = *w.Create(dir.path(), o);
  AppendOk(*l, w.Bootstrap());
  std::vector<std::string> events;
  std::vector<size_t> original;   // index of the event each one repeats (itself if new)
  for (int round = 0; round < 6; ++round) {
    for (int h = 0; h < 8; ++h) {
      events.push_back(w.Visit(h));
      original.push_back(events.size() - 1);
      if ((round + h) % 3 == 0) {   // a replay right behind its original
        events.push_back(events.back());
        original.push_back(events.size() - 2);
      }
    }
  }
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::optional<AppendOutcome>> got(events.size());
  size_t pending = events.size();
  for (size_t i = 0; i < events.size(); ++i) {
    l->AppendAsync({events[i]}, [&, i](std::vector<AppendOutcome> r) {
      std::lock_guard lock(mu);
      got[i] = r[0];
      --pending;
      cv.notify_all();
    });
  }
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return pending == 0; });
  }
  uint64_t stored = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    ASSERT_TRUE(got[i]->ok()) << i << ": " << got[i]->status().ToString();
    const AppendResult& r = **got[i];
    const AppendResult& first = **got[original[i]];
    EXPECT_EQ(r.duplicate, original[i] != i) << i;
    EXPECT_EQ(r.seq, first.seq) << i;
    EXPECT_EQ(r.leaf_hash, first.leaf_hash) << i;
    EXPECT_EQ(*l->LeafHash(r.seq), r.leaf_hash) << i;
    if (!r.duplicate) ++stored;
  }
  EXPECT_EQ(l->Size(), 3u + stored);
  l.reset();
  auto report = VerifyStore(dir.path());   // chain links, household links, projection
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->ok) << (report->problems.empty() ? "" : report->problems[0].message);
  EXPECT_EQ(report->events, 3u + stored);
}

TEST(LedgerTest, FullQueueIsPushbackNotUnboundedMemory) {
  TempDir dir;
  World w;
  LedgerOptions o;
  o.max_queued_events = 8;
  auto l = *w.Create(dir.path(), o);
  AppendOk(*l, w.Bootstrap());
  std::vector<std::string> big;
  for (int i = 0; i < 9; ++i) big.push_back(w.Visit(i));
  auto r = l->Append(big);
  ASSERT_EQ(r.size(), 9u);
  // More than the whole queue holds never fits: the request's fault
  // (docs/protocol.md §4), not pushback.
  for (auto& x : r) {
    EXPECT_EQ(x.status().code(), StatusCode::kInvalidArgument) << x.status().ToString();
    EXPECT_EQ(x.status().reason(), "BATCH_TOO_LARGE");
  }
  // Many concurrent producers: everything either lands or is pushed back; nothing else.
  std::atomic<int> ok{0}, pushed{0};
  std::vector<std::thread> threads;
  std::vector<std::vector<std::string>> per(8);
  for (int t = 0; t < 8; ++t)
    for (int i = 0; i < 40; ++i) per[t].push_back(w.Visit(1000 + t * 100 + i));
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; i += 4) {
        std::vector<std::string> b(per[t].begin() + i, per[t].begin() + i + 4);
        for (auto& x : l->Append(b)) {
          if (x.ok()) ++ok;
          else if (x.status().reason() == "PUSHBACK") ++pushed;
          else ADD_FAILURE() << x.status().ToString();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok + pushed, 320);
  EXPECT_EQ(l->Size(), 3u + ok);
}

TEST(LedgerTest, RefusesUnknownVersionNonStoreAndWrongKey) {
  TempDir dir;
  World w;
  { auto l = *w.Create(dir.Sub("s")); }
  // Not a store.
  std::filesystem::create_directories(dir.Sub("empty"));
  auto e = w.Open(dir.Sub("empty"));
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().reason(), "NOT_A_STORE");
  EXPECT_EQ(Ledger::OpenReadOnly(dir.Sub("missing")).status().reason(), "NO_STORE");
  // Wrong server key.
  EXPECT_EQ(Ledger::Open(dir.Sub("s"), testing::KeyFromByte(77)).status().reason(), "WRONG_SERVER_KEY");
  // Creating over an existing store.
  EXPECT_EQ(w.Create(dir.Sub("s")).status().reason(), "STORE_EXISTS");
}

// recordedAt of every durable event, by seq.
std::vector<int64_t> RecordedAts(const Ledger& l) {
  std::vector<int64_t> out;
  Status s = l.ForEachEvent(0, l.Size(), [&](uint64_t, std::string_view leaf) -> Status {
    ASSIGN_OR_RETURN(EventInfo e, DecodeEvent(leaf));
    out.push_back(e.recorded_at_ns);
    return OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

// recordedAt is the later of the clock and the previous event's + 1 ns: it
// strictly increases with seq when the clock stands still, when it steps
// back within a run, and when it is behind the store at a reopen; each step
// is reported once; "as of a time" stays a prefix that grows with the time.
TEST(LedgerTest, RecordedAtStrictlyIncreasesWhenTheClockStepsBack) {
  TempDir dir;
  World w;
  constexpr int64_t kMinute = 60LL * 1'000'000'000;
  constexpr int64_t kHour = 60 * kMinute;
  const int64_t start = BangkokEndOfDayNs({2022, 3, 20}) - 2 * kHour;   // 22:00 on 20 March, Bangkok
  std::atomic<int64_t> now{start};
  std::mutex mu;
  std::vector<std::pair<int64_t, int64_t>> steps;   // (previous, now) of each step reported
  LedgerOptions o;
  o.clock = [&] { return now.load(); };
  o.on_clock_step_back = [&](int64_t previous, int64_t current) {
    std::lock_guard lock(mu);
    steps.emplace_back(previous, current);
  };
  auto steps_seen = [&] {
    std::lock_guard lock(mu);
    return steps;
  };
  {
    auto l = *w.Create(dir.path(), o);
    AppendOk(*l, w.Bootstrap());              // seqs 0-2, one group, one reading
    AppendOk(*l, {w.Visit(1), w.Visit(2)});   // seqs 3-4: the clock has not moved
    now += kHour;                              // 23:00
    AppendOk(*l, {w.Visit(3)});                // seq 5
    now -= 3 * kHour;                          // the clock steps back to 20:00
    AppendOk(*l, {w.Visit(4), w.Visit(5)});    // seqs 6-7
    now += 10 * kMinute;                       // moving again, still behind: no new step
    AppendOk(*l, {w.Visit(6)});                // seq 8
    EXPECT_EQ(steps_seen(), (std::vector<std::pair<int64_t, int64_t>>{{start + kHour, start - 2 * kHour}}));
    const ClockReport c = l->Clock();
    EXPECT_EQ(c.steps_back, 1u);
    EXPECT_EQ(c.last_step_ns, 3 * kHour);
    EXPECT_EQ(c.last_recorded_at, start + kHour + 3);
  }
  now -= kHour;   // down again while the store is closed
  {
    auto l = *w.Open(dir.path(), o);
    EXPECT_EQ(l->Clock().last_recorded_at, start + kHour + 3);   // read back at open
    AppendOk(*l, {w.Visit(7)});                // seq 9: after the stored seq 8, not the clock
    auto seen = steps_seen();
    ASSERT_EQ(seen.size(), 2u);                // the first reading after the reopen is behind the store
    EXPECT_EQ(seen[1], (std::pair<int64_t, int64_t>{start + kHour + 3, start - 2 * kHour + 10 * kMinute - kHour}));
    now = start + 5 * kHour;                   // past every event: the clock again
    AppendOk(*l, {w.Visit(8)});                // seq 10
    EXPECT_EQ(l->Clock().steps_back, 1u);      // counted since this open

    const std::vector<int64_t> at = RecordedAts(*l);
    const std::vector<int64_t> expected = {start,         start + 1,     start + 2,     start + 3,
                                           start + 4,     start + kHour, start + kHour + 1, start + kHour + 2,
                                           start + kHour + 3, start + kHour + 4, start + 5 * kHour};
    EXPECT_EQ(at, expected);
    for (size_t i = 1; i < at.size(); ++i) EXPECT_LT(at[i - 1], at[i]) << "seq " << i;

    // As of a time: the events recorded by then, a prefix that never shrinks as the time grows.
    uint64_t previous = 0;
    for (int64_t t = start - 4 * kHour; t <= start + 6 * kHour; t += 10 * kMinute) {
      auto n = SizeAtTime(*l, t);
      ASSERT_TRUE(n.ok()) << n.status().ToString();
      EXPECT_GE(*n, previous) << FormatTimestampNs(t);
      EXPECT_EQ(*n, static_cast<uint64_t>(std::upper_bound(at.begin(), at.end(), t) - at.begin()))
          << FormatTimestampNs(t);
      previous = *n;
    }
    for (size_t i = 0; i < at.size(); ++i) {
      EXPECT_EQ(*SizeAtTime(*l, at[i]), i + 1);
      EXPECT_EQ(*SizeAtTime(*l, at[i] - 1), i);
    }
  }
  auto report = VerifyStore(dir.path());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->ok) << (report->problems.empty() ? "" : report->problems[0].message);
}

// An exception while a group is sequenced (here the clock throws, as a
// library might throw std::bad_alloc or a std::exception): that group's
// events fail with INTERNAL_ERROR and nothing of it is written; the group
// before it, already sequenced, is still written and acknowledged; then the
// ledger stops taking appends (Poisoned) and the process goes on. Reopened,
// the store is whole and the failed events can be sent again.
TEST(LedgerTest, AnExceptionWhileSequencingFailsItsGroupAndStopsAppends) {
  TempDir dir;
  World w;
  std::atomic<int> reads{0};
  std::atomic<int> throw_at{-1};   // the clock reading that throws
  LedgerOptions o;
  o.max_batch_events = 2;          // a request of 4 events is two groups
  o.clock = [&]() -> int64_t {
    if (reads++ == throw_at.load()) throw std::runtime_error("the clock is on fire");
    return BangkokEndOfDayNs({2022, 3, 20});
  };
  std::vector<std::string> events = {w.Visit(1), w.Visit(2), w.Visit(3), w.Visit(4)};
  {
    auto l = *w.Create(dir.path(), o);
    AppendOk(*l, w.Bootstrap());               // seqs 0-2
    EXPECT_TRUE(l->Poisoned().ok());
    throw_at = reads.load() + 1;               // the second group of the next request
    auto r = l->Append(events);
    ASSERT_EQ(r.size(), 4u);
    ASSERT_TRUE(r[0].ok()) << r[0].status().ToString();
    ASSERT_TRUE(r[1].ok()) << r[1].status().ToString();
    EXPECT_EQ(r[0]->seq, 3u);
    EXPECT_EQ(r[1]->seq, 4u);
    for (int i : {2, 3}) {
      EXPECT_EQ(r[i].status().code(), StatusCode::kInternal) << r[i].status().ToString();
      EXPECT_EQ(r[i].status().reason(), "INTERNAL_ERROR");
      EXPECT_NE(r[i].status().message().find("the clock is on fire"), std::string::npos) << r[i].status().message();
    }
    EXPECT_EQ(l->Size(), 5u);
    const Status stopped = l->Poisoned();
    EXPECT_EQ(stopped.code(), StatusCode::kUnavailable) << stopped.ToString();
    EXPECT_EQ(stopped.reason(), "STORE_FAILED");
    EXPECT_NE(stopped.message().find("the clock is on fire"), std::string::npos) << stopped.message();
    // Stopped: later appends get that status; reads go on.
    auto later = l->Append({w.Visit(5)});
    ASSERT_EQ(later.size(), 1u);
    EXPECT_EQ(later[0].status(), stopped);
    EXPECT_EQ(l->Size(), 5u);
    EXPECT_TRUE(l->LeafBytes(4).ok());
    EXPECT_TRUE(l->InclusionProof(4, 5).ok());
  }
  auto report = VerifyStore(dir.path());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->ok) << (report->problems.empty() ? "" : report->problems[0].message);
  EXPECT_EQ(report->events, 5u);
  {
    throw_at = -1;
    auto l = *w.Open(dir.path(), o);
    EXPECT_TRUE(l->Poisoned().ok());
    EXPECT_EQ(l->Size(), 5u);
    // The failed events were never stored: sent again, they are new.
    auto r = AppendOk(*l, {events[2], events[3]});
    ASSERT_EQ(r.size(), 2u);
    EXPECT_FALSE(r[0].duplicate);
    EXPECT_EQ(r[0].seq, 5u);
    EXPECT_EQ(r[1].seq, 6u);
    // The first two were: duplicates.
    auto again = l->Append({events[0]});
    ASSERT_TRUE(again[0].ok());
    EXPECT_TRUE(again[0]->duplicate);
    EXPECT_EQ(again[0]->seq, 3u);
  }
  report = VerifyStore(dir.path());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->ok) << (report->problems.empty() ? "" : report->problems[0].message);
  EXPECT_EQ(report->events, 7u);
}

// What a caller's callback throws (AppendAsync's `done`, the clock-step
// report) is dropped: the ledger goes on appending.
TEST(LedgerTest, ExceptionsFromCallbacksAreDropped) {
  TempDir dir;
  World w;
  std::atomic<int64_t> now{BangkokEndOfDayNs({2022, 3, 20})};
  LedgerOptions o;
  o.clock = [&] { return now.load(); };
  o.on_clock_step_back = [](int64_t, int64_t) { throw std::runtime_error("the log is full"); };
  auto l = *w.Create(dir.path(), o);
  AppendOk(*l, w.Bootstrap());
  std::atomic<bool> called{false};
  l->AppendAsync({w.Visit(1)}, [&](std::vector<AppendOutcome> r) {
    called = r.size() == 1 && r[0].ok();
    throw std::runtime_error("the caller's bug");
  });
  now -= 1'000'000'000;   // a step back, reported to a callback that throws
  auto r = AppendOk(*l, {w.Visit(2)});   // acknowledged after the one before
  EXPECT_TRUE(called);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].seq, 4u);
  EXPECT_EQ(l->Clock().steps_back, 1u);
  EXPECT_TRUE(l->Poisoned().ok()) << l->Poisoned().ToString();
  EXPECT_EQ(l->Size(), 5u);
}

}  // namespace
}  // namespace ledger
