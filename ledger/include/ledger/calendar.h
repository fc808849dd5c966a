// Calendar dates as people in the programme write them (DOMAIN.md): the
// Common Era or the Buddhist Era (BE = CE + 543: 2565-09-30 is 2022-09-30),
// and Thai fiscal years (1 October to 30 September, named by the year they
// end in: FY 2565 = 2021-10-01 .. 2022-09-30). Every tool parses and prints
// dates through here, so `--calendar be` means the same everywhere.
//
//   ASSIGN_OR_RETURN(CivilDate d, ParseDate("2565-09-30", Calendar::kBe));   // {2022, 9, 30}
//   FormatDate(d, Calendar::kBe);                                          // "2565-09-30"
//   ASSIGN_OR_RETURN(FiscalYear fy, ParseFiscalYear("2565"));             // 2021-10-01 .. 2022-09-30
//   FiscalYearOf({2022, 10, 1}).year_ce;                                   // 2023
//   AddDays(d, 1);                                                         // {2022, 10, 1}
//
// Dates are proleptic Gregorian calendar dates (CivilDate, event.h) with no
// time zone; instants (recordedAt) are ns since the Unix epoch, read as days
// in Asia/Bangkok (UTC+7, no daylight saving) below. This is the one date
// and time module: everything is std::chrono underneath. Pure functions;
// thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/event.h"
#include "ledger/status.h"

namespace ledger {

enum class Calendar : uint8_t { kCe = 0, kBe = 1 };
inline constexpr int kBuddhistEraOffset = 543;

// Years accepted on input: CE 1900..2399, BE 2443..2942. The ranges do not
// overlap, so a year in the wrong calendar is an error naming the fix
// rather than a date 543 years off.
inline constexpr int kMinYearCe = 1900;
inline constexpr int kMaxYearCe = 2399;

// "ce" or "be". Errors: InvalidArgument (BAD_CALENDAR).
StatusOr<Calendar> ParseCalendar(std::string_view name);
std::string_view CalendarName(Calendar calendar);

// True iff `d` is a real calendar date (month 1..12, day within the month).
bool IsValidDate(const CivilDate& d);

// "YYYY-MM-DD" with the year in `calendar`. Errors: InvalidArgument
// (BAD_DATE) with a message quoting the text and saying what was wrong
// (shape, month, day, or a year of the other calendar).
StatusOr<CivilDate> ParseDate(std::string_view text, Calendar calendar);
// "YYYY-MM-DD" with the year in `calendar` (the CE form is event.h's
// FormatDate(d)).
std::string FormatDate(const CivilDate& d, Calendar calendar);

// Days since 1970-01-01 (negative before), and back.
int64_t DayNumber(const CivilDate& d);
CivilDate DateFromDayNumber(int64_t day);
CivilDate AddDays(const CivilDate& d, int64_t days);
// b - a in days.
int64_t DaysBetween(const CivilDate& a, const CivilDate& b);
// The last day of d's month.
CivilDate EndOfMonth(const CivilDate& d);

// A Thai fiscal year: 1 October of year_ce - 1 to 30 September of year_ce.
struct FiscalYear {
  int year_ce = 0;
  CivilDate first;   // 1 October
  CivilDate last;    // 30 September: the reporting cut-off
  int year_be() const { return year_ce + kBuddhistEraOffset; }
};
// The fiscal year that ends in September of `year_ce`.
FiscalYear FiscalYearEnding(int year_ce);
// The fiscal year containing `d`.
FiscalYear FiscalYearOf(const CivilDate& d);
// A fiscal year number: 2400 and above is BE ("2565"), below is CE
// ("2022"); the same fiscal year either way, whatever --calendar says.
// Errors: InvalidArgument (BAD_FISCAL_YEAR).
StatusOr<FiscalYear> ParseFiscalYear(std::string_view text);

// ---------------------------------------------------------------- instants

inline constexpr int64_t kNsPerSecond = 1'000'000'000;
inline constexpr int64_t kBangkokOffsetSeconds = 7 * 3600;

// The first and the last nanosecond of day `d` in Asia/Bangkok.
int64_t BangkokStartOfDayNs(const CivilDate& d);
int64_t BangkokEndOfDayNs(const CivilDate& d);
// The Asia/Bangkok day of an instant.
CivilDate BangkokDate(int64_t ns_since_epoch);
// "2022-09-30T03:04:05.000000006Z" (UTC, 9 fraction digits).
std::string FormatTimestampNs(int64_t ns_since_epoch);

}  // namespace ledger
