// Input limits of events (ledger/event_limits.h, docs/protocol.md §3.2):
// the size of a signed event, the length of texts and lists, UTF-8 in every
// text. Each limit is refused on append with its reason, naming the field,
// and leaves the store as it was; an event at the limit is stored. The JSON
// -> event conversion of `ledger append` refuses the same before signing.
#include "ledger/event_limits.h"

#include <gtest/gtest.h>

#include <functional>
#include <optional>

#include "ledger/event_json.h"
#include "ledger/reasons.h"
#include "ledger/utf8.h"
#include "support/test_ledger.h"

namespace ledger {
namespace {

using nlohmann::json;
using testing::AppendOk;
using testing::TempDir;
using testing::World;

capnp::Data::Reader AsData(const std::string& s) {
  return capnp::Data::Reader(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// "ข" is 3 bytes in UTF-8: `n` bytes of Thai text (n divisible by 3) then ASCII.
std::string ThaiBytes(size_t n) {
  std::string out;
  while (out.size() + 3 <= n) out += "ข";
  out.append(n - out.size(), 'a');
  return out;
}

class InputLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = world_.Create(dir_.Sub("store"));
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    ledger_ = std::move(*l);
    std::vector<std::string> boot = world_.Bootstrap();
    boot.push_back(world_.Target(1));
    AppendOk(*ledger_, boot);
  }

  std::string Event(const std::function<void(schema::Payload::Builder)>& fill,
                    const std::string& household = World::HouseCode(1)) {
    return world_.factory.Make(world_.Officer(), household, testing::kDay, fill);
  }
  std::string VisitWith(const std::function<void(schema::HouseholdVisited::Builder)>& fill) {
    return Event([&](schema::Payload::Builder p) {
      auto v = p.initHouseholdVisited();
      v.setPurpose("follow-up");
      fill(v);
    });
  }

  // Appends `event` alone: it must be refused with INVALID_ARGUMENT and
  // `reason`, its message naming `field`, and the store must not change.
  void ExpectRefused(const std::string& event, const char* reason, const std::string& field) {
    const uint64_t size = ledger_->Size();
    const std::string checkpoint = *ledger_->LatestCheckpoint();
    auto r = ledger_->Append({event});
    ASSERT_EQ(r.size(), 1u);
    ASSERT_FALSE(r[0].ok()) << "stored at seq " << r[0]->seq;
    EXPECT_EQ(r[0].status().code(), StatusCode::kInvalidArgument) << r[0].status().ToString();
    EXPECT_EQ(r[0].status().reason(), reason) << r[0].status().ToString();
    EXPECT_NE(r[0].status().message().find(field), std::string::npos) << r[0].status().ToString();
    EXPECT_EQ(ledger_->Size(), size);
    EXPECT_EQ(*ledger_->LatestCheckpoint(), checkpoint);
  }
  void ExpectStored(const std::string& event) {
    const uint64_t size = ledger_->Size();
    auto r = ledger_->Append({event});
    ASSERT_EQ(r.size(), 1u);
    ASSERT_TRUE(r[0].ok()) << r[0].status().ToString();
    EXPECT_EQ(r[0]->seq, size);
  }

  TempDir dir_;
  World world_;
  std::unique_ptr<Ledger> ledger_;
};

TEST(Utf8Test, AcceptsWellFormedRefusesTheRest) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("ครัวเรือน"));
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x98\x80"));   // U+1F600
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));   // U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_FALSE(IsValidUtf8("ok\x80"));            // a lone continuation byte
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong, 3 bytes
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // a surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xE0\xB8"));          // truncated
  EXPECT_EQ(FirstInvalidUtf8("abc\xFF"), 3u);
  EXPECT_EQ(FirstInvalidUtf8("ข\xFF"), 3u);
}

TEST(TextLimitsTest, EachFieldKindHasItsLimit) {
  EXPECT_EQ(TextLimitOf("houseCode"), kMaxCodeBytes);
  EXPECT_EQ(TextLimitOf("areas"), kMaxCodeBytes);
  EXPECT_EQ(TextLimitOf("description"), kMaxNoteBytes);
  EXPECT_EQ(TextLimitOf("wayOut"), kMaxNoteBytes);
  EXPECT_EQ(TextLimitOf("purpose"), kMaxTextBytes);
  EXPECT_EQ(TextLimitOf("nameTh"), kMaxTextBytes);
  EXPECT_EQ(TextLimitOf("aFieldAddedLater"), kMaxTextBytes);
}

TEST_F(InputLimitsTest, TextsAtTheirLimitAreStoredOneByteMoreIsRefused) {
  ExpectStored(VisitWith([](auto v) { v.setPurpose(ThaiBytes(kMaxTextBytes)); }));
  ExpectRefused(VisitWith([](auto v) { v.setPurpose(ThaiBytes(kMaxTextBytes + 1)); }), reason::kTextTooLong,
                "payload.householdVisited.purpose");
  // A note: 4 KiB.
  auto resolved = [&](size_t n) {
    return Event([n](schema::Payload::Builder p) {
      auto r = p.initIndicatorResolved();
      r.setIndicator(4);
      r.setHowVerified(ThaiBytes(n));
    });
  };
  ExpectRefused(resolved(kMaxNoteBytes + 1), reason::kTextTooLong, "payload.indicatorResolved.howVerified");
  ExpectStored(resolved(kMaxNoteBytes));
  // A code: 64 bytes, in a list of Text.
  ExpectRefused(world_.factory.Make({world_.agency_code, "", &world_.agency}, "", testing::kDay,
                                    [](schema::Payload::Builder p) {
                                      auto o = p.initOfficerRegistered();
                                      o.setOfficerId("off-7");
                                      o.setAgency("PHO-33");
                                      o.setPublicKey(AsData(std::string(32, '\x07')));
                                      auto areas = o.initAreas(2);
                                      areas.set(0, "3301");
                                      areas.set(1, std::string(kMaxCodeBytes + 1, '3'));
                                    }),
                reason::kTextTooLong, "payload.officerRegistered.areas[1]");
}

TEST_F(InputLimitsTest, ListsOfAtMost256Items) {
  auto visit = [&](size_t n) {
    return VisitWith([n](auto v) {
      auto e = v.initEvidence(static_cast<unsigned>(n));
      for (size_t i = 0; i < n; ++i) e.set(static_cast<unsigned>(i), AsData(std::string(32, static_cast<char>(i))));
    });
  };
  ExpectRefused(visit(kMaxListItems + 1), reason::kListTooLong, "payload.householdVisited.evidence");
  ExpectStored(visit(kMaxListItems));
}

TEST_F(InputLimitsTest, InvalidUtf8InAnyTextIsRefused) {
  ExpectRefused(VisitWith([](auto v) { v.setPurpose("follow-up \xFF"); }), reason::kInvalidUtf8,
                "payload.householdVisited.purpose");
  ExpectRefused(VisitWith([](auto v) { v.setPurpose("\xC0\xAF"); }), reason::kInvalidUtf8,
                "payload.householdVisited.purpose");
  // In the envelope: the household id (short, no NUL, so past the id check).
  ExpectRefused(Event([](schema::Payload::Builder p) { p.initHouseholdVisited().setPurpose("x"); },
                      "3301\xFF" "0000001"),
                reason::kInvalidUtf8, "household");
  // In a nested struct of a list.
  ExpectRefused(Event([](schema::Payload::Builder p) {
                  auto f = p.initProblemsAnalysed().initFindings(2);
                  f[0].setAttitude("ok");
                  f[1].setSkills("bad \xED\xA0\x80");
                }),
                reason::kInvalidUtf8, "payload.problemsAnalysed.findings[1].skills");
}

TEST_F(InputLimitsTest, EventsOver64KiBAreRefusedBeforeParsing) {
  // One evidence item of 70,000 bytes: texts and lists are short, the event is not.
  const std::string big = VisitWith([](auto v) { v.initEvidence(1).set(0, AsData(std::string(70000, 'e'))); });
  ASSERT_GT(big.size(), kMaxEventBytes);
  ExpectRefused(big, reason::kEventTooLarge, "event");
  EXPECT_EQ(CheckEventLimits(big).reason(), reason::kEventTooLarge);
  // The same event with an evidence item that fits is stored (domain rules
  // aside: a hash must be 32 bytes, so this one is BAD_EVIDENCE_HASH, after the limits).
  const std::string fits = VisitWith([](auto v) { v.initEvidence(1).set(0, AsData(std::string(60000, 'e'))); });
  ASSERT_LE(fits.size(), kMaxEventBytes);
  EXPECT_TRUE(CheckEventLimits(fits).ok());
  auto r = ledger_->Append({fits});
  ASSERT_FALSE(r[0].ok());
  EXPECT_EQ(r[0].status().reason(), reason::kBadEvidenceHash);
}

TEST_F(InputLimitsTest, OneRefusedEventDoesNotSpoilItsBatchAndTheLedgerGoesOn) {
  const uint64_t size = ledger_->Size();
  auto r = ledger_->Append({world_.Visit(1), VisitWith([](auto v) { v.setPurpose("\xFF"); }), world_.Visit(1)});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_TRUE(r[0].ok());
  EXPECT_EQ(r[1].status().reason(), reason::kInvalidUtf8);
  EXPECT_TRUE(r[2].ok());
  EXPECT_EQ(ledger_->Size(), size + 2);
  ExpectStored(world_.Visit(1));
}

TEST(InputLimitsJsonTest, BodyFromJsonRefusesWhatAppendWould) {
  const json base = {{"kind", "HouseholdVisited"}, {"household", World::HouseCode(1)}, {"agency", "PHO-33"},
                     {"officer", "off-1"},         {"occurred_at", "2022-03-15"},      {"purpose", "follow-up"}};
  ASSERT_TRUE(BodyFromJson(base).ok()) << BodyFromJson(base).status().ToString();

  json long_text = base;
  long_text["purpose"] = std::string(kMaxTextBytes + 1, 'p');
  EXPECT_EQ(BodyFromJson(long_text).status().reason(), reason::kTextTooLong);
  EXPECT_NE(BodyFromJson(long_text).status().message().find("purpose"), std::string::npos);

  json bad_bytes = base;   // nlohmann::json holds any bytes when built in code
  bad_bytes["purpose"] = std::string("\xFF\xFE");
  EXPECT_EQ(BodyFromJson(bad_bytes).status().reason(), reason::kInvalidUtf8);

  json long_list = base;
  long_list["evidence"] = json::array();
  for (size_t i = 0; i <= kMaxListItems; ++i) long_list["evidence"].push_back(std::string(64, 'a'));
  EXPECT_EQ(BodyFromJson(long_list).status().reason(), reason::kListTooLong);

  json big = base;
  big["evidence"] = json::array({std::string(2 * 70000, 'a')});
  EXPECT_EQ(BodyFromJson(big).status().reason(), reason::kEventTooLarge);

  // Close to the limit: the largest body that fits does not fit once signed
  // (the signature and the SignedBody around it add about 90 bytes).
  std::optional<std::string> largest;
  for (size_t n = kMaxEventBytes - 400; n < kMaxEventBytes; n += 8) {
    json edge = base;
    edge["evidence"] = json::array({std::string(2 * n, 'a')});
    auto body = BodyFromJson(edge);
    if (!body.ok()) {
      EXPECT_EQ(body.status().reason(), reason::kEventTooLarge);
      break;
    }
    largest = *body;
  }
  ASSERT_TRUE(largest.has_value());
  EXPECT_EQ(SignBodyBytes(*largest, testing::KeyFromByte(4)).status().reason(), reason::kEventTooLarge);
}

}  // namespace
}  // namespace ledger
