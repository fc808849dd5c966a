// Dates in CE and BE, fiscal years, day arithmetic (calendar.h).
#include "ledger/calendar.h"

#include <gtest/gtest.h>

#include "ledger/projection.h"

namespace ledger {
namespace {

TEST(CalendarTest, ParsesCommonAndBuddhistEra) {
  auto ce = ParseDate("2022-09-30", Calendar::kCe);
  ASSERT_TRUE(ce.ok()) << ce.status().ToString();
  EXPECT_EQ(*ce, (CivilDate{2022, 9, 30}));
  auto be = ParseDate("2565-09-30", Calendar::kBe);
  ASSERT_TRUE(be.ok()) << be.status().ToString();
  EXPECT_EQ(*be, (CivilDate{2022, 9, 30}));
  EXPECT_EQ(FormatDate(*be, Calendar::kBe), "2565-09-30");
  EXPECT_EQ(FormatDate(*be, Calendar::kCe), "2022-09-30");
  // 29 February: a leap year in CE is the same year in BE.
  auto leap = ParseDate("2567-02-29", Calendar::kBe);
  ASSERT_TRUE(leap.ok());
  EXPECT_EQ(*leap, (CivilDate{2024, 2, 29}));
}

TEST(CalendarTest, RejectsBadDatesNamingTheProblem) {
  struct Case {
    const char* text;
    Calendar calendar;
    const char* says;
  } cases[] = {
      {"2022-9-30", Calendar::kCe, "expected YYYY-MM-DD"},
      {"2022/09/30", Calendar::kCe, "expected YYYY-MM-DD"},
      {"2022-09-30x", Calendar::kCe, "expected YYYY-MM-DD"},
      {"", Calendar::kCe, "expected YYYY-MM-DD"},
      {"2022-13-01", Calendar::kCe, "no month 13"},
      {"2022-02-29", Calendar::kCe, "month 2 has no day 29"},
      {"2022-04-31", Calendar::kCe, "month 4 has no day 31"},
      {"2022-00-10", Calendar::kCe, "no month 0"},
      {"2565-09-30", Calendar::kCe, "Buddhist Era year; add --calendar be, or write 2022"},
      {"2022-09-30", Calendar::kBe, "Common Era year but the calendar is be; write 2565"},
      {"1066-10-14", Calendar::kCe, "out of range"},
  };
  for (const Case& c : cases) {
    auto d = ParseDate(c.text, c.calendar);
    ASSERT_FALSE(d.ok()) << c.text;
    EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(d.status().reason(), "BAD_DATE");
    EXPECT_NE(d.status().message().find(c.says), std::string::npos) << d.status().message();
    EXPECT_NE(d.status().message().find(std::string("'") + c.text + "'"), std::string::npos) << c.text;
  }
}

TEST(CalendarTest, Calendars) {
  EXPECT_EQ(*ParseCalendar("be"), Calendar::kBe);
  EXPECT_EQ(*ParseCalendar("ce"), Calendar::kCe);
  EXPECT_EQ(ParseCalendar("BE").status().reason(), "BAD_CALENDAR");
  EXPECT_EQ(CalendarName(Calendar::kBe), "be");
}

TEST(CalendarTest, FiscalYears) {
  auto be = ParseFiscalYear("2565");
  ASSERT_TRUE(be.ok()) << be.status().ToString();
  EXPECT_EQ(be->year_ce, 2022);
  EXPECT_EQ(be->year_be(), 2565);
  EXPECT_EQ(be->first, (CivilDate{2021, 10, 1}));
  EXPECT_EQ(be->last, (CivilDate{2022, 9, 30}));
  auto ce = ParseFiscalYear("2022");
  ASSERT_TRUE(ce.ok());
  EXPECT_EQ(ce->first, be->first);
  EXPECT_EQ(ce->last, be->last);
  EXPECT_EQ(ParseFiscalYear("65").status().reason(), "BAD_FISCAL_YEAR");
  EXPECT_EQ(ParseFiscalYear("2420").status().reason(), "BAD_FISCAL_YEAR");
  EXPECT_EQ(ParseFiscalYear("25x5").status().reason(), "BAD_FISCAL_YEAR");

  EXPECT_EQ(FiscalYearOf({2022, 9, 30}).year_ce, 2022);
  EXPECT_EQ(FiscalYearOf({2022, 10, 1}).year_ce, 2023);
  EXPECT_EQ(FiscalYearOf({2022, 1, 1}).year_ce, 2022);
  EXPECT_EQ(FiscalYearOf({2021, 12, 31}).year_be(), 2565);
}

TEST(CalendarTest, DayArithmetic) {
  EXPECT_EQ(DayNumber({1970, 1, 1}), 0);
  EXPECT_EQ(DayNumber({1969, 12, 31}), -1);
  EXPECT_EQ(DayNumber({2022, 9, 30}), 19265);
  for (int64_t day : {-1000, -1, 0, 1, 19265, 30000}) EXPECT_EQ(DayNumber(DateFromDayNumber(day)), day);
  EXPECT_EQ(AddDays({2022, 9, 30}, 1), (CivilDate{2022, 10, 1}));
  EXPECT_EQ(AddDays({2024, 3, 1}, -1), (CivilDate{2024, 2, 29}));
  EXPECT_EQ(AddDays({2022, 12, 31}, 1), (CivilDate{2023, 1, 1}));
  EXPECT_EQ(DaysBetween({2022, 1, 1}, {2022, 9, 30}), 272);
  EXPECT_EQ(DaysBetween({2022, 9, 30}, {2022, 1, 1}), -272);
  EXPECT_EQ(EndOfMonth({2022, 2, 10}), (CivilDate{2022, 2, 28}));
  EXPECT_EQ(EndOfMonth({2024, 2, 1}), (CivilDate{2024, 2, 29}));
  EXPECT_EQ(EndOfMonth({2022, 12, 31}), (CivilDate{2022, 12, 31}));
  EXPECT_TRUE(IsValidDate({2024, 2, 29}));
  EXPECT_FALSE(IsValidDate({2023, 2, 29}));
  EXPECT_FALSE(IsValidDate({2023, 0, 1}));
}

TEST(CalendarTest, AgreesWithTheLedgersBangkokDays) {
  // A Bangkok day starts at 17:00 UTC the day before.
  const int64_t end = BangkokEndOfDayNs({2022, 9, 30});
  EXPECT_EQ(BangkokDate(end), (CivilDate{2022, 9, 30}));
  EXPECT_EQ(BangkokDate(end + 1), (CivilDate{2022, 10, 1}));
  EXPECT_EQ((end + 1) / 1'000'000'000 / 86400, DayNumber({2022, 9, 30}));
}

}  // namespace
}  // namespace ledger
