// The domain rules at append (docs/domain.md): for each rule an event that
// passes and one that is refused with the exact reason; refused events store
// nothing and leave the rest of their batch alone.
#include <gtest/gtest.h>

#include <fstream>

#include "ledger/event.h"
#include "ledger/merkle.h"
#include "ledger/projection.h"
#include "ledger/reference.h"
#include "support/test_ledger.h"

namespace ledger {
namespace {

using testing::KeyFromByte;
using testing::TempDir;
using testing::World;
using Fill = std::function<void(schema::Payload::Builder)>;

capnp::Data::Reader AsData(const std::string& s) {
  return capnp::Data::Reader(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
capnp::Data::Reader AsData(const Hash& h) { return capnp::Data::Reader(h.data(), h.size()); }

constexpr CivilDate kDay{2022, 3, 15};
// The ledger's clock: 2022-06-01 12:00 in Bangkok.
constexpr int64_t kNow = 1654059600LL * 1'000'000'000;

// The leaf hash `signed_body` gets as event `seq` after `prev_hash`, when the
// household's previous event is `household_prev`. The clock stands at kNow,
// so event `seq` is recorded at kNow + seq ns (recordedAt strictly
// increases: docs/formats.md §1.1).
Hash PredictLeafHash(const std::string& signed_body, uint64_t seq, const Hash& prev_hash,
                     const AppendResult& household_prev) {
  auto parsed = MessageBytes::Parse(signed_body, /*framed=*/true);
  EXPECT_TRUE(parsed.ok());
  capnp::MallocMessageBuilder msg;
  auto env = msg.initRoot<schema::Envelope>();
  env.setSeq(seq);
  env.setRecordedAt(kNow + static_cast<int64_t>(seq));
  env.setPrevHash(capnp::Data::Reader(prev_hash.data(), prev_hash.size()));
  auto link = env.getHouseholdPrev().initEvent();
  link.setSeq(household_prev.seq);
  link.setHash(capnp::Data::Reader(household_prev.leaf_hash.data(), household_prev.leaf_hash.size()));
  env.setSigned(parsed->Root<schema::SignedBody>());
  return merkle::HashLeaf(AsBytes(CanonicalBytes(env.asReader())));
}
const std::string kHouse = "33010000001";
const std::string kOther = "33010000002";

class RulesTest : public ::testing::Test {
 protected:
  void SetUp() override { Open({}); }

  void Open(LedgerOptions o) {
    o.clock = [] { return kNow; };
    auto l = w_.Create(dir_.path(), o);
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    l_ = std::move(*l);
    Ok(w_.Bootstrap());
    // A second agency (living conditions) with one officer, for corrections by others.
    Ok({w_.factory.AgencyRegistered(w_.root, "PSDHS-33", "สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์จังหวัดศรีสะเกษ",
                                    "Si Sa Ket Social Development and Human Security Office",
                                    {schema::Dimension::LIVING}, agency2_.PublicKeyBytes(), kDay, "33"),
        w_.factory.OfficerRegistered(agency2_, "PSDHS-33", "psd-1", psd_.PublicKeyBytes(), kDay)});
  }

  EventSigner Psd() const { return {"PSDHS-33", "psd-1", &psd_}; }
  EventSigner Operator() const { return {"PHO-33", "", &w_.root}; }

  // Any event with full control of the body.
  std::string Make(const EventSigner& s, const std::string& household, const Fill& fill, CivilDate date = kDay,
                   int minute = -1) {
    capnp::MallocMessageBuilder msg;
    auto body = msg.initRoot<schema::EventBody>();
    body.setHousehold(household);
    body.setAgency(s.agency);
    body.setOfficer(s.officer);
    auto occ = body.initOccurredAt();
    occ.initDate().setYear(static_cast<int16_t>(date.year));
    occ.getDate().setMonth(static_cast<uint8_t>(date.month));
    occ.getDate().setDay(static_cast<uint8_t>(date.day));
    occ.setMinuteOfDay(static_cast<int16_t>(minute));
    body.setIdempotencyKey(AsData(w_.factory.NextKey()));
    fill(body.initPayload());
    return SignBody(body.asReader(), *s.key);
  }

  static Fill Targeted(const std::string& house, uint16_t year = 2565, std::vector<uint8_t> failing = {4, 9, 22}) {
    return [=](schema::Payload::Builder p) {
      auto t = p.initHouseholdTargeted();
      t.setHouseCode(house);
      t.setProvince("33");
      t.setDistrict("3301");
      t.setSubdistrict("330101");
      t.setVillage("33010103");
      t.setSurveyYear(year);
      t.setSource(schema::TargetSource::TPMAP);
      auto f = t.initFailingIndicators(static_cast<unsigned>(failing.size()));
      for (unsigned i = 0; i < failing.size(); ++i) f.set(i, failing[i]);
      t.setMembers(4);
    };
  }
  static Fill Visited() {
    return [](schema::Payload::Builder p) { p.initHouseholdVisited().setPurpose("follow-up"); };
  }
  static Fill Help(schema::Dimension d, uint8_t indicator, int64_t satang, int32_t plan_ref = -1) {
    return [=](schema::Payload::Builder p) {
      auto a = p.initAssistanceGiven();
      a.setDimension(d);
      a.setIndicator(indicator);
      a.setMenuItem("H-04-food-kit");
      a.setQuantity(1);
      a.setUnit("set");
      a.setValueSatang(satang);
      a.setPlanActionRef(plan_ref);
    };
  }
  static Fill Exited() {
    return [](schema::Payload::Builder p) { p.initHouseholdExited().setReason(schema::ExitReason::MOVED); };
  }
  static Fill Void(uint64_t seq, const Hash& h) {
    return [=](schema::Payload::Builder p) {
      auto c = p.initCorrection();
      c.setCorrectedSeq(seq);
      c.setCorrectedHash(AsData(h));
      c.setReason("entered twice");
      c.getAction().setVoid();
    };
  }

  std::vector<AppendResult> Ok(std::vector<std::string> events) { return testing::AppendOk(*l_, std::move(events)); }
  AppendResult Ok(std::string event) {
    auto r = Ok(std::vector<std::string>{std::move(event)});
    return r.empty() ? AppendResult{} : r[0];
  }
  // Appends one event that must be refused with `reason`; nothing is stored.
  void Refused(std::string event, const std::string& reason) {
    const uint64_t size = l_->Size();
    auto r = l_->Append({std::move(event)});
    ASSERT_EQ(r.size(), 1u);
    ASSERT_FALSE(r[0].ok()) << "expected " << reason;
    EXPECT_EQ(r[0].status().reason(), reason) << r[0].status().ToString();
    EXPECT_EQ(l_->Size(), size);
  }
  AppendResult TargetHouse(const std::string& house = kHouse) { return Ok(Make(w_.Officer(), house, Targeted(house))); }

  TempDir dir_;
  World w_;
  PrivateKey agency2_ = KeyFromByte(10);
  PrivateKey psd_ = KeyFromByte(11);
  std::unique_ptr<Ledger> l_;
};

// ---------------------------------------------------------------- the body

TEST_F(RulesTest, HouseholdEventsNeedAnElevenDigitHouseCode) {
  Refused(Make(w_.Officer(), "", Targeted("")), "MISSING_HOUSEHOLD");
  Refused(Make(w_.Officer(), "3301000001", Targeted("3301000001")), "BAD_HOUSE_CODE");
  Refused(Make(w_.Officer(), "3301000000x", Targeted("3301000000x")), "BAD_HOUSE_CODE");
  TargetHouse();
}

TEST_F(RulesTest, RegistryEventsCarryNoHousehold) {
  PrivateKey k = KeyFromByte(12);
  Refused(Make({"PHO-33", "", &w_.agency}, kHouse,
               [&](schema::Payload::Builder p) {
                 auto o = p.initOfficerRegistered();
                 o.setOfficerId("off-3");
                 o.setAgency("PHO-33");
                 o.setPublicKey(AsData(k.PublicKeyBytes()));
               }),
          "UNEXPECTED_HOUSEHOLD");
  Ok(w_.factory.OfficerRegistered(w_.agency, "PHO-33", "off-3", k.PublicKeyBytes(), kDay));
}

TEST_F(RulesTest, OccurredAtMustBeAValidCeDateNotInTheFuture) {
  TargetHouse();
  Refused(Make(w_.Officer(), kHouse, Visited(), {2565, 3, 15}), "BAD_DATE");   // a BE year
  Refused(Make(w_.Officer(), kHouse, Visited(), {2022, 2, 29}), "BAD_DATE");
  Refused(Make(w_.Officer(), kHouse, Visited(), {2022, 13, 1}), "BAD_DATE");
  Refused(Make(w_.Officer(), kHouse, Visited(), kDay, 1440), "BAD_TIME");
  Refused(Make(w_.Officer(), kHouse, Visited(), {2022, 6, 3}), "OCCURRED_IN_FUTURE");
  Ok(Make(w_.Officer(), kHouse, Visited(), {2022, 6, 2}, 1439));   // a day of slack
  Ok(Make(w_.Officer(), kHouse, Visited(), {2020, 2, 29}, 0));
}

// ---------------------------------------------------------------- targeting

TEST_F(RulesTest, EveryHouseholdEventNeedsATargetedHousehold) {
  Refused(Make(w_.Officer(), kHouse, Visited()), "HOUSEHOLD_NOT_TARGETED");
  Refused(Make(w_.Officer(), kHouse, Help(schema::Dimension::HEALTH, 4, 100)), "HOUSEHOLD_NOT_TARGETED");
  TargetHouse();
  Ok(Make(w_.Officer(), kHouse, Visited()));
  Ok(Make(w_.Officer(), kHouse, Help(schema::Dimension::HEALTH, 4, 100)));
}

TEST_F(RulesTest, TargetedOncePerSurveyYear) {
  TargetHouse();
  Refused(Make(w_.Officer2(), kHouse, Targeted(kHouse, 2565)), "ALREADY_TARGETED_THIS_YEAR");
  Ok(Make(w_.Officer2(), kHouse, Targeted(kHouse, 2566)));
}

TEST_F(RulesTest, TargetingFieldsAreChecked) {
  auto with = [&](const std::function<void(schema::HouseholdTargeted::Builder)>& change) {
    return Make(w_.Officer(), kHouse, [&](schema::Payload::Builder p) {
      Targeted(kHouse)(p);
      change(p.getHouseholdTargeted());
    });
  };
  Refused(with([](auto t) { t.setHouseCode("33010000009"); }), "HOUSE_CODE_MISMATCH");
  Refused(with([](auto t) { t.setSubdistrict("339999"); }), "UNKNOWN_AREA");
  Refused(with([](auto t) { t.setDistrict("3302"); }), "AREA_MISMATCH");
  Refused(with([](auto t) { t.setProvince("34"); }), "AREA_MISMATCH");
  Refused(with([](auto t) { t.setVillage("33010200"); }), "AREA_MISMATCH");
  Refused(with([](auto t) { t.setSurveyYear(2022); }), "BAD_SURVEY_YEAR");
  Refused(with([](auto t) { t.setSource(static_cast<schema::TargetSource>(9)); }), "BAD_SOURCE");
  Refused(with([](auto t) { t.initFailingIndicators(1).set(0, 39); }), "BAD_INDICATOR");
  Refused(with([](auto t) { t.setMembers(0); }), "BAD_MEMBERS");
  // Member IDs only as 32-byte keyed hashes.
  Refused(with([](auto t) { t.initMemberIdHashes(1).set(0, AsData(std::string("1101700203451"))); }),
          "CITIZEN_ID_IN_CLEAR");
  Refused(with([](auto t) { t.initMemberIdHashes(1).set(0, AsData(std::string(16, 'x'))); }), "BAD_ID_HASH");
  Hash id = HmacSha256("operator secret", "1101700203451");
  Ok(with([&](auto t) {
    t.initMemberIdHashes(1).set(0, AsData(id));
    t.initFailingIndicators(2).set(0, 30);   // a BMN indicator outside the MPI table
    t.getFailingIndicators().set(1, 4);
  }));
}

TEST_F(RulesTest, ExitedHouseholdsRecordNothingButCorrections) {
  TargetHouse();
  AppendResult exit = Ok(Make(w_.Officer(), kHouse, Exited()));
  Refused(Make(w_.Officer(), kHouse, Visited()), "HOUSEHOLD_EXITED");
  Refused(Make(w_.Officer(), kHouse, Help(schema::Dimension::HEALTH, 4, 100)), "HOUSEHOLD_EXITED");
  Refused(Make(w_.Officer(), kHouse, Exited()), "HOUSEHOLD_EXITED");
  Refused(Make(w_.Officer(), kHouse, Targeted(kHouse, 2566)), "HOUSEHOLD_EXITED");
  // A mistaken exit is voided; the household is active again.
  Ok(Make(w_.Officer(), kHouse, Void(exit.seq, exit.leaf_hash)));
  Ok(Make(w_.Officer(), kHouse, Visited()));
}

// ---------------------------------------------------------------- mentors

TEST_F(RulesTest, MentorsMustBeActiveOfficers) {
  TargetHouse();
  auto assign = [&](const std::string& officer) {
    return Make(w_.Officer(), kHouse, [=](schema::Payload::Builder p) {
      auto m = p.initMentorAssigned();
      m.setOfficerId(officer);
      m.setTeamRole("lead");
    });
  };
  auto release = [&](const std::string& officer) {
    return Make(w_.Officer(), kHouse, [=](schema::Payload::Builder p) {
      p.initMentorReleased().setOfficerId(officer);
      p.getMentorReleased().setReason("moved");
    });
  };
  Refused(assign("off-9"), "OFFICER_NOT_ACTIVE");
  Ok(assign("off-2"));
  Refused(assign("off-2"), "ALREADY_MENTOR");
  Ok(assign("psd-1"));   // mentors come from any agency
  Refused(release("off-1"), "NOT_A_MENTOR");
  Ok(release("off-2"));
  Ok(w_.factory.OfficerKeyRevoked(w_.agency, "PHO-33", "off-2", "left the office", kDay));
  Refused(assign("off-2"), "OFFICER_NOT_ACTIVE");
}

// ---------------------------------------------------------------- help and plans

TEST_F(RulesTest, AssistanceFieldsAreChecked) {
  TargetHouse();
  Refused(Make(w_.Officer(), kHouse, Help(schema::Dimension::HEALTH, 4, -1)), "NEGATIVE_VALUE");
  Ok(Make(w_.Officer(), kHouse, Help(schema::Dimension::HEALTH, 4, 0)));
  Refused(Make(w_.Officer(), kHouse, Help(schema::Dimension::HEALTH, 9, 100)), "BAD_INDICATOR");   // 9 is living
  Refused(Make(w_.Officer(), kHouse, Help(schema::Dimension::HEALTH, 40, 100)), "BAD_INDICATOR");
  Ok(Make(w_.Officer(), kHouse, Help(schema::Dimension::LIVING, 9, 100)));
  Ok(Make(w_.Officer(), kHouse, Help(schema::Dimension::INCOME, 0, 100)));   // no indicator
  Refused(Make(w_.Officer(), kHouse, Help(static_cast<schema::Dimension>(5), 0, 100)), "BAD_DIMENSION");
  Refused(Make(w_.Officer(), kHouse,
               [](schema::Payload::Builder p) {
                 Help(schema::Dimension::HEALTH, 4, 100)(p);
                 p.getAssistanceGiven().setMenuItem("");
               }),
          "MISSING_FIELD");
  Refused(Make(w_.Officer(), kHouse,
               [](schema::Payload::Builder p) {
                 Help(schema::Dimension::HEALTH, 4, 100)(p);
                 p.getAssistanceGiven().setBeneficiary(AsData(std::string("3330100123456")));
               }),
          "CITIZEN_ID_IN_CLEAR");
  Refused(Make(w_.Officer(), kHouse,
               [](schema::Payload::Builder p) {
                 Help(schema::Dimension::HEALTH, 4, 100)(p);
                 p.getAssistanceGiven().initEvidence(1).set(0, AsData(std::string(20, 'e')));
               }),
          "BAD_EVIDENCE_HASH");
  Hash beneficiary = HmacSha256("operator secret", "3330100123456");
  Ok(Make(w_.Officer(), kHouse, [&](schema::Payload::Builder p) {
    Help(schema::Dimension::HEALTH, 4, 100)(p);
    p.getAssistanceGiven().setBeneficiary(AsData(beneficiary));
    p.getAssistanceGiven().initEvidence(1).set(0, AsData(Sha256("photo.jpg")));
  }));
}

TEST_F(RulesTest, PlansAndReferencesToThem) {
  TargetHouse();
  Refused(Make(w_.Officer(), kHouse, Help(schema::Dimension::HEALTH, 4, 100, 0)), "BAD_PLAN_ACTION_REF");
  auto plan = [&](const std::string& responsible, CivilDate due) {
    return Make(w_.Officer(), kHouse, [=](schema::Payload::Builder p) {
      auto a = p.initPlanAgreed().initActions(1)[0];
      a.setDimension(schema::Dimension::HEALTH);
      a.setIndicator(4);
      a.setMenuItem("H-04-food-kit");
      a.setResponsibleAgency(responsible);
      a.setTargetLevel(schema::Level::SURVIVE);
      auto d = a.initDueDate();
      d.setYear(static_cast<int16_t>(due.year));
      d.setMonth(static_cast<uint8_t>(due.month));
      d.setDay(static_cast<uint8_t>(due.day));
    });
  };
  Refused(plan("NOBODY-33", {2022, 9, 30}), "UNKNOWN_AGENCY");
  Refused(plan("PHO-33", {2022, 9, 31}), "BAD_DATE");
  Refused(Make(w_.Officer(), kHouse, [](schema::Payload::Builder p) { p.initPlanAgreed(); }), "MISSING_FIELD");
  AppendResult agreed = Ok(plan("PSDHS-33", {2022, 9, 30}));
  Ok(Make(w_.Officer(), kHouse, Help(schema::Dimension::HEALTH, 4, 100, 0)));
  Refused(Make(w_.Officer(), kHouse, Help(schema::Dimension::HEALTH, 4, 100, 1)), "BAD_PLAN_ACTION_REF");
  // Actions of a voided plan take no more help.
  Ok(Make(w_.Officer(), kHouse, Void(agreed.seq, agreed.leaf_hash)));
  Refused(Make(w_.Officer(), kHouse, Help(schema::Dimension::HEALTH, 4, 100, 0)), "BAD_PLAN_ACTION_REF");
}

TEST_F(RulesTest, ReferralsGoToRegisteredAgencies) {
  TargetHouse();
  auto refer = [&](const std::string& to) {
    return Make(w_.Officer(), kHouse, [=](schema::Payload::Builder p) {
      auto r = p.initReferred();
      r.setToAgency(to);
      r.setProblem("house needs repair");
      r.setDimension(schema::Dimension::LIVING);
    });
  };
  Refused(refer("NOBODY-33"), "UNKNOWN_AGENCY");
  Refused(Make(w_.Officer(), kHouse,
               [](schema::Payload::Builder p) {
                 p.initReferred().setToAgency("PSDHS-33");
               }),
          "MISSING_FIELD");
  Ok(refer("PSDHS-33"));
}

TEST_F(RulesTest, OnlyFailingIndicatorsAreResolved) {
  TargetHouse();   // failing 4, 9, 22
  auto resolve = [&](uint8_t n) {
    return Make(w_.Officer(), kHouse, [=](schema::Payload::Builder p) {
      p.initIndicatorResolved().setIndicator(n);
      p.getIndicatorResolved().setHowVerified("visit");
    });
  };
  Refused(resolve(20), "INDICATOR_NOT_FAILING");
  Refused(resolve(0), "BAD_INDICATOR");
  Ok(resolve(9));
  Refused(resolve(9), "INDICATOR_NOT_FAILING");
  // A new survey year finds it failing again.
  Ok(Make(w_.Officer(), kHouse, Targeted(kHouse, 2566, {9})));
  Ok(resolve(9));
}

TEST_F(RulesTest, EnumsAndLocationsAreChecked) {
  TargetHouse();
  Refused(Make(w_.Officer(), kHouse,
               [](schema::Payload::Builder p) { p.initLevelAssessed().setLevel(static_cast<schema::Level>(3)); }),
          "BAD_LEVEL");
  Ok(Make(w_.Officer(), kHouse,
          [](schema::Payload::Builder p) { p.initLevelAssessed().setLevel(schema::Level::SUFFICIENT); }));
  Refused(Make(w_.Officer(), kHouse,
               [](schema::Payload::Builder p) {
                 p.initWelfareRightChecked().setRight(static_cast<schema::WelfareRight>(8));
               }),
          "BAD_WELFARE_RIGHT");
  Refused(Make(w_.Officer(), kHouse,
               [](schema::Payload::Builder p) {
                 p.initWelfareRightChecked().setResult(static_cast<schema::WelfareResult>(3));
               }),
          "BAD_WELFARE_RESULT");
  Ok(Make(w_.Officer(), kHouse, [](schema::Payload::Builder p) {
    p.initWelfareRightChecked().setRight(schema::WelfareRight::ELDERLY);
    p.getWelfareRightChecked().setResult(schema::WelfareResult::ENROLLED_NOW);
  }));
  auto select = [&](const std::string& programme) {
    return Make(w_.Officer(), kHouse, [=](schema::Payload::Builder p) {
      auto s = p.initHouseholdSelected();
      s.setProgramme(programme);
      s.setSelected(true);
    });
  };
  Refused(select(""), "MISSING_FIELD");
  Ok(select("sufficiency housing"));
  Refused(Make(w_.Officer(), kHouse,
               [](schema::Payload::Builder p) {
                 p.initHouseholdExited().setReason(static_cast<schema::ExitReason>(4));
               }),
          "BAD_EXIT_REASON");
  auto visit_at = [&](int32_t lat, int32_t lon) {
    return Make(w_.Officer(), kHouse, [=](schema::Payload::Builder p) {
      auto v = p.initHouseholdVisited();
      v.setPurpose("survey");
      auto g = v.getLocation().initGps();
      g.setLatMicrodeg(lat);
      g.setLonMicrodeg(lon);
    });
  };
  Refused(visit_at(0, 0), "BAD_LOCATION");
  Ok(visit_at(15'118'000, 104'322'000));   // Si Sa Ket
  Refused(Make(w_.Officer(), kHouse,
               [](schema::Payload::Builder p) {
                 auto f = p.initProblemsAnalysed().initFindings(1)[0];
                 f.setDimension(static_cast<schema::Dimension>(7));
               }),
          "BAD_DIMENSION");
  Ok(Make(w_.Officer(), kHouse, [](schema::Payload::Builder p) {
    auto f = p.initProblemsAnalysed().initFindings(1)[0];
    f.setDimension(schema::Dimension::INCOME);
    f.setWayOut("vocational training");
  }));
}

TEST_F(RulesTest, RegistryAreasMustExist) {
  PrivateKey k = KeyFromByte(13);
  Refused(w_.factory.AgencyRegistered(w_.root, "X-99", "x", "x", {schema::Dimension::HEALTH}, k.PublicKeyBytes(),
                                      kDay, "99"),
          "UNKNOWN_AREA");
  Refused(w_.factory.OfficerRegistered(w_.agency, "PHO-33", "off-5", k.PublicKeyBytes(), kDay,
                                       schema::OfficerRole::MENTOR, {"3301", "330199"}),
          "UNKNOWN_AREA");
  Refused(w_.factory.OfficerRegistered(w_.agency, "PHO-33", "off-5", k.PublicKeyBytes(), kDay,
                                       static_cast<schema::OfficerRole>(9)),
          "BAD_ROLE");
  Ok(w_.factory.OfficerRegistered(w_.agency, "PHO-33", "off-5", k.PublicKeyBytes(), kDay,
                                  schema::OfficerRole::MENTOR, {"33", "3301", "330101", "33010103"}));
}

// ---------------------------------------------------------------- corrections

TEST_F(RulesTest, CorrectionsNameAnEventOfTheSameHouseholdByHash) {
  TargetHouse();
  TargetHouse(kOther);
  AppendResult help = Ok(Make(w_.Officer(), kHouse, Help(schema::Dimension::HEALTH, 4, 50000)));
  AppendResult other = Ok(Make(w_.Officer(), kOther, Visited()));
  Refused(Make(w_.Officer(), kHouse, Void(l_->Size(), help.leaf_hash)), "CORRECTION_TARGET_MISSING");
  Refused(Make(w_.Officer(), kHouse, Void(other.seq, other.leaf_hash)), "CORRECTION_OTHER_HOUSEHOLD");
  Refused(Make(w_.Officer(), kHouse, Void(0, *l_->LeafHash(0))), "CORRECTION_OTHER_HOUSEHOLD");
  Refused(Make(w_.Officer(), kHouse, Void(help.seq, other.leaf_hash)), "CORRECTION_HASH_MISMATCH");
  Refused(Make(w_.Officer(), kHouse,
               [&](schema::Payload::Builder p) {
                 Void(help.seq, help.leaf_hash)(p);
                 p.getCorrection().setReason("");
               }),
          "MISSING_FIELD");
  AppendResult c = Ok(Make(w_.Officer2(), kHouse, Void(help.seq, help.leaf_hash)));   // same agency
  Refused(Make(w_.Officer(), kHouse, Void(c.seq, c.leaf_hash)), "CORRECTION_OF_CORRECTION");
}

TEST_F(RulesTest, OnlyTheRecordingAgencyOrTheOperatorCorrects) {
  TargetHouse();
  AppendResult help = Ok(Make(w_.Officer(), kHouse, Help(schema::Dimension::HEALTH, 4, 50000)));
  Refused(Make(Psd(), kHouse, Void(help.seq, help.leaf_hash)), "CORRECTION_NOT_RECORDER");
  Ok(Make(Operator(), kHouse, Void(help.seq, help.leaf_hash)));
}

TEST_F(RulesTest, ReplacementsKeepTheKindAndItsRules) {
  TargetHouse();
  AppendResult help = Ok(Make(w_.Officer(), kHouse, Help(schema::Dimension::HEALTH, 4, 50000)));
  auto replace = [&](const Fill& with) {
    return Make(w_.Officer(), kHouse, [&](schema::Payload::Builder p) {
      auto c = p.initCorrection();
      c.setCorrectedSeq(help.seq);
      c.setCorrectedHash(AsData(help.leaf_hash));
      c.setReason("wrong amount");
      with(c.getAction().initReplacement());
    });
  };
  Refused(replace(Visited()), "CORRECTION_KIND_MISMATCH");
  Refused(replace(Help(schema::Dimension::HEALTH, 4, -5)), "NEGATIVE_VALUE");
  Ok(replace(Help(schema::Dimension::HEALTH, 4, 5000)));
}

// ---------------------------------------------------------------- batches

TEST_F(RulesTest, ARefusedEventLeavesTheRestOfItsBatchAlone) {
  const uint64_t base = l_->Size();
  std::string target = Make(w_.Officer(), kHouse, Targeted(kHouse));
  std::string bad = Make(w_.Officer(), kHouse, Help(schema::Dimension::HEALTH, 4, -100));
  std::string visit = Make(w_.Officer(), kHouse, Visited());   // relies on the targeting earlier in the batch
  std::string untargeted = Make(w_.Officer(), kOther, Visited());
  auto r = l_->Append({target, bad, visit, untargeted});
  ASSERT_EQ(r.size(), 4u);
  ASSERT_TRUE(r[0].ok()) << r[0].status().ToString();
  EXPECT_EQ(r[1].status().reason(), "NEGATIVE_VALUE");
  ASSERT_TRUE(r[2].ok()) << r[2].status().ToString();
  EXPECT_EQ(r[3].status().reason(), "HOUSEHOLD_NOT_TARGETED");
  EXPECT_EQ(r[0]->seq, base);
  EXPECT_EQ(r[2]->seq, base + 1);   // gap-free: the refused event took no seq
  EXPECT_EQ(l_->Size(), base + 2);
  // A correction may name an event earlier in its own batch: predict the
  // help's leaf hash (the clock is fixed) and void it in the same Append.
  AppendResult last = r[2].value();
  std::string help = Make(w_.Officer(), kHouse, Help(schema::Dimension::HEALTH, 4, 100));
  const uint64_t help_seq = l_->Size();
  Hash help_hash = PredictLeafHash(help, help_seq, last.leaf_hash, last);
  r = l_->Append({help, Make(w_.Officer(), kHouse, Void(help_seq, help_hash))});
  ASSERT_TRUE(r[0].ok()) << r[0].status().ToString();
  EXPECT_EQ(r[0]->leaf_hash, help_hash);
  ASSERT_TRUE(r[1].ok()) << r[1].status().ToString();
  auto proj = ProjectionAt(*l_, l_->Size());
  ASSERT_TRUE(proj.ok());
  auto h = proj->Household(kHouse);
  ASSERT_TRUE(h.ok() && h->has_value());
  EXPECT_EQ((*h)->help_total.satang, 0);
  ASSERT_EQ((*h)->help.size(), 1u);
  EXPECT_EQ((*h)->help[0].state, RecordState::kVoided);
}

TEST(RulesReferenceTest, OperatorTablesReplaceTheBuiltIns) {
  TempDir dir;
  {
    std::ofstream areas(dir.Sub("areas.csv"));
    areas << "province_code,province_th,province_en,district_code,district_th,district_en,subdistrict_code,"
             "subdistrict_th,subdistrict_en,postcode\n"
             "33,ศรีสะเกษ,Si Sa Ket,3301,เมืองศรีสะเกษ,Mueang Si Sa Ket,330101,เมืองเหนือ,Mueang Nuea,33000\n";
    std::ofstream indicators(dir.Sub("indicators.csv"));
    indicators << "indicator,dimension\n4,health\n9,living\n45,income  # a new national indicator\n";
  }
  World w;
  LedgerOptions o;
  o.areas_csv = dir.Sub("areas.csv");
  o.indicators_csv = dir.Sub("indicators.csv");
  auto l = w.Create(dir.Sub("store"), o);
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  testing::AppendOk(**l, w.Bootstrap());
  auto r = (*l)->Append({w.factory.HouseholdTargeted(w.Officer(), "33010000001", "330101", 2565, {4, 45}, 3, kDay),
                         w.factory.HouseholdTargeted(w.Officer(), "33010000002", "330102", 2565, {4}, 3, kDay),
                         w.factory.AssistanceGiven(w.Officer(), "33010000001", schema::Dimension::HEALTH, 45,
                                                   "X", 100, kDay)});
  EXPECT_TRUE(r[0].ok()) << r[0].status().ToString();
  EXPECT_EQ(r[1].status().reason(), "UNKNOWN_AREA");   // 330102 is not in this operator's list
  EXPECT_EQ(r[2].status().reason(), "BAD_INDICATOR");  // 45 is income here

  LedgerOptions bad;
  bad.indicators_csv = dir.Sub("missing.csv");
  EXPECT_EQ(w.Create(dir.Sub("store2"), bad).status().reason(), "BAD_REFERENCE");
}

TEST(RulesReferenceTest, BuiltInReferenceData) {
  const ReferenceData& ref = ReferenceData::Builtin();
  EXPECT_TRUE(ref.AreaExists("33"));
  EXPECT_TRUE(ref.AreaExists("3301"));
  EXPECT_TRUE(ref.AreaExists("330101"));
  EXPECT_TRUE(ref.AreaExists("100101"));
  EXPECT_FALSE(ref.AreaExists("99"));
  EXPECT_FALSE(ref.AreaExists("339999"));
  EXPECT_FALSE(ref.AreaExists("3301010"));
  EXPECT_GT(ref.subdistrict_count(), 7000u);
  EXPECT_EQ(ref.IndicatorDimension(9), Dimension::kLiving);
  EXPECT_EQ(ref.IndicatorDimension(28), Dimension::kAccess);
  EXPECT_EQ(ref.IndicatorDimension(30), std::nullopt);
  EXPECT_EQ(ref.IndicatorsOf(Dimension::kIncome), (std::vector<int>{20, 21, 22}));
}

}  // namespace
}  // namespace ledger
