// Events as JSON (event_json.h): every kind's payload fields in snake_case
// with the values set through the generated API, the envelope keys, the
// inverse (JSON -> body) with its errors, and the round trip
// JSON -> body -> sign -> append -> export.
#include "ledger/event_json.h"

#include <gtest/gtest.h>

#include <set>

#include "ledger/event.h"
#include "ledger/merkle.h"
#include "support/test_ledger.h"

namespace ledger {
namespace {

using nlohmann::json;
using testing::AppendOk;
using testing::KeyFromByte;
using testing::TempDir;
using testing::World;

capnp::Data::Reader AsData(const std::string& s) {
  return capnp::Data::Reader(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
std::string Bytes(char c, size_t n) { return std::string(n, c); }
std::string Hex(char c, size_t n) { return ToHex(Bytes(c, n)); }

const std::string kHouse = "33010012345";

// One event kind: how to set its payload with the generated API, and the
// JSON fields that must come out (and that BodyFromJson must read back).
struct KindCase {
  std::string name;                 // test label
  std::string kind;                 // catalogue name
  std::string household;
  std::function<void(schema::Payload::Builder)> fill;
  json fields;
};

void FillAssistance(schema::AssistanceGiven::Builder a, int64_t value) {
  a.setDimension(schema::Dimension::INCOME);
  a.setIndicator(22);
  a.setMenuItem("INC-07");
  a.setDescription("ปุ๋ยอินทรีย์ 2 กระสอบ");
  a.setQuantity(2);
  a.setUnit("bag");
  a.setValueSatang(value);
  a.setBeneficiary(AsData(Bytes('\x0b', 32)));
  a.initEvidence(1).set(0, AsData(Bytes('\x0e', 32)));
  a.setPlanActionRef(0);
}

json AssistanceJson(int64_t value) {
  return {{"dimension", "income"},   {"indicator", 22},       {"menu_item", "INC-07"},
          {"description", "ปุ๋ยอินทรีย์ 2 กระสอบ"}, {"quantity", 2}, {"unit", "bag"},
          {"value_satang", value},    {"beneficiary", Hex('\x0b', 32)}, {"evidence", {Hex('\x0e', 32)}},
          {"plan_action_ref", 0}};
}

// Every kind, with every field set to a value other than its default.
// `corrected_seq`/`corrected_hash` name the events the corrections correct.
std::vector<KindCase> AllKinds(uint64_t void_seq = 7, const std::string& void_hash = Bytes('\x07', 32),
                               uint64_t replace_seq = 8, const std::string& replace_hash = Bytes('\x08', 32)) {
  // Above 2^53: must stay an exact integer.
  constexpr int64_t kBigValue = 9007199254740993;
  std::vector<KindCase> c;
  c.push_back({"AgencyRegistered", "AgencyRegistered", "",
               [](schema::Payload::Builder p) {
                 auto a = p.initAgencyRegistered();
                 a.setCode("DOAE-33");
                 a.setNameTh("สำนักงานเกษตรจังหวัดศรีสะเกษ");
                 a.setNameEn("Sisaket Provincial Agricultural Extension Office");
                 auto d = a.initDimensions(2);
                 d.set(0, schema::Dimension::INCOME);
                 d.set(1, schema::Dimension::ACCESS);
                 a.setPublicKey(AsData(KeyFromByte(6).PublicKeyBytes()));
                 a.setProvince("33");
               },
               {{"code", "DOAE-33"},
                {"name_th", "สำนักงานเกษตรจังหวัดศรีสะเกษ"},
                {"name_en", "Sisaket Provincial Agricultural Extension Office"},
                {"dimensions", {"income", "access"}},
                {"public_key", ToHex(KeyFromByte(6).PublicKeyBytes())},
                {"province", "33"}}});
  c.push_back({"OfficerRegistered", "OfficerRegistered", "",
               [](schema::Payload::Builder p) {
                 auto o = p.initOfficerRegistered();
                 o.setOfficerId("off-9");
                 o.setAgency("DOAE-33");
                 o.setRole(schema::OfficerRole::TEAM_LEAD);
                 o.setPublicKey(AsData(KeyFromByte(9).PublicKeyBytes()));
                 auto areas = o.initAreas(2);
                 areas.set(0, "3301");
                 areas.set(1, "330101");
               },
               {{"officer_id", "off-9"},
                {"payload_agency", "DOAE-33"},
                {"role", "team_lead"},
                {"public_key", ToHex(KeyFromByte(9).PublicKeyBytes())},
                {"areas", {"3301", "330101"}}}});
  c.push_back({"OfficerKeyRevoked", "OfficerKeyRevoked", "",
               [](schema::Payload::Builder p) {
                 auto r = p.initOfficerKeyRevoked();
                 r.setOfficerId("off-9");
                 r.setAgency("DOAE-33");
                 r.setReason("phone lost");
               },
               {{"officer_id", "off-9"}, {"payload_agency", "DOAE-33"}, {"reason", "phone lost"}}});
  c.push_back({"HouseholdTargeted", "HouseholdTargeted", kHouse,
               [](schema::Payload::Builder p) {
                 auto t = p.initHouseholdTargeted();
                 t.setHouseCode(kHouse);
                 t.setProvince("33");
                 t.setDistrict("3301");
                 t.setSubdistrict("330101");
                 t.setVillage("33010105");
                 t.setSurveyYear(2565);
                 t.setSource(schema::TargetSource::PROGRAMME_SELECTION);
                 auto f = t.initFailingIndicators(3);
                 f.set(0, 4);
                 f.set(1, 17);
                 f.set(2, 22);
                 t.setMembers(5);
                 auto m = t.initMemberIdHashes(2);
                 m.set(0, AsData(Bytes('\x01', 32)));
                 m.set(1, AsData(Bytes('\x02', 32)));
               },
               {{"house_code", kHouse},
                {"province", "33"},
                {"district", "3301"},
                {"subdistrict", "330101"},
                {"village", "33010105"},
                {"survey_year", 2565},
                {"source", "programme_selection"},
                {"failing_indicators", {4, 17, 22}},
                {"members", 5},
                {"member_id_hashes", {Hex('\x01', 32), Hex('\x02', 32)}}}});
  c.push_back({"HouseholdSelected", "HouseholdSelected", kHouse,
               [](schema::Payload::Builder p) {
                 auto s = p.initHouseholdSelected();
                 s.setProgramme("foundation-2566");
                 auto sc = s.initScores(2);
                 sc[0].setCriterion("income");
                 sc[0].setScore(3);
                 sc[1].setCriterion("housing");
                 sc[1].setScore(-1);
                 s.setSelected(true);
                 s.setCommittee("Sisaket PPAO");
                 s.setMeeting("2/2566");
               },
               {{"programme", "foundation-2566"},
                {"scores", {{{"criterion", "income"}, {"score", 3}}, {{"criterion", "housing"}, {"score", -1}}}},
                {"selected", true},
                {"committee", "Sisaket PPAO"},
                {"meeting", "2/2566"}}});
  c.push_back({"MentorAssigned", "MentorAssigned", kHouse,
               [](schema::Payload::Builder p) {
                 auto m = p.initMentorAssigned();
                 m.setOfficerId("off-2");
                 m.setTeamRole("lead");
               },
               {{"officer_id", "off-2"}, {"team_role", "lead"}}});
  c.push_back({"HouseholdVisited", "HouseholdVisited", kHouse,
               [](schema::Payload::Builder p) {
                 auto v = p.initHouseholdVisited();
                 v.setPurpose("first visit");
                 auto g = v.initLocation().initGps();
                 g.setLatMicrodeg(15118000);
                 g.setLonMicrodeg(104322000);
                 v.initEvidence(1).set(0, AsData(Bytes('\x0e', 32)));
               },
               {{"purpose", "first visit"},
                {"location", {{"gps", {{"lat_microdeg", 15118000}, {"lon_microdeg", 104322000}}}}},
                {"evidence", {Hex('\x0e', 32)}}}});
  c.push_back({"HouseholdVisitedNoGps", "HouseholdVisited", kHouse,
               [](schema::Payload::Builder p) {
                 auto v = p.initHouseholdVisited();
                 v.setPurpose("follow-up");
                 v.initLocation().setNone();
               },
               {{"purpose", "follow-up"}, {"location", "none"}, {"evidence", json::array()}}});
  c.push_back({"ProblemsAnalysed", "ProblemsAnalysed", kHouse,
               [](schema::Payload::Builder p) {
                 auto f = p.initProblemsAnalysed().initFindings(1);
                 f[0].setDimension(schema::Dimension::INCOME);
                 f[0].setAttitude("wants to farm");
                 f[0].setSkills("rice only");
                 f[0].setResources("2 rai");
                 f[0].setWayOut("mixed farming");
               },
               {{"findings",
                 {{{"dimension", "income"},
                   {"attitude", "wants to farm"},
                   {"skills", "rice only"},
                   {"resources", "2 rai"},
                   {"way_out", "mixed farming"}}}}}});
  c.push_back({"PlanAgreed", "PlanAgreed", kHouse,
               [](schema::Payload::Builder p) {
                 auto a = p.initPlanAgreed().initActions(1);
                 a[0].setDimension(schema::Dimension::INCOME);
                 a[0].setIndicator(22);
                 a[0].setMenuItem("INC-07");
                 a[0].setResponsibleAgency("PHO-33");
                 a[0].setTargetLevel(schema::Level::SUFFICIENT);
                 auto d = a[0].initDueDate();
                 d.setYear(2023);
                 d.setMonth(3);
                 d.setDay(31);
               },
               {{"actions",
                 {{{"dimension", "income"},
                   {"indicator", 22},
                   {"menu_item", "INC-07"},
                   {"responsible_agency", "PHO-33"},
                   {"target_level", "sufficient"},
                   {"due_date", "2023-03-31"}}}}}});
  c.push_back({"WelfareRightChecked", "WelfareRightChecked", kHouse,
               [](schema::Payload::Builder p) {
                 auto w = p.initWelfareRightChecked();
                 w.setRight(schema::WelfareRight::WELFARE_CARD);
                 w.setResult(schema::WelfareResult::ENROLLED_NOW);
               },
               {{"right", "welfare_card"}, {"result", "enrolled_now"}}});
  c.push_back({"AssistanceGiven", "AssistanceGiven", kHouse,
               [=](schema::Payload::Builder p) { FillAssistance(p.initAssistanceGiven(), kBigValue); },
               AssistanceJson(kBigValue)});
  c.push_back({"Referred", "Referred", kHouse,
               [](schema::Payload::Builder p) {
                 auto r = p.initReferred();
                 r.setToAgency("DOAE-33");
                 r.setProblem("no water for the garden");
                 r.setDimension(schema::Dimension::LIVING);
               },
               {{"to_agency", "DOAE-33"}, {"problem", "no water for the garden"}, {"dimension", "living"}}});
  c.push_back({"IndicatorResolved", "IndicatorResolved", kHouse,
               [](schema::Payload::Builder p) {
                 auto r = p.initIndicatorResolved();
                 r.setIndicator(22);
                 r.setHowVerified("income slip");
               },
               {{"indicator", 22}, {"how_verified", "income slip"}}});
  c.push_back({"LevelAssessed", "LevelAssessed", kHouse,
               [](schema::Payload::Builder p) {
                 auto l = p.initLevelAssessed();
                 l.setLevel(schema::Level::SUSTAINABLE);
                 l.setReasons("steady income");
               },
               {{"level", "sustainable"}, {"reasons", "steady income"}}});
  c.push_back({"CorrectionVoid", "Correction", kHouse,
               [=](schema::Payload::Builder p) {
                 auto c = p.initCorrection();
                 c.setCorrectedSeq(void_seq);
                 c.setCorrectedHash(AsData(void_hash));
                 c.setReason("entered twice");
                 c.initAction().setVoid();
               },
               {{"corrected_seq", void_seq},
                {"corrected_hash", ToHex(void_hash)},
                {"reason", "entered twice"},
                {"action", "void"}}});
  c.push_back({"CorrectionReplacement", "Correction", kHouse,
               [=](schema::Payload::Builder p) {
                 auto c = p.initCorrection();
                 c.setCorrectedSeq(replace_seq);
                 c.setCorrectedHash(AsData(replace_hash));
                 c.setReason("wrong value");
                 FillAssistance(c.initAction().initReplacement().initAssistanceGiven(), 120000);
               },
               {{"corrected_seq", replace_seq},
                {"corrected_hash", ToHex(replace_hash)},
                {"reason", "wrong value"},
                {"action", {{"replacement", [] {
                               json r = AssistanceJson(120000);
                               r["kind"] = "AssistanceGiven";
                               return r;
                             }()}}}}});
  c.push_back({"MentorReleased", "MentorReleased", kHouse,
               [](schema::Payload::Builder p) {
                 auto m = p.initMentorReleased();
                 m.setOfficerId("off-2");
                 m.setReason("transferred");
               },
               {{"officer_id", "off-2"}, {"reason", "transferred"}}});
  c.push_back({"HouseholdExited", "HouseholdExited", kHouse,
               [](schema::Payload::Builder p) { p.initHouseholdExited().setReason(schema::ExitReason::DUPLICATE_RECORD); },
               {{"reason", "duplicate_record"}}});
  c.push_back({"MenuPublished", "MenuPublished", "",
               [](schema::Payload::Builder p) {
                 auto m = p.initMenuPublished();
                 m.setVersion(2);
                 auto items = m.initItems(1);
                 items[0].setCode("I-01");
                 items[0].setDimension(schema::Dimension::INCOME);
                 items[0].setIndicator(20);
                 items[0].setNameTh("เมล็ดพันธุ์ผักและกล้าไม้");
                 items[0].setNameEn("vegetable seeds and seedlings");
                 items[0].setUnit("set");
                 items[0].setWithdrawn(true);
                 m.setDescription("I-01 withdrawn");
               },
               {{"version", 2},
                {"items", json::array({json{{"code", "I-01"},
                                            {"dimension", "income"},
                                            {"indicator", 20},
                                            {"name_th", "เมล็ดพันธุ์ผักและกล้าไม้"},
                                            {"name_en", "vegetable seeds and seedlings"},
                                            {"unit", "set"},
                                            {"withdrawn", true}}})},
                {"description", "I-01 withdrawn"}}});
  return c;
}

const std::set<std::string> kEnvelopeKeys = {
    "seq",       "kind",           "household",      "agency",      "officer",
    "occurred_at", "occurred_time", "recorded_at",   "recorded_at_ns", "leaf_hash",
    "prev_hash", "household_prev_seq", "household_prev_hash", "idempotency_key", "signature"};

// The body every case is tested with: `c`'s household and payload, agency
// PHO-33, officer off-1, 2022-09-30 14:05, idempotency key 5a5a...
void FillBody(const KindCase& c, schema::EventBody::Builder body) {
  if (!c.household.empty()) body.setHousehold(c.household);
  body.setAgency("PHO-33");
  body.setOfficer("off-1");
  auto occ = body.initOccurredAt();
  occ.initDate().setYear(2022);
  occ.getDate().setMonth(9);
  occ.getDate().setDay(30);
  occ.setMinuteOfDay(14 * 60 + 5);
  body.setIdempotencyKey(AsData(Bytes('\x5a', 16)));
  c.fill(body.initPayload());
}

// Leaf bytes of an envelope around FillBody(c).
std::string MakeLeaf(const KindCase& c, uint64_t seq, std::optional<uint64_t> household_prev) {
  capnp::MallocMessageBuilder msg;
  auto env = msg.initRoot<schema::Envelope>();
  env.setSeq(seq);
  env.setRecordedAt(1664511845123456789);  // 2022-09-30T04:24:05.123456789Z
  env.setPrevHash(AsData(Bytes('\xaa', 32)));
  if (household_prev) {
    auto link = env.initHouseholdPrev().initEvent();
    link.setSeq(*household_prev);
    link.setHash(AsData(Bytes('\xbb', 32)));
  }
  auto sb = env.initSigned();
  sb.setSignature(AsData(Bytes('\xcc', 64)));
  FillBody(c, sb.initBody());
  return CanonicalBytes(env.asReader());
}

TEST(EventJsonTest, EveryKindHasItsFieldsInSnakeCase) {
  std::set<std::string> kinds_seen;
  for (const KindCase& c : AllKinds()) {
    SCOPED_TRACE(c.name);
    std::string leaf = MakeLeaf(c, 42, 40);
    auto j = EventToJson(leaf);
    ASSERT_TRUE(j.ok()) << j.status().ToString();
    EXPECT_EQ((*j)["kind"], c.kind);
    kinds_seen.insert((*j)["kind"].get<std::string>());
    std::set<std::string> want_keys = kEnvelopeKeys;
    for (auto it = c.fields.begin(); it != c.fields.end(); ++it) {
      want_keys.insert(it.key());
      ASSERT_TRUE(j->contains(it.key())) << it.key() << " missing in " << j->dump();
      EXPECT_EQ((*j)[it.key()], it.value()) << it.key();
    }
    std::set<std::string> got_keys;
    for (auto it = j->begin(); it != j->end(); ++it) got_keys.insert(it.key());
    EXPECT_EQ(got_keys, want_keys) << j->dump();
  }
  // Every catalogue kind is covered, and named as EventKindName names it.
  ASSERT_EQ(kinds_seen.size(), static_cast<size_t>(kEventKindCount));
  for (int k = 0; k < kEventKindCount; ++k) {
    EXPECT_TRUE(kinds_seen.count(std::string(EventKindName(static_cast<EventKind>(k))))) << k;
  }
}

TEST(EventJsonTest, EnvelopeFields) {
  KindCase c = AllKinds()[3];  // HouseholdTargeted
  std::string leaf = MakeLeaf(c, 42, 40);
  auto j = EventToJson(leaf);
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  EXPECT_EQ((*j)["seq"], 42);
  EXPECT_EQ((*j)["household"], kHouse);
  EXPECT_EQ((*j)["agency"], "PHO-33");
  EXPECT_EQ((*j)["officer"], "off-1");
  EXPECT_EQ((*j)["occurred_at"], "2022-09-30");
  EXPECT_EQ((*j)["occurred_time"], "14:05");
  EXPECT_EQ((*j)["recorded_at"], "2022-09-30T04:24:05.123456789Z");
  EXPECT_EQ((*j)["recorded_at_ns"], 1664511845123456789);
  EXPECT_EQ((*j)["leaf_hash"], ToHex(merkle::HashLeaf(AsBytes(leaf))));
  EXPECT_EQ((*j)["prev_hash"], Hex('\xaa', 32));
  EXPECT_EQ((*j)["household_prev_seq"], 40);
  EXPECT_EQ((*j)["household_prev_hash"], Hex('\xbb', 32));
  EXPECT_EQ((*j)["idempotency_key"], Hex('\x5a', 16));
  EXPECT_EQ((*j)["signature"], Hex('\xcc', 64));

  auto first = EventToJson(MakeLeaf(c, 0, std::nullopt));
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE((*first)["household_prev_seq"].is_null());
  EXPECT_TRUE((*first)["household_prev_hash"].is_null());
}

TEST(EventJsonTest, NoTimeOfDayMeansNoOccurredTime) {
  capnp::MallocMessageBuilder msg;
  auto env = msg.initRoot<schema::Envelope>();
  env.setPrevHash(AsData(Bytes('\0', 32)));
  auto body = env.initSigned().initBody();
  auto d = body.initOccurredAt().initDate();
  d.setYear(2023);
  d.setMonth(1);
  d.setDay(2);
  body.initPayload().initHouseholdExited();
  auto j = EventToJson(CanonicalBytes(env.asReader()));
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  EXPECT_EQ((*j)["occurred_at"], "2023-01-02");
  EXPECT_FALSE(j->contains("occurred_time"));
  EXPECT_EQ((*j)["reason"], "graduated");
}

TEST(EventJsonTest, BadLeafBytesAreDataLoss) {
  std::string leaf = MakeLeaf(AllKinds()[0], 1, std::nullopt);
  EXPECT_EQ(EventToJson(leaf.substr(0, leaf.size() - 8)).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(EventToJson("").status().code(), StatusCode::kDataLoss);
  // A framed (non-canonical) message is not leaf bytes.
  capnp::MallocMessageBuilder msg;
  msg.initRoot<schema::Envelope>().setSeq(1);
  auto words = capnp::messageToFlatArray(msg);
  std::string framed(reinterpret_cast<const char*>(words.asBytes().begin()), words.asBytes().size());
  EXPECT_EQ(EventToJson(framed).status().code(), StatusCode::kDataLoss);
}

TEST(EventJsonTest, FormatTimestamp) {
  EXPECT_EQ(FormatTimestampNs(0), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(FormatTimestampNs(-1), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(FormatTimestampNs(951782400000000001), "2000-02-29T00:00:00.000000001Z");
  EXPECT_EQ(FormatTimestampNs(4102444799999999999), "2099-12-31T23:59:59.999999999Z");
}

json Input(const KindCase& c) {
  json j = c.fields;
  j["kind"] = c.kind;
  j["household"] = c.household;
  j["agency"] = "PHO-33";
  j["officer"] = "off-1";
  j["occurred_at"] = "2022-09-30";
  j["occurred_time"] = "14:05";
  j["idempotency_key"] = Hex('\x5a', 16);
  return j;
}

// BodyFromJson reads back exactly what EventToJson writes.
TEST(EventJsonTest, BodyFromJsonInvertsEventToJson) {
  for (const KindCase& c : AllKinds()) {
    SCOPED_TRACE(c.name);
    auto body = BodyFromJson(Input(c));
    ASSERT_TRUE(body.ok()) << body.status().ToString();
    capnp::MallocMessageBuilder msg;
    auto direct = msg.initRoot<schema::EventBody>();
    FillBody(c, direct);
    EXPECT_EQ(ToHex(*body), ToHex(CanonicalBytes(direct.asReader())));
  }
  // An exported object, server keys and all, is accepted as it is.
  auto exported = EventToJson(MakeLeaf(AllKinds()[3], 5, 4));
  ASSERT_TRUE(exported.ok());
  auto body = BodyFromJson(*exported);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
}

TEST(EventJsonTest, BodyFromJsonDefaultsAndGeneratedKey) {
  // OfficerRegistered.agency defaults to the envelope's agency.
  json j = {{"kind", "OfficerRegistered"}, {"agency", "PHO-33"}, {"occurred_at", "2022-01-05"},
            {"officer_id", "off-3"}, {"role", "data_clerk"}};
  auto a = BodyFromJson(j);
  auto b = BodyFromJson(j);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok());
  EXPECT_NE(*a, *b);  // fresh random idempotency keys
  auto m = MessageBytes::Parse(*a, false);
  ASSERT_TRUE(m.ok());
  auto body = m->Root<schema::EventBody>();
  EXPECT_EQ(body.getIdempotencyKey().size(), 16u);
  EXPECT_EQ(body.getOccurredAt().getMinuteOfDay(), -1);
  EXPECT_EQ(std::string(body.getHousehold().cStr()), "");
  auto o = body.getPayload().getOfficerRegistered();
  EXPECT_EQ(std::string(o.getAgency().cStr()), "PHO-33");
  EXPECT_EQ(o.getRole(), schema::OfficerRole::DATA_CLERK);
}

TEST(EventJsonTest, BodyFromJsonErrorsNameTheField) {
  json good = Input(AllKinds()[3]);  // HouseholdTargeted
  ASSERT_TRUE(BodyFromJson(good).ok());
  struct Bad {
    std::function<void(json&)> edit;
    std::string mentions;
  };
  std::vector<Bad> bad = {
      {[](json& j) { j["subdistict"] = "330101"; }, "subdistict"},
      {[](json& j) { j.erase("kind"); }, "kind"},
      {[](json& j) { j["kind"] = "HouseholdTeleported"; }, "HouseholdTeleported"},
      {[](json& j) { j["kind"] = "householdTargeted"; }, "householdTargeted"},
      {[](json& j) { j["members"] = 70000; }, "members"},
      {[](json& j) { j["members"] = -1; }, "members"},
      {[](json& j) { j["members"] = 2.5; }, "members"},
      {[](json& j) { j["failing_indicators"] = {4, 256}; }, "failing_indicators[1]"},
      {[](json& j) { j["failing_indicators"] = 4; }, "failing_indicators"},
      {[](json& j) { j["source"] = "tpmap2"; }, "source"},
      {[](json& j) { j["member_id_hashes"] = {"zz"}; }, "member_id_hashes[0]"},
      {[](json& j) { j["province"] = 33; }, "province"},
      {[](json& j) { j["occurred_at"] = "2022-02-30"; }, "occurred_at"},
      {[](json& j) { j["occurred_at"] = "30/09/2022"; }, "occurred_at"},
      {[](json& j) { j.erase("occurred_at"); }, "occurred_at"},
      {[](json& j) { j["occurred_time"] = "24:00"; }, "occurred_time"},
      {[](json& j) { j["idempotency_key"] = "00ff"; }, "idempotency_key"},
      {[](json& j) { j["household"] = 5; }, "household"},
      {[](json& j) { j["payload_household"] = "x"; }, "household"},
  };
  for (const Bad& b : bad) {
    json j = good;
    b.edit(j);
    auto r = BodyFromJson(j);
    ASSERT_FALSE(r.ok()) << j.dump();
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().reason(), "BAD_JSON");
    EXPECT_NE(r.status().message().find(b.mentions), std::string::npos) << r.status().message();
  }
  // Unions: one member only, and a Void member's name only as a string.
  json visit = Input(AllKinds()[6]);
  visit["location"] = {{"gps", {{"lat_microdeg", 1}, {"lon_microdeg", 2}}}, {"none", nullptr}};
  EXPECT_FALSE(BodyFromJson(visit).ok());
  visit["location"] = "gps";
  EXPECT_FALSE(BodyFromJson(visit).ok());
  visit["location"] = {{"gps", {{"lat_microdeg", 1}, {"altitude", 2}}}};
  auto r = BodyFromJson(visit);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("location.gps.altitude"), std::string::npos) << r.status().message();
  EXPECT_FALSE(BodyFromJson(json::array()).ok());
}

// JSON -> body -> sign -> append -> export gives back every input field.
TEST(EventJsonTest, RoundTripThroughTheLedger) {
  TempDir dir;
  World w;
  auto l = w.Create(dir.path());
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  AppendOk(**l, w.Bootstrap());
  PrivateKey doae = KeyFromByte(6);

  std::map<std::string, std::pair<uint64_t, std::string>> stored;  // case name -> seq, leaf hash
  std::vector<std::pair<uint64_t, json>> inputs;
  auto append = [&](const KindCase& c, int n) {
    json in = Input(c);
    in["idempotency_key"] = ToHex(BigEndian64(n) + BigEndian64(n));
    const PrivateKey* key = &w.officer;
    if (c.kind == "AgencyRegistered") {
      key = &w.root;
      in["agency"] = "DOAE-33";
      in["officer"] = "";
    } else if (c.kind == "OfficerRegistered" || c.kind == "OfficerKeyRevoked") {
      key = &doae;
      in["agency"] = "DOAE-33";
      in["officer"] = "";
    }
    auto body = BodyFromJson(in);
    ASSERT_TRUE(body.ok()) << c.name << ": " << body.status().ToString();
    auto wire = SignBodyBytes(*body, *key);
    ASSERT_TRUE(wire.ok()) << wire.status().ToString();
    auto res = AppendOk(**l, {*wire});
    ASSERT_EQ(res.size(), 1u) << c.name;
    stored[c.name] = {res[0].seq, ToString(res[0].leaf_hash)};
    inputs.emplace_back(res[0].seq, in);
  };
  // A history the domain rules accept: a second agency (referrals go to
  // it), a household's events, corrections naming real events, then the
  // second agency's officer registered and revoked.
  std::vector<KindCase> first = AllKinds();
  std::vector<std::string> order = {"AgencyRegistered",  "HouseholdTargeted", "HouseholdSelected", "MentorAssigned",
                                    "HouseholdVisited",  "HouseholdVisitedNoGps", "ProblemsAnalysed",
                                    "PlanAgreed",        "WelfareRightChecked", "AssistanceGiven",
                                    "Referred",          "IndicatorResolved", "LevelAssessed"};
  auto find = [](const std::vector<KindCase>& cs, const std::string& name) {
    for (const auto& c : cs) {
      if (c.name == name) return c;
    }
    ADD_FAILURE() << name;
    return cs[0];
  };
  int n = 0;
  for (const auto& name : order) append(find(first, name), n++);
  auto corrections = AllKinds(stored["Referred"].first, stored["Referred"].second,
                              stored["AssistanceGiven"].first, stored["AssistanceGiven"].second);
  for (const auto& name : {"CorrectionVoid", "CorrectionReplacement", "MentorReleased", "HouseholdExited",
                           "OfficerRegistered", "OfficerKeyRevoked"}) {
    append(find(corrections, name), n++);
  }
  ASSERT_EQ(inputs.size(), 19u);

  std::map<uint64_t, json> exported;
  Status s = (*l)->ForEachEvent(0, (*l)->Size(), [&](uint64_t seq, std::string_view leaf) -> Status {
    ASSIGN_OR_RETURN(exported[seq], EventToJson(leaf));
    EXPECT_EQ(exported[seq]["leaf_hash"], ToHex(*(*l)->LeafHash(seq)));
    return OkStatus();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(exported.size(), (*l)->Size());
  for (const auto& [seq, in] : inputs) {
    const json& out = exported[seq];
    EXPECT_EQ(out["seq"], seq);
    for (auto it = in.begin(); it != in.end(); ++it) {
      EXPECT_EQ(out[it.key()], it.value()) << "seq " << seq << " key " << it.key();
    }
  }
}

TEST(EventJsonTest, ForEachEventRanges) {
  TempDir dir;
  World w;
  auto l = *w.Create(dir.path());
  AppendOk(*l, w.Bootstrap());
  AppendOk(*l, {w.Visit(1), w.Visit(2), w.Visit(3)});
  std::vector<uint64_t> seen;
  auto collect = [&](uint64_t seq, std::string_view) {
    seen.push_back(seq);
    return OkStatus();
  };
  ASSERT_TRUE(l->ForEachEvent(2, 5, collect).ok());
  EXPECT_EQ(seen, (std::vector<uint64_t>{2, 3, 4}));
  seen.clear();
  ASSERT_TRUE(l->ForEachEvent(4, 1000, collect).ok());
  EXPECT_EQ(seen, (std::vector<uint64_t>{4, 5}));
  seen.clear();
  ASSERT_TRUE(l->ForEachEvent(6, 1000, collect).ok());
  EXPECT_TRUE(seen.empty());
  // The visitor's error stops the walk and is returned.
  Status s = l->ForEachEvent(0, 6, [&](uint64_t seq, std::string_view) {
    seen.push_back(seq);
    return seq == 1 ? NotFoundError("stop here") : OkStatus();
  });
  EXPECT_EQ(s.message(), "stop here");
  EXPECT_EQ(seen, (std::vector<uint64_t>{0, 1}));
}

}  // namespace
}  // namespace ledger
