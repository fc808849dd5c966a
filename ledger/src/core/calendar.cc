#include "ledger/calendar.h"
#include "ledger/reasons.h"

#include <fmt/format.h>

#include <charconv>
#include <chrono>

namespace ledger {
namespace {

namespace chr = std::chrono;

chr::year_month_day Ymd(const CivilDate& d) {
  return chr::year{d.year} / chr::month{static_cast<unsigned>(d.month)} / chr::day{static_cast<unsigned>(d.day)};
}

CivilDate FromYmd(const chr::year_month_day& ymd) {
  return {static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
          static_cast<int>(static_cast<unsigned>(ymd.day()))};
}

// Parses exactly `n` decimal digits.
bool Digits(std::string_view s, size_t n, int* out) {
  if (s.size() != n) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return std::from_chars(s.data(), s.data() + s.size(), *out).ec == std::errc();
}

Status BadDate(std::string_view text, std::string_view why) {
  return InvalidArgumentError(fmt::format("date '{}': {}", text, why), reason::kBadDate);
}

}  // namespace

StatusOr<Calendar> ParseCalendar(std::string_view name) {
  if (name == "ce") return Calendar::kCe;
  if (name == "be") return Calendar::kBe;
  return InvalidArgumentError(fmt::format("calendar '{}': expected ce or be", name), reason::kBadCalendar);
}

std::string_view CalendarName(Calendar calendar) { return calendar == Calendar::kBe ? "be" : "ce"; }

bool IsValidDate(const CivilDate& d) {
  return d.month >= 1 && d.month <= 12 && d.day >= 1 && d.day <= 31 && Ymd(d).ok();
}

StatusOr<CivilDate> ParseDate(std::string_view text, Calendar calendar) {
  CivilDate d;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !Digits(text.substr(0, 4), 4, &d.year) ||
      !Digits(text.substr(5, 2), 2, &d.month) || !Digits(text.substr(8, 2), 2, &d.day)) {
    return BadDate(text, "expected YYYY-MM-DD");
  }
  const bool be = calendar == Calendar::kBe;
  const int offset = be ? kBuddhistEraOffset : 0;
  if (d.year < kMinYearCe + offset || d.year > kMaxYearCe + offset) {
    if (!be && d.year >= kMinYearCe + kBuddhistEraOffset && d.year <= kMaxYearCe + kBuddhistEraOffset) {
      return BadDate(text, fmt::format("{} is a Buddhist Era year; add --calendar be, or write {}", d.year,
                                       d.year - kBuddhistEraOffset));
    }
    if (be && d.year >= kMinYearCe && d.year <= kMaxYearCe) {
      return BadDate(text, fmt::format("{} is a Common Era year but the calendar is be; write {}", d.year,
                                       d.year + kBuddhistEraOffset));
    }
    return BadDate(text, fmt::format("year {} is out of range ({}..{} {})", d.year, kMinYearCe + offset,
                                     kMaxYearCe + offset, be ? "BE" : "CE"));
  }
  d.year -= offset;
  if (d.month < 1 || d.month > 12) return BadDate(text, fmt::format("no month {}", d.month));
  if (!IsValidDate(d)) return BadDate(text, fmt::format("month {} has no day {}", d.month, d.day));
  return d;
}

std::string FormatDate(const CivilDate& d, Calendar calendar) {
  if (calendar == Calendar::kCe) return FormatDate(d);
  return fmt::format("{:04}-{:02}-{:02}", d.year + kBuddhistEraOffset, d.month, d.day);
}

int64_t DayNumber(const CivilDate& d) { return chr::sys_days(Ymd(d)).time_since_epoch().count(); }

CivilDate DateFromDayNumber(int64_t day) {
  return FromYmd(chr::year_month_day(chr::sys_days(chr::days(day))));
}

CivilDate AddDays(const CivilDate& d, int64_t days) { return DateFromDayNumber(DayNumber(d) + days); }

int64_t DaysBetween(const CivilDate& a, const CivilDate& b) { return DayNumber(b) - DayNumber(a); }

CivilDate EndOfMonth(const CivilDate& d) {
  chr::year_month_day_last last(chr::year{d.year}, chr::month_day_last(chr::month{static_cast<unsigned>(d.month)}));
  return {d.year, d.month, static_cast<int>(static_cast<unsigned>(last.day()))};
}

FiscalYear FiscalYearEnding(int year_ce) { return {year_ce, {year_ce - 1, 10, 1}, {year_ce, 9, 30}}; }

FiscalYear FiscalYearOf(const CivilDate& d) { return FiscalYearEnding(d.month >= 10 ? d.year + 1 : d.year); }

StatusOr<FiscalYear> ParseFiscalYear(std::string_view text) {
  int year = 0;
  if (!Digits(text, 4, &year)) {
    return InvalidArgumentError(fmt::format("fiscal year '{}': expected 4 digits, e.g. 2565 (BE) or 2022 (CE)", text),
                                reason::kBadFiscalYear);
  }
  if (year >= kMinYearCe + kBuddhistEraOffset) year -= kBuddhistEraOffset;
  if (year < kMinYearCe + 1 || year > kMaxYearCe) {
    return InvalidArgumentError(fmt::format("fiscal year '{}' is out of range", text), reason::kBadFiscalYear);
  }
  return FiscalYearEnding(year);
}

// ---------------------------------------------------------------- instants

namespace {
// Floor division of an instant into (whole seconds, ns within the second).
std::pair<int64_t, int64_t> SplitNs(int64_t ns) {
  int64_t secs = ns / kNsPerSecond, frac = ns % kNsPerSecond;
  if (frac < 0) {
    frac += kNsPerSecond;
    --secs;
  }
  return {secs, frac};
}
}  // namespace

int64_t BangkokStartOfDayNs(const CivilDate& d) {
  return (DayNumber(d) * 86400 - kBangkokOffsetSeconds) * kNsPerSecond;
}

int64_t BangkokEndOfDayNs(const CivilDate& d) { return BangkokStartOfDayNs(AddDays(d, 1)) - 1; }

CivilDate BangkokDate(int64_t ns) {
  const auto secs = chr::sys_seconds(chr::seconds(SplitNs(ns).first + kBangkokOffsetSeconds));
  return FromYmd(chr::year_month_day(chr::floor<chr::days>(secs)));
}

std::string FormatTimestampNs(int64_t ns) {
  const auto [secs, frac] = SplitNs(ns);
  const chr::sys_seconds t{chr::seconds(secs)};
  const auto day = chr::floor<chr::days>(t);
  const chr::hh_mm_ss<chr::seconds> tod(t - day);
  const CivilDate d = FromYmd(chr::year_month_day(day));
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:09d}Z", d.year, d.month, d.day, tod.hours().count(),
                     tod.minutes().count(), tod.seconds().count(), frac);
}

}  // namespace ledger
