// The poverty-solution menu (docs/domain.md "The menu"): data/menu.csv as
// reference data, MenuPublished signed by the root key, and help and plans
// refused with their own reasons when they name an item that is not on the
// published menu, of another dimension, or withdrawn; nothing of a refused
// event is stored.
#include <gtest/gtest.h>

#include <set>

#include "ledger/event_json.h"
#include "ledger/field_formats.h"
#include "ledger/menu.h"
#include "ledger/reasons.h"
#include "support/test_ledger.h"

namespace ledger {
namespace {

using testing::AppendOk;
using testing::kDay;
using testing::TempDir;
using testing::World;

capnp::Data::Reader AsData(const Hash& h) { return capnp::Data::Reader(h.data(), h.size()); }

// The shipped menu with `code` withdrawn.
std::vector<MenuRow> Withdrawing(const std::string& code) {
  std::vector<MenuRow> rows = BuiltinMenu();
  for (MenuRow& r : rows) {
    if (r.code == code) r.withdrawn = true;
  }
  return rows;
}

class MenuTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = w_.Create(dir_.Sub("store"));
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    l_ = std::move(*l);
    AppendOk(*l_, w_.Bootstrap());
    AppendOk(*l_, {w_.Target(1)});
  }

  std::string Help(const std::string& item, schema::Dimension d = schema::Dimension::HEALTH, uint8_t indicator = 4) {
    return w_.factory.AssistanceGiven(w_.Officer(), World::HouseCode(1), d, indicator, item, 50'000, kDay);
  }
  std::string Plan(const std::string& item) {
    return w_.factory.Make(w_.Officer(), World::HouseCode(1), kDay, [&](schema::Payload::Builder p) {
      auto a = p.initPlanAgreed().initActions(1)[0];
      a.setDimension(schema::Dimension::HEALTH);
      a.setIndicator(4);
      a.setMenuItem(item);
      a.setResponsibleAgency(w_.agency_code);
      a.setTargetLevel(schema::Level::SURVIVE);
      auto due = a.initDueDate();
      due.setYear(2022);
      due.setMonth(9);
      due.setDay(30);
    });
  }
  std::string Publish(uint32_t version, const std::vector<MenuRow>& rows = BuiltinMenu()) {
    return w_.factory.MenuPublished(w_.root, version, kDay, rows);
  }

  // Appends one event; expects it refused with `reason` and nothing stored.
  void ExpectRefused(std::string event, const std::string& reason) {
    const uint64_t before = l_->Size();
    auto r = l_->Append({std::move(event)});
    ASSERT_EQ(r.size(), 1u);
    ASSERT_FALSE(r[0].ok()) << "accepted; expected " << reason;
    EXPECT_EQ(r[0].status().reason(), reason) << r[0].status().ToString();
    EXPECT_EQ(l_->Size(), before);
  }

  TempDir dir_;
  World w_;
  std::unique_ptr<Ledger> l_;
};

TEST(MenuDataTest, TheShippedMenuParsesAndCoversEveryDimension) {
  const std::vector<MenuRow>& rows = BuiltinMenu();
  ASSERT_FALSE(rows.empty()) << "data/menu.csv did not parse";
  std::set<std::string> codes;
  std::set<Dimension> dimensions;
  for (const MenuRow& r : rows) {
    EXPECT_TRUE(codes.insert(r.code).second) << r.code << " twice";
    dimensions.insert(r.dimension);
    EXPECT_FALSE(r.name_th.empty());
    EXPECT_FALSE(r.name_en.empty());
    EXPECT_FALSE(r.unit.empty());
    EXPECT_LE(r.typical_min_satang, r.typical_max_satang);
  }
  EXPECT_EQ(dimensions.size(), static_cast<size_t>(kDimensionCount));
}

TEST(MenuDataTest, ABadLineIsNamed) {
  const std::string header =
      "code,dimension,indicator,name_th,name_en,unit,status,typical_min_satang,typical_max_satang\n";
  auto bad = ParseMenuCsv(header + "H-01,health,4,ถุงยังชีพ,food kit,set,offered,0,100\nH-02,wealth,4,a,b,c,offered,0,0\n",
                          "m.csv");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().reason(), reason::kBadReference);
  EXPECT_NE(bad.status().message().find("m.csv:3: dimension"), std::string::npos) << bad.status().message();
  auto commas = ParseMenuCsv(header + "H-01,health,4,ถุงยังชีพ,food kit, with a comma,set,offered,0,100\n", "m.csv");
  ASSERT_FALSE(commas.ok());
  EXPECT_NE(commas.status().message().find("m.csv:2: 10 columns"), std::string::npos) << commas.status().message();
  EXPECT_FALSE(ParseMenuCsv("code,dimension\n", "m.csv").ok());
}

TEST_F(MenuTest, BeforeAnyMenuIsPublishedItemsAreNotChecked) {
  AppendOk(*l_, {Help("H-99")});
  auto menu = l_->PublishedMenu();
  ASSERT_TRUE(menu.ok());
  EXPECT_FALSE(menu->has_value());
}

TEST_F(MenuTest, UnknownItemIsRefusedOncePublishedAndNothingIsStored) {
  AppendOk(*l_, {Publish(1)});
  auto menu = l_->PublishedMenu();
  ASSERT_TRUE(menu.ok() && menu->has_value());
  EXPECT_EQ((*menu)->version, 1u);
  EXPECT_EQ((*menu)->items, BuiltinMenu().size());

  ExpectRefused(Help("H-99"), reason::kUnknownMenuItem);
  ExpectRefused(Plan("H-99"), reason::kUnknownMenuItem);
  // I-01 is an income item.
  ExpectRefused(Help("I-01"), reason::kMenuDimensionMismatch);
  AppendOk(*l_, {Help("H-01"), Plan("H-02")});
}

TEST_F(MenuTest, RefusalNamesTheField) {
  AppendOk(*l_, {Publish(1)});
  auto r = l_->Append({Help("H-99")});
  ASSERT_FALSE(r[0].ok());
  EXPECT_EQ(r[0].status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r[0].status().message().find("assistanceGiven.menuItem: 'H-99' is not an item of the published menu"),
            std::string::npos)
      << r[0].status().message();
}

TEST_F(MenuTest, WithdrawnItemIsRefusedAfterANewVersion) {
  AppendOk(*l_, {Publish(1)});
  auto help = AppendOk(*l_, {Help("H-01")});
  ASSERT_EQ(help.size(), 1u);
  AppendOk(*l_, {Publish(2, Withdrawing("H-01"))});
  ExpectRefused(Help("H-01"), reason::kMenuItemWithdrawn);
  ExpectRefused(Plan("H-01"), reason::kMenuItemWithdrawn);
  {
    auto r = l_->Append({Help("H-01")});
    ASSERT_FALSE(r[0].ok());
    EXPECT_EQ(r[0].status().code(), StatusCode::kFailedPrecondition);
  }
  // A correction of help given before the withdrawal keeps its item.
  AppendOk(*l_, {w_.factory.Make(w_.Officer(), World::HouseCode(1), kDay, [&](schema::Payload::Builder p) {
    auto c = p.initCorrection();
    c.setCorrectedSeq(help[0].seq);
    c.setCorrectedHash(AsData(help[0].leaf_hash));
    c.setReason("value was 600 baht");
    auto a = c.getAction().initReplacement().initAssistanceGiven();
    a.setDimension(schema::Dimension::HEALTH);
    a.setIndicator(4);
    a.setMenuItem("H-01");
    a.setQuantity(1);
    a.setUnit("set");
    a.setValueSatang(60'000);
  })});
  // Offered again in version 3.
  AppendOk(*l_, {Publish(3)});
  AppendOk(*l_, {Help("H-01")});
}

TEST_F(MenuTest, VersionsFollowEachOtherAndKeepEveryItem) {
  AppendOk(*l_, {Publish(1)});
  ExpectRefused(Publish(1), reason::kMenuVersionConflict);
  ExpectRefused(Publish(3), reason::kMenuVersionConflict);
  std::vector<MenuRow> dropped = BuiltinMenu();
  dropped.pop_back();
  ExpectRefused(Publish(2, dropped), reason::kMenuVersionConflict);
  std::vector<MenuRow> moved = BuiltinMenu();
  moved[0].dimension = Dimension::kIncome;
  moved[0].indicator = 0;
  ExpectRefused(Publish(2, moved), reason::kMenuVersionConflict);
  std::vector<MenuRow> twice = BuiltinMenu();
  twice.push_back(twice[0]);
  ExpectRefused(Publish(2, twice), reason::kBadMenu);
  std::vector<MenuRow> nameless = BuiltinMenu();
  nameless[1].name_en.clear();
  ExpectRefused(Publish(2, nameless), reason::kBadMenu);
  std::vector<MenuRow> wrong_indicator = BuiltinMenu();
  wrong_indicator[0].indicator = 22;   // an income indicator on a health item
  ExpectRefused(Publish(2, wrong_indicator), reason::kBadIndicator);
  std::vector<MenuRow> added = BuiltinMenu();
  added.push_back({"H-06", Dimension::kHealth, 5, "แว่นสายตา", "reading glasses", "pair", false, 0, 0});
  AppendOk(*l_, {Publish(2, added)});
  AppendOk(*l_, {Help("H-06", schema::Dimension::HEALTH, 5)});
}

TEST_F(MenuTest, OnlyTheRootKeySignsAMenu) {
  nlohmann::json event = MenuPublishedJson(BuiltinMenu(), 1, kDefaultMenuPublisher, "2022-03-15", "");
  auto body = BodyFromJson(event);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  auto by_agency = SignBodyBytes(*body, w_.agency);
  ASSERT_TRUE(by_agency.ok());
  ExpectRefused(*by_agency, reason::kBadSignature);
  // On a household: refused like any registry event.
  event["household"] = World::HouseCode(1);
  auto with_household = SignBodyBytes(*BodyFromJson(event), w_.root);
  ASSERT_TRUE(with_household.ok());
  ExpectRefused(*with_household, reason::kUnexpectedHousehold);
}

TEST_F(MenuTest, TheMenuInForceSurvivesReopening) {
  AppendOk(*l_, {Publish(1), Publish(2, Withdrawing("H-02"))});
  l_.reset();
  auto l = w_.Open(dir_.Sub("store"));
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  l_ = std::move(*l);
  auto menu = l_->PublishedMenu();
  ASSERT_TRUE(menu.ok() && menu->has_value());
  EXPECT_EQ((*menu)->version, 2u);
  EXPECT_EQ((*menu)->withdrawn, 1u);
  ExpectRefused(Help("H-99"), reason::kUnknownMenuItem);
  ExpectRefused(Help("H-02", schema::Dimension::HEALTH, 5), reason::kMenuItemWithdrawn);
  ExpectRefused(Publish(2), reason::kMenuVersionConflict);
}

// ------------------------------------------------------------ formats (client and ledger)

TEST(FieldFormatsTest, TheClientChecksWhatTheLedgerChecks) {
  EXPECT_TRUE(CheckHouseCode("33010000001", "household").ok());
  Status s = CheckHouseCode("123", "household");
  EXPECT_EQ(s.reason(), reason::kBadHouseCode);
  EXPECT_EQ(s.message(), "household: '123' is not an 11-digit house code");
  EXPECT_EQ(CheckIdHash("3330100123456", "beneficiary").reason(), reason::kCitizenIdInClear);
  EXPECT_EQ(CheckIdHash(std::string(31, 'x'), "beneficiary").reason(), reason::kBadIdHash);
  EXPECT_EQ(CheckEventDate({2565, 9, 30}, "occurredAt.date").reason(), reason::kBadDate);
  EXPECT_EQ(CheckEventDate({2022, 2, 30}, "occurredAt.date").reason(), reason::kBadDate);
  const ReferenceData& ref = ReferenceData::Builtin();
  EXPECT_TRUE(CheckAreaCode(ref, "3301", "--area").ok());
  EXPECT_TRUE(CheckAreaCode(ref, "33010103", "areas[0]").ok());
  EXPECT_EQ(CheckAreaCode(ref, "3399", "--area").reason(), reason::kUnknownArea);
  EXPECT_EQ(CheckAreaCode(ref, "333", "--area").reason(), reason::kUnknownArea);

  // A whole event as `ledger append` sends it.
  auto check = [&](nlohmann::json e) {
    auto body = BodyFromJson(e);
    EXPECT_TRUE(body.ok()) << body.status().ToString();
    return body.ok() ? CheckEventFormats(*body, ref) : body.status();
  };
  nlohmann::json visit = {{"kind", "HouseholdVisited"}, {"household", "33010000001"}, {"agency", "PHO-33"},
                          {"officer", "off-1"},         {"occurred_at", "2022-03-15"}, {"purpose", "x"}};
  EXPECT_TRUE(check(visit).ok());
  visit["household"] = "3301000001";
  EXPECT_EQ(check(visit).reason(), reason::kBadHouseCode);
  nlohmann::json target = {{"kind", "HouseholdTargeted"}, {"household", "33010000001"}, {"agency", "PHO-33"},
                           {"officer", "off-1"},          {"occurred_at", "2022-03-15"}, {"house_code", "33010000001"},
                           {"province", "33"},            {"district", "3301"},          {"subdistrict", "339999"},
                           {"survey_year", 2565},         {"members", 1}};
  Status area = check(target);
  EXPECT_EQ(area.reason(), reason::kUnknownArea);
  EXPECT_NE(area.message().find("householdTargeted.subdistrict"), std::string::npos) << area.message();
  target["subdistrict"] = "330101";
  target["member_id_hashes"] = {ToHex(std::string("1101700203451") + std::string(19, 'x'))};
  EXPECT_EQ(check(target).reason(), reason::kCitizenIdInClear);
}

}  // namespace
}  // namespace ledger
