// Projections (docs/domain.md): hand-computed figures on a small
// hand-written ledger; corrections as of before and after; and on a seeded
// ledger, rebuild == incremental == as-of-via-snapshot byte for byte.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "ledger/event.h"
#include "ledger/projection.h"
#include "support/scripted_ledger.h"
#include "support/test_ledger.h"

namespace ledger {
namespace {

using testing::Assess;
using testing::Exited;
using testing::Fill;
using testing::KeyFromByte;
using testing::MentorOf;
using testing::Resolved;
using testing::TempDir;
using testing::Visited;
using testing::Void;
using testing::World;

capnp::Data::Reader AsData(const Hash& h) { return capnp::Data::Reader(h.data(), h.size()); }

constexpr CivilDate kDay{2022, 3, 15};

Fill Targeted(const std::string& house, const std::string& sub, std::vector<uint8_t> failing, uint16_t year = 2565) {
  return [=](schema::Payload::Builder p) { EventFactory::FillHouseholdTargeted(p, house, sub, year, failing, 4); };
}
Fill Help(schema::Dimension d, uint8_t indicator, int64_t satang, int32_t plan_ref = -1) {
  return [=](schema::Payload::Builder p) {
    auto a = p.initAssistanceGiven();
    a.setDimension(d);
    a.setIndicator(indicator);
    a.setMenuItem("M-" + std::to_string(indicator));
    a.setQuantity(1);
    a.setValueSatang(satang);
    a.setPlanActionRef(plan_ref);
  };
}
Fill Replace(const AppendResult& r, const Fill& with) {
  return [=](schema::Payload::Builder p) {
    auto c = p.initCorrection();
    c.setCorrectedSeq(r.seq);
    c.setCorrectedHash(AsData(r.leaf_hash));
    c.setReason("wrong value");
    with(c.getAction().initReplacement());
  };
}
Fill Plan(std::vector<std::tuple<schema::Dimension, uint8_t, std::string, CivilDate>> actions) {
  return [=](schema::Payload::Builder p) {
    auto list = p.initPlanAgreed().initActions(static_cast<unsigned>(actions.size()));
    for (unsigned i = 0; i < actions.size(); ++i) {
      auto [dim, ind, agency, due] = actions[i];
      list[i].setDimension(dim);
      list[i].setIndicator(ind);
      list[i].setMenuItem("M-" + std::to_string(ind));
      list[i].setResponsibleAgency(agency);
      auto d = list[i].initDueDate();
      d.setYear(static_cast<int16_t>(due.year));
      d.setMonth(static_cast<uint8_t>(due.month));
      d.setDay(static_cast<uint8_t>(due.day));
    }
  };
}

// A world with two agencies: PHO-33 (health; off-1, off-2) and PSDHS-33
// (living; psd-1).
class ProjectionTest : public ::testing::Test {
 protected:
  void Create(LedgerOptions o = {}) {
    auto l = w_.Create(dir_.path(), o);
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    l_ = std::move(*l);
    testing::AppendOk(*l_, w_.Bootstrap());
    testing::AppendOk(*l_, {w_.factory.AgencyRegistered(w_.root, "PSDHS-33", "พมจ.ศรีสะเกษ", "Si Sa Ket PSDHS",
                                                        {schema::Dimension::LIVING}, agency2_.PublicKeyBytes(), kDay,
                                                        "33"),
                            w_.factory.OfficerRegistered(agency2_, "PSDHS-33", "psd-1", psd_.PublicKeyBytes(), kDay)});
  }
  EventSigner Psd() const { return {"PSDHS-33", "psd-1", &psd_}; }
  EventSigner Operator() const { return {"PHO-33", "", &w_.root}; }

  AppendResult Add(const EventSigner& s, const std::string& house, const Fill& fill, CivilDate day = kDay) {
    auto r = testing::AppendOk(*l_, {w_.factory.Make(s, house, day, fill)});
    return r.empty() ? AppendResult{} : r[0];
  }

  static std::string Bytes(StatusOr<std::string> s) {
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : std::string();
  }
  // Fold [0, size) event by event through the public API only.
  std::string RebuildByHand(uint64_t size) {
    Projector p;
    for (uint64_t seq = 0; seq < size; ++seq) {
      Status s = p.Apply(*l_->LeafBytes(seq));
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
    return Bytes(p.Serialize());
  }
  std::string At(uint64_t size, bool snapshots) {
    ProjectionOptions o;
    o.use_snapshots = snapshots;
    auto p = ProjectionAt(*l_, size, o);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? Bytes(p->Serialize()) : std::string();
  }

  TempDir dir_;
  World w_;
  PrivateKey agency2_ = KeyFromByte(10);
  PrivateKey psd_ = KeyFromByte(11);
  std::unique_ptr<Ledger> l_;
};

TEST_F(ProjectionTest, HandComputedFigures) {
  Create();
  const std::string h1 = "33010000001", h2 = "33010000002", h3 = "33020000003", h4 = "33010000004";
  // H1 in 330101: mentor, plan of two actions, help in two dimensions, resolves 4, survive -> sufficient.
  Add(w_.Officer(), h1, Targeted(h1, "330101", {4, 9, 22}));
  Add(w_.Officer(), h1, MentorOf("off-2"));
  Add(w_.Officer(), h1, Plan({{schema::Dimension::HEALTH, 4, "PHO-33", {2022, 5, 1}},
                             {schema::Dimension::LIVING, 9, "PSDHS-33", {2022, 12, 31}}}));
  AppendResult h1_help = Add(w_.Officer(), h1, Help(schema::Dimension::HEALTH, 4, 50'000, 0));
  Add(Psd(), h1, Help(schema::Dimension::LIVING, 9, 120'000));
  Add(w_.Officer(), h1, Resolved(4));
  Add(w_.Officer(), h1, Assess(schema::Level::SURVIVE));
  AppendResult sufficient = Add(w_.Officer(), h1, Assess(schema::Level::SUFFICIENT), {2022, 4, 2});
  Add(w_.Officer(), h1, Assess(schema::Level::SUFFICIENT), {2022, 4, 9});   // same level again: when reached stays
  // H2 in 330102: the same help recorded twice, the copy voided.
  Add(w_.Officer(), h2, Targeted(h2, "330102", {20}));
  Add(w_.Officer(), h2, Help(schema::Dimension::INCOME, 0, 30'000));
  AppendResult copy = Add(w_.Officer(), h2, Help(schema::Dimension::INCOME, 0, 30'000));
  AppendResult voided = Add(w_.Officer2(), h2, Void(copy));
  Add(w_.Officer(), h2, Assess(schema::Level::SURVIVE));
  // H3 in 330201 (district 3302): visited, then moved away.
  Add(w_.Officer(), h3, Targeted(h3, "330201", {27}));
  Add(w_.Officer(), h3, Visited(), {2022, 3, 20});
  Add(w_.Officer(), h3, Exited());
  // H4 in 330101: targeted by mistake, voided by the operator.
  AppendResult h4_target = Add(w_.Officer(), h4, Targeted(h4, "330101", {4}));
  Add(Operator(), h4, Void(h4_target));

  auto p = ProjectionAt(*l_, l_->Size());
  ASSERT_TRUE(p.ok()) << p.status().ToString();

  auto province = p->Area("33");
  ASSERT_TRUE(province.has_value());
  EXPECT_EQ(province->targeted, 3u);
  EXPECT_EQ(province->with_mentor, 1u);
  EXPECT_EQ(province->with_plan, 1u);
  EXPECT_EQ(province->helped, 2u);
  EXPECT_EQ(province->exited, 1u);
  EXPECT_EQ(province->levels, (std::array<uint64_t, 3>{1, 1, 0}));
  EXPECT_EQ(province->indicators_failing, 4u);   // H1 {9, 22}, H2 {20}, H3 {27}
  EXPECT_EQ(province->indicators_resolved, 1u);  // H1 {4}
  EXPECT_EQ(province->help_by_dimension[0], (MoneyTotal{1, 50'000}));
  EXPECT_EQ(province->help_by_dimension[1], (MoneyTotal{1, 120'000}));
  EXPECT_EQ(province->help_by_dimension[3], (MoneyTotal{1, 30'000}));
  EXPECT_EQ(province->help_by_dimension[2], (MoneyTotal{}));
  ASSERT_EQ(province->help_by_agency.size(), 2u);
  EXPECT_EQ(province->help_by_agency["PHO-33"][0], (MoneyTotal{1, 50'000}));
  EXPECT_EQ(province->help_by_agency["PHO-33"][3], (MoneyTotal{1, 30'000}));
  EXPECT_EQ(province->help_by_agency["PSDHS-33"][1], (MoneyTotal{1, 120'000}));

  auto districts = p->Areas(AreaLevel::kDistrict);
  ASSERT_EQ(districts.size(), 2u);
  EXPECT_EQ(districts[0].code, "3301");
  EXPECT_EQ(districts[0].targeted, 2u);
  EXPECT_EQ(districts[0].helped, 2u);
  EXPECT_EQ(districts[1].code, "3302");
  EXPECT_EQ(districts[1].targeted, 1u);
  EXPECT_EQ(districts[1].exited, 1u);
  EXPECT_EQ(districts[1].helped, 0u);
  auto subs = p->Areas(AreaLevel::kSubdistrict);
  ASSERT_EQ(subs.size(), 3u);
  EXPECT_EQ(subs[0].code, "330101");
  EXPECT_EQ(subs[0].targeted, 1u);   // H4's targeting was voided
  EXPECT_EQ(subs[0].levels, (std::array<uint64_t, 3>{0, 1, 0}));
  EXPECT_FALSE(p->Area("3401").has_value());

  auto s1 = p->Household(h1);
  ASSERT_TRUE(s1.ok() && s1->has_value());
  const HouseholdStatus& a = **s1;
  EXPECT_TRUE(a.targeted);
  EXPECT_EQ(a.subdistrict, "330101");
  EXPECT_EQ(a.district, "3301");
  EXPECT_EQ(a.province, "33");
  EXPECT_EQ(a.failing, (std::vector<int>{9, 22}));
  EXPECT_EQ(a.resolved, (std::vector<int>{4}));
  ASSERT_TRUE(a.level.has_value());
  EXPECT_EQ(*a.level, Level::kSufficient);
  EXPECT_EQ(a.level_seq, sufficient.seq);
  EXPECT_EQ(a.level_reached, (CivilDate{2022, 4, 2}));
  EXPECT_EQ(a.mentors, (std::vector<std::string>{"off-2"}));
  ASSERT_EQ(a.plan.size(), 2u);
  EXPECT_TRUE(a.plan[0].done);
  EXPECT_EQ(a.plan[0].done_seq, h1_help.seq);
  EXPECT_FALSE(a.plan[1].done);
  EXPECT_EQ(a.plan[1].responsible_agency, "PSDHS-33");
  EXPECT_FALSE(a.plan[1].OverdueOn({2022, 12, 31}));
  EXPECT_TRUE(a.plan[1].OverdueOn({2023, 1, 1}));
  EXPECT_EQ(a.help_total, (MoneyTotal{2, 170'000}));
  EXPECT_EQ(a.help_by_agency.at("PSDHS-33")[1], (MoneyTotal{1, 120'000}));
  ASSERT_EQ(a.help.size(), 2u);
  EXPECT_EQ(a.help[0].seq, h1_help.seq);
  EXPECT_EQ(a.help[0].officer, "off-1");
  EXPECT_EQ(a.help[1].agency, "PSDHS-33");
  EXPECT_EQ(a.events, 9u);
  EXPECT_EQ(a.latest_seq, sufficient.seq + 1);
  EXPECT_EQ(a.latest_hash, *l_->LeafHash(a.latest_seq));

  auto s2 = p->Household(h2);
  ASSERT_TRUE(s2.ok() && s2->has_value());
  EXPECT_EQ((*s2)->help_total, (MoneyTotal{1, 30'000}));
  ASSERT_EQ((*s2)->help.size(), 2u);   // the history keeps both
  EXPECT_EQ((*s2)->help[1].state, RecordState::kVoided);
  EXPECT_EQ((*s2)->help[1].corrected_by, voided.seq);
  ASSERT_EQ((*s2)->corrections.size(), 1u);
  EXPECT_EQ((*s2)->corrections[0].corrected_seq, copy.seq);
  EXPECT_TRUE((*s2)->corrections[0].is_void);

  auto s3 = p->Household(h3);
  ASSERT_TRUE(s3.ok() && s3->has_value());
  EXPECT_TRUE((*s3)->exited);
  EXPECT_EQ((*s3)->exit_reason, ExitReason::kMoved);
  EXPECT_EQ((*s3)->visits, 1u);
  EXPECT_EQ((*s3)->last_visit, (CivilDate{2022, 3, 20}));

  auto s4 = p->Household(h4);
  ASSERT_TRUE(s4.ok() && s4->has_value());
  EXPECT_FALSE((*s4)->targeted);
  ASSERT_EQ((*s4)->targetings.size(), 1u);
  EXPECT_EQ((*s4)->targetings[0].state, RecordState::kVoided);
  auto none = p->Household("33019999999");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  // The writer's stored projection and a rebuild agree.
  auto stored = StoredProjection(*l_);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->applied(), l_->Size());
  EXPECT_EQ(Bytes(stored->Serialize()), RebuildByHand(l_->Size()));
}

TEST_F(ProjectionTest, VoidedHelpCountsAsOfBeforeTheCorrectionOnly) {
  Create();
  const std::string h = "33010000001";
  Add(w_.Officer(), h, Targeted(h, "330101", {4}));
  AppendResult help = Add(w_.Officer(), h, Help(schema::Dimension::HEALTH, 4, 80'000));
  AppendResult fixed = Add(w_.Officer(), h, Help(schema::Dimension::HEALTH, 4, 10'000));
  const uint64_t before = l_->Size();
  Add(w_.Officer(), h, Void(help));
  Add(w_.Officer(), h, Replace(fixed, Help(schema::Dimension::HEALTH, 4, 12'500)));
  const uint64_t after = l_->Size();
  for (bool snapshots : {true, false}) {
    ProjectionOptions o;
    o.use_snapshots = snapshots;
    auto then = ProjectionAt(*l_, before, o);
    auto now = ProjectionAt(*l_, after, o);
    ASSERT_TRUE(then.ok() && now.ok());
    EXPECT_EQ(then->Area("33")->help_by_dimension[0], (MoneyTotal{2, 90'000}));
    EXPECT_EQ(now->Area("33")->help_by_dimension[0], (MoneyTotal{1, 12'500}));
    EXPECT_EQ(now->Area("330101")->help_by_agency["PHO-33"][0], (MoneyTotal{1, 12'500}));
    auto hs = now->Household(h);
    ASSERT_TRUE(hs.ok() && hs->has_value());
    ASSERT_EQ((*hs)->help.size(), 2u);
    EXPECT_EQ((*hs)->help[0].state, RecordState::kVoided);
    EXPECT_EQ((*hs)->help[1].state, RecordState::kReplaced);
    EXPECT_EQ((*hs)->help[1].value_satang, 12'500);
    EXPECT_EQ(then->Household(h).value()->help[0].state, RecordState::kOriginal);
  }
  // All help voided: the agency disappears from the area's table.
  Add(w_.Officer(), h, Void(fixed));
  auto p = ProjectionAt(*l_, l_->Size());
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->Area("33")->helped, 0u);
  EXPECT_TRUE(p->Area("33")->help_by_agency.empty());
}

// ---------------------------------------------------------------- a seeded programme

// Random but rule-abiding events over `houses` households, one event per
// household per batch (so each depends only on acknowledged state).
class Programme {
 public:
  Programme(World& w, EventSigner psd, EventSigner op, uint64_t seed, int houses)
      : w_(w), psd_(std::move(psd)), op_(std::move(op)), rng_(seed), houses_(houses) {}

  std::vector<std::string> NextBatch(size_t n) {
    pending_.clear();
    std::set<int> used;
    std::vector<std::string> out;
    while (out.size() < n && used.size() < static_cast<size_t>(houses_)) {
      int i = static_cast<int>(rng_() % houses_);
      if (!used.insert(i).second) continue;
      std::string ev = Next(i);
      if (ev.empty()) continue;
      out.push_back(std::move(ev));
      pending_.push_back(i);
    }
    return out;
  }

  void Acknowledge(const std::vector<AppendOutcome>& results) {
    ASSERT_EQ(results.size(), pending_.size());
    for (size_t k = 0; k < results.size(); ++k) {
      ASSERT_TRUE(results[k].ok()) << results[k].status().ToString();
      House& h = house_[pending_[k]];
      h.apply(*results[k]);
    }
  }

 private:
  struct House {
    bool targeted = false, exited = false;
    std::set<int> failing;
    std::set<int> years;
    int plan_actions = 0;
    std::vector<AppendResult> helps;
    std::optional<AppendResult> exit;
    std::function<void(const AppendResult&)> apply = [](const AppendResult&) {};
  };

  std::string Code(int i) const { return World::HouseCode(i); }

  std::string Make(const EventSigner& s, int i, const Fill& f) {
    CivilDate day{2022, 1 + static_cast<int>(rng_() % 5), 1 + static_cast<int>(rng_() % 28)};
    return w_.factory.Make(s, Code(i), day, f);
  }

  std::string Next(int i) {
    House& h = house_[i];
    h.apply = [](const AppendResult&) {};
    const std::string subs[] = {"330101", "330102", "330201", "340101"};
    if (!h.targeted) {
      std::vector<uint8_t> failing = {4, 9, 20, 27};
      failing.resize(1 + rng_() % 4);
      h.apply = [&h, failing](const AppendResult&) {
        h.targeted = true;
        h.years.insert(2565);
        h.failing.insert(failing.begin(), failing.end());
      };
      return Make(w_.Officer(), i, Targeted(Code(i), subs[i % 4], failing));
    }
    if (h.exited) {
      if (rng_() % 3) return "";
      AppendResult e = *h.exit;
      h.apply = [&h](const AppendResult&) { h.exited = false; };
      return Make(op_, i, Void(e));
    }
    switch (rng_() % 12) {
      case 0:
      case 1:
      case 2: {
        int ref = h.plan_actions > 0 && rng_() % 2 ? static_cast<int>(rng_() % h.plan_actions) : -1;
        bool living = rng_() % 2;
        h.apply = [&h](const AppendResult& r) { h.helps.push_back(r); };
        return Make(living ? psd_ : w_.Officer(), i,
                    Help(living ? schema::Dimension::LIVING : schema::Dimension::HEALTH, living ? 9 : 4,
                         static_cast<int64_t>(rng_() % 500) * 100, ref));
      }
      case 3:
        h.apply = [&h](const AppendResult&) { h.plan_actions += 2; };
        return Make(w_.Officer(), i, Plan({{schema::Dimension::HEALTH, 4, "PHO-33", {2022, 9, 30}},
                                          {schema::Dimension::INCOME, 20, "PSDHS-33", {2022, 6, 30}}}));
      case 4:
        return Make(w_.Officer(), i, Assess(static_cast<schema::Level>(rng_() % 3)));
      case 5: {
        if (h.failing.empty()) return Make(w_.Officer2(), i, Visited());
        int n = *std::next(h.failing.begin(), static_cast<long>(rng_() % h.failing.size()));
        h.apply = [&h, n](const AppendResult&) { h.failing.erase(n); };
        return Make(w_.Officer(), i, Resolved(static_cast<uint8_t>(n)));
      }
      case 6: {
        if (h.helps.empty()) return Make(w_.Officer(), i, Visited());
        size_t k = rng_() % h.helps.size();
        AppendResult target = h.helps[k];
        h.apply = [&h, k](const AppendResult&) { h.helps.erase(h.helps.begin() + static_cast<long>(k)); };
        if (rng_() % 2) return Make(op_, i, Void(target));
        return Make(op_, i, Replace(target, Help(schema::Dimension::HEALTH, 4, 777)));
      }
      case 7:
        if (rng_() % 4) return Make(w_.Officer2(), i, Visited());
        h.apply = [&h](const AppendResult& r) {
          h.exited = true;
          h.exit = r;
        };
        return Make(w_.Officer(), i, Exited());
      case 8: {   // a later survey year, maybe another sub-district
        int year = 2565 + static_cast<int>(h.years.size());
        h.apply = [&h, year](const AppendResult&) {
          h.years.insert(year);
          h.failing.insert(4);
        };
        return Make(w_.Officer(), i, Targeted(Code(i), subs[(i + h.years.size()) % 4], {4},
                                              static_cast<uint16_t>(year)));
      }
      default:
        return Make(w_.Officer2(), i, Visited());
    }
  }

  World& w_;
  EventSigner psd_, op_;
  std::mt19937_64 rng_;
  int houses_;
  std::map<int, House> house_;
  std::vector<int> pending_;
};

TEST_F(ProjectionTest, RebuildEqualsIncrementalAndSnapshotsAtRandomSeqs) {
  LedgerOptions o;
  o.snapshot_every_events = 300;
  Create(o);
  Programme prog(w_, Psd(), Operator(), 42, 150);
  auto run = [&](int batches) {
    for (int b = 0; b < batches; ++b) {
      auto events = prog.NextBatch(1 + b % 40);
      prog.Acknowledge(l_->Append(events));
    }
  };
  run(80);
  // Reopen: the writer continues from its stored projection.
  l_.reset();
  auto reopened = w_.Open(dir_.path(), o);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  l_ = std::move(*reopened);
  run(60);
  const uint64_t size = l_->Size();
  ASSERT_GT(size, 1500u);

  auto snapshots = SnapshotSizes(*l_);
  ASSERT_TRUE(snapshots.ok());
  ASSERT_GE(snapshots->size(), 4u);
  for (size_t k = 0; k < snapshots->size(); ++k) {
    // The first commit that reaches each multiple of 300.
    EXPECT_GE((*snapshots)[k], (k + 1) * 300) << k;
    EXPECT_LT((*snapshots)[k], (k + 1) * 300 + 40) << k;
  }

  // The writer's incremental state == a rebuild from the events.
  auto stored = StoredProjection(*l_);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  const std::string full = RebuildByHand(size);
  EXPECT_EQ(Bytes(stored->Serialize()), full);
  EXPECT_EQ(At(size, true), full);

  // As of random sizes (and every snapshot, and just around them):
  // snapshot + replay == replay from zero.
  std::mt19937_64 rng(7);
  std::vector<uint64_t> sizes = {0, 1, 5, size};
  for (uint64_t s : *snapshots) sizes.insert(sizes.end(), {s - 1, s, s + 1});
  for (int k = 0; k < 12; ++k) sizes.push_back(rng() % (size + 1));
  for (uint64_t s : sizes) {
    std::string via_snapshot = At(s, true);
    ASSERT_FALSE(via_snapshot.empty());
    EXPECT_EQ(via_snapshot, At(s, false)) << "size " << s;
  }
  EXPECT_EQ(At(sizes.back(), false), RebuildByHand(sizes.back()));

  // Households one by one through a snapshot-started projector.
  auto lazy = ProjectionAt(*l_, size);
  ProjectionOptions from_zero;
  from_zero.use_snapshots = false;
  auto eager = ProjectionAt(*l_, size, from_zero);
  ASSERT_TRUE(lazy.ok() && eager.ok());
  for (int i = 0; i < 150; i += 7) {
    std::string code = World::HouseCode(i);
    EXPECT_EQ(Bytes(lazy->SerializeHousehold(code)), Bytes(eager->SerializeHousehold(code))) << code;
  }
  EXPECT_EQ(Bytes(lazy->Serialize()), full);   // loads the rest
}

TEST_F(ProjectionTest, AsOfADateIsWhatWasRecordedByThen) {
  constexpr int64_t kHour = 3600LL * 1'000'000'000;
  int64_t now = BangkokEndOfDayNs({2022, 3, 20}) - kHour;   // 23:00 on 20 March
  LedgerOptions o;
  o.clock = [&now] { return now; };
  o.snapshot_every_events = 4;
  Create(o);
  const std::string h = "33010000001";
  const uint64_t registry = l_->Size();
  Add(w_.Officer(), h, Targeted(h, "330101", {4}), {2022, 3, 20});
  now += 2 * kHour;   // 01:00 on 21 March
  Add(w_.Officer(), h, Help(schema::Dimension::HEALTH, 4, 100), {2022, 3, 20});
  Add(w_.Officer(), h, Help(schema::Dimension::HEALTH, 4, 100), {2022, 3, 21});
  now += 48 * kHour;  // 23 March
  Add(w_.Officer(), h, Help(schema::Dimension::HEALTH, 4, 100), {2022, 2, 1});   // back-dated

  EXPECT_EQ(*SizeAtTime(*l_, BangkokEndOfDayNs({2022, 3, 19})), 0u);
  EXPECT_EQ(*SizeAtTime(*l_, BangkokEndOfDayNs({2022, 3, 20})), registry + 1);
  EXPECT_EQ(*SizeAtTime(*l_, BangkokEndOfDayNs({2022, 3, 22})), registry + 3);
  EXPECT_EQ(*SizeAtTime(*l_, BangkokEndOfDayNs({2022, 3, 23})), registry + 4);
  EXPECT_EQ(BangkokDate(BangkokEndOfDayNs({2022, 3, 1})), (CivilDate{2022, 3, 1}));
  EXPECT_EQ(BangkokDate(BangkokEndOfDayNs({2022, 3, 1}) + 1), (CivilDate{2022, 3, 2}));
  EXPECT_EQ(BangkokDate(0), (CivilDate{1970, 1, 1}));
  EXPECT_EQ(BangkokEndOfDayNs({1970, 1, 1}), 17LL * kHour - 1);

  auto p = ProjectionAt(*l_, *SizeAtTime(*l_, BangkokEndOfDayNs({2022, 3, 22})));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->Area("33")->help_by_dimension[0], (MoneyTotal{2, 200}));
  // The two helps of 01:00 on 21 March read the same clock: the second is
  // recorded 1 ns later (recordedAt strictly increases).
  EXPECT_EQ(p->max_recorded_at_ns(), BangkokEndOfDayNs({2022, 3, 20}) + kHour + 1);
}

TEST_F(ProjectionTest, ApplyRefusesGapsAndGarbage) {
  Create();
  Projector p;
  EXPECT_EQ(p.Apply(*l_->LeafBytes(1)).reason(), "OUT_OF_ORDER");
  EXPECT_EQ(p.Apply("not a leaf").reason(), "MALFORMED_EVENT");
  EXPECT_EQ(p.Apply(std::string(16, '\xff')).reason(), "MALFORMED_EVENT");
  EXPECT_TRUE(p.Apply(*l_->LeafBytes(0)).ok());
  EXPECT_EQ(p.applied(), 1u);
  EXPECT_EQ(ProjectionAt(*l_, l_->Size() + 1).status().reason(), "BEYOND_TREE");
}

}  // namespace
}  // namespace ledger
