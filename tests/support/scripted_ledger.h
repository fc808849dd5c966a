// A hand-written ledger with a settable server clock, for tests that need
// events recorded on chosen dates (as-of reports, anomalies): the registry
// of World (PHO-33 with off-1, off-2) plus a second agency PSDHS-33 (living
// conditions) with officer psd-1, then household events added one by one.
//
//   ScriptedLedger s(dir.path());
//   s.RecordOn({2022, 3, 1});
//   AppendResult t = s.Target(s.Off1(), "33010000001", "330101", {4}, {2022, 3, 1});
//   AppendResult h = s.Give(s.Off1(), "33010000001", schema::Dimension::HEALTH, 4, "H-01", 500, {2022, 3, 1});
//   s.Add(s.Off1(), "33010000001", {2022, 3, 2}, Visited());
//   s.Add(s.Operator(), "33010000001", {2022, 3, 2}, Void(h));
//   s.Close();   // then open read-only, run ledger-replay, ...
//
// Every Add asserts the event was stored.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ledger/testing/event_factory.h"
#include "ledger/ledger.h"
#include "ledger/projection.h"
#include "support/test_ledger.h"

namespace ledger::testing {

using Fill = std::function<void(schema::Payload::Builder)>;

inline Fill Assess(schema::Level l) {
  return [=](schema::Payload::Builder p) { p.initLevelAssessed().setLevel(l); };
}
inline Fill Visited() {
  return [](schema::Payload::Builder p) { p.initHouseholdVisited().setPurpose("follow-up"); };
}
inline Fill Exited() {
  return [](schema::Payload::Builder p) { p.initHouseholdExited().setReason(schema::ExitReason::MOVED); };
}
inline Fill MentorOf(const std::string& officer) {
  return [=](schema::Payload::Builder p) { p.initMentorAssigned().setOfficerId(officer); };
}
inline Fill Resolved(uint8_t indicator) {
  return [=](schema::Payload::Builder p) { p.initIndicatorResolved().setIndicator(indicator); };
}
inline Fill PlanOf(schema::Dimension d, uint8_t indicator, const std::string& menu_item, const std::string& agency) {
  return [=](schema::Payload::Builder p) {
    auto a = p.initPlanAgreed().initActions(1)[0];
    a.setDimension(d);
    a.setIndicator(indicator);
    a.setMenuItem(menu_item);
    a.setResponsibleAgency(agency);
    auto due = a.initDueDate();
    due.setYear(2022);
    due.setMonth(9);
    due.setDay(30);
  };
}
inline Fill Void(const AppendResult& r) {
  return [=](schema::Payload::Builder p) {
    auto c = p.initCorrection();
    c.setCorrectedSeq(r.seq);
    c.setCorrectedHash(capnp::Data::Reader(r.leaf_hash.data(), r.leaf_hash.size()));
    c.setReason("recorded in error");
    c.getAction().setVoid();
  };
}

class ScriptedLedger {
 public:
  explicit ScriptedLedger(const std::string& dir, LedgerOptions options = {}) {
    options.clock = [this] { return now_ns_.load(); };
    RecordOn(kRegistryDay);
    auto l = world.Create(dir, options);
    EXPECT_TRUE(l.ok()) << l.status().ToString();
    if (!l.ok()) return;
    ledger_ = std::move(*l);
    EventFactory& f = world.factory;
    AppendOk(*ledger_, {
        f.AgencyRegistered(world.root, world.agency_code, "สำนักงานสาธารณสุขจังหวัดศรีสะเกษ",
                           "Sisaket Provincial Public Health Office", {schema::Dimension::HEALTH},
                           world.agency.PublicKeyBytes(), kRegistryDay, "33"),
        f.OfficerRegistered(world.agency, world.agency_code, "off-1", world.officer.PublicKeyBytes(), kRegistryDay),
        f.OfficerRegistered(world.agency, world.agency_code, "off-2", world.officer2.PublicKeyBytes(), kRegistryDay),
        f.AgencyRegistered(world.root, "PSDHS-33", "สำนักงานพัฒนาสังคมฯ ศรีสะเกษ", "Si Sa Ket PSDHS",
                           {schema::Dimension::LIVING}, agency2_.PublicKeyBytes(), kRegistryDay, "33"),
        f.OfficerRegistered(agency2_, "PSDHS-33", "psd-1", psd_.PublicKeyBytes(), kRegistryDay),
    });
  }

  // The registry (5 events, seqs 0..4) is recorded on this day.
  static constexpr CivilDate kRegistryDay{2021, 9, 1};

  // Events added from now on are recorded at `minute` past midnight,
  // Asia/Bangkok, on `day`.
  void RecordOn(const CivilDate& day, int minute = 10 * 60) {
    now_ns_ = BangkokEndOfDayNs(day) + 1 - int64_t{86400'000'000'000} + int64_t{minute} * 60'000'000'000;
  }

  AppendResult Add(const EventSigner& s, const std::string& house, const CivilDate& occurred, const Fill& fill) {
    return Append(world.factory.Make(s, house, occurred, fill));
  }
  // HouseholdTargeted (survey year 2565, TPMAP, 4 members) in `subdistrict`.
  AppendResult Target(const EventSigner& s, const std::string& house, const std::string& subdistrict,
                      const std::vector<uint8_t>& failing, const CivilDate& occurred) {
    return Append(world.factory.HouseholdTargeted(s, house, subdistrict, 2565, failing, 4, occurred));
  }
  // AssistanceGiven of one unit.
  AppendResult Give(const EventSigner& s, const std::string& house, schema::Dimension dimension, uint8_t indicator,
                    const std::string& menu_item, int64_t satang, const CivilDate& occurred) {
    return Append(world.factory.AssistanceGiven(s, house, dimension, indicator, menu_item, satang, occurred));
  }

  EventSigner Off1() const { return world.Officer(); }
  EventSigner Off2() const { return world.Officer2(); }
  EventSigner Psd() const { return {"PSDHS-33", "psd-1", &psd_}; }
  EventSigner Operator() const { return {"PHO-33", "", &world.root}; }

  AppendResult Append(std::string event) {
    auto r = AppendOk(*ledger_, {std::move(event)});
    return r.empty() ? AppendResult{} : r[0];
  }

  Ledger& ledger() { return *ledger_; }
  void Close() { ledger_.reset(); }

  World world;

 private:
  PrivateKey agency2_ = KeyFromByte(10);
  PrivateKey psd_ = KeyFromByte(11);
  std::atomic<int64_t> now_ns_{0};
  std::unique_ptr<Ledger> ledger_;
};

}  // namespace ledger::testing
