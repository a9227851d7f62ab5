#include "sightline/domain/calendar/calendar.h"

#include <algorithm>
#include <cstdio>
#include <string>

namespace sightline::domain {
namespace {

using std::chrono::days;
using std::chrono::hours;

// 01:00 UTC on the last Sunday of the given month.
Instant LastSundayOneAm(std::chrono::year y, std::chrono::month m) {
  Day last = std::chrono::sys_days{y / m / std::chrono::last};
  std::chrono::weekday wd{last};
  Day sunday = last - days(wd.c_encoding());  // c_encoding: Sunday is 0.
  return sunday + hours(1);
}

}  // namespace

std::chrono::hours LondonOffset(Instant t) {
  auto y = std::chrono::year_month_day{std::chrono::floor<days>(t)}.year();
  bool bst =
      t >= LastSundayOneAm(y, std::chrono::March) && t < LastSundayOneAm(y, std::chrono::October);
  return hours(bst ? 1 : 0);
}

Day LocalDay(Instant t) { return std::chrono::floor<days>(t + LondonOffset(t)); }

Instant MonthStart(Instant t, int months) {
  std::chrono::year_month_day ymd{LocalDay(t)};
  std::chrono::year_month ym = ymd.year() / ymd.month() + std::chrono::months(months);
  return LocalMidnight(Day{ym / std::chrono::day{1}});
}

Instant LocalMidnight(Day d) {
  // Clocks change at 01:00 UTC, so local midnight is never ambiguous: it is 23:00 UTC the day
  // before when BST is in force then, else 00:00 UTC.
  Instant candidate = Instant(d) - hours(1);
  return LondonOffset(candidate) == hours(1) ? candidate : Instant(d);
}

Calendar::Calendar(std::set<Day> bank_holidays, int first_year, int last_year)
    : holidays_(std::move(bank_holidays)), first_year_(first_year), last_year_(last_year) {}

bool Calendar::IsWorkingDay(Day d) const {
  std::chrono::weekday wd{d};
  if (wd == std::chrono::Saturday || wd == std::chrono::Sunday) return false;
  return !holidays_.contains(d);
}

bool Calendar::Covers(Day d) const {
  int y = static_cast<int>(std::chrono::year_month_day{d}.year());
  return y >= first_year_ && y <= last_year_;
}

Day Calendar::AddWorkingDays(Instant from, int n) const {
  Day d = LocalDay(from);
  while (n > 0) {
    d += days(1);
    if (IsWorkingDay(d)) --n;
  }
  return d;
}

Instant Calendar::OverdueFromWorkingDays(Instant from, int n) const {
  return LocalMidnight(AddWorkingDays(from, n) + days(1));
}

int Calendar::WorkingDaysBetween(Instant from, Instant to) const {
  Day a = LocalDay(from), b = LocalDay(to);
  if (b <= a) return 0;
  // Weekdays in (a, b] by whole weeks and a remainder of at most six days, then less the bank
  // holidays in the range that fall on a weekday: the API asks this for every waiting child, and
  // a child may have waited months.
  auto span = static_cast<int>((b - a).count());
  int n = span / 7 * 5;
  for (Day d = a + days(span / 7 * 7 + 1); d <= b; d += days(1)) {
    std::chrono::weekday wd{d};
    n += (wd != std::chrono::Saturday && wd != std::chrono::Sunday) ? 1 : 0;
  }
  for (auto it = holidays_.upper_bound(a); it != holidays_.end() && *it <= b; ++it) {
    std::chrono::weekday wd{*it};
    n -= (wd != std::chrono::Saturday && wd != std::chrono::Sunday) ? 1 : 0;
  }
  return n;
}

Instant Calendar::OverdueFromMonths(Instant from, int months) const {
  std::chrono::year_month_day ymd{LocalDay(from)};
  std::chrono::year_month ym = ymd.year() / ymd.month() + std::chrono::months(months);
  std::chrono::year_month_day_last last{ym.year() / ym.month() / std::chrono::last};
  auto day = ymd.day() > last.day() ? last.day() : ymd.day();
  return LocalMidnight(Day{ym.year() / ym.month() / day} + days(1));
}

Instant Calendar::OverdueFromDays(Instant from, int n) const {
  return LocalMidnight(LocalDay(from) + days(n + 1));
}

Instant Calendar::AddWorkingHours(Instant from, std::chrono::minutes amount,
                                  BusinessHours hours) const {
  if (amount <= std::chrono::minutes(0)) return from;
  Instant t = from;
  for (Day d = LocalDay(from);; d += days(1)) {
    if (IsWorkingDay(d)) {
      // Clocks change on Sundays at 01:00 UTC, so on a working day the offset at midnight holds
      // all day and local times are midnight plus minutes.
      Instant open = LocalMidnight(d) + hours.start;
      Instant close = LocalMidnight(d) + hours.end;
      Instant begin = std::max(t, open);
      if (begin < close) {
        auto available = std::chrono::duration_cast<std::chrono::minutes>(close - begin);
        if (amount <= available) return begin + amount;
        amount -= available;
      }
    }
    t = LocalMidnight(d + days(1));
  }
}

Calendar Calendar::WithExtraHolidays(const std::set<Day>& extra) const {
  std::set<Day> all = holidays_;
  all.insert(extra.begin(), extra.end());
  return Calendar(std::move(all), first_year_, last_year_);
}

std::optional<Day> ParseDay(std::string_view text) {
  int y = 0;
  unsigned m = 0, d = 0;
  char tail = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  std::string s(text);
  if (std::sscanf(s.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)};
  if (!ymd.ok()) return std::nullopt;
  return Day{ymd};
}

std::string FormatDay(Day d) {
  std::chrono::year_month_day ymd{d};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

StatusOr<Calendar> ParseBankHolidays(std::string_view text) {
  std::set<Day> days_off;
  int first = 0, last = -1, line_no = 0;
  while (!text.empty()) {
    ++line_no;
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    std::string where = "line " + std::to_string(line_no);
    if (auto covers = line.find("# covers:"); covers != std::string_view::npos) {
      std::string range(line.substr(covers + 9));
      if (std::sscanf(range.c_str(), " %d-%d", &first, &last) != 2 || first > last) {
        return InvalidArgument(where + ": covers must read '# covers: YYYY-YYYY'");
      }
      continue;
    }
    line = line.substr(0, line.find('#'));
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t'))
      line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty()) continue;
    auto day = ParseDay(line);
    if (!day)
      return InvalidArgument(where + ": not a date YYYY-MM-DD: '" + std::string(line) + "'");
    std::chrono::weekday wd{*day};
    if (wd == std::chrono::Saturday || wd == std::chrono::Sunday) {
      return InvalidArgument(where + ": " + std::string(line) +
                             " is a weekend; list the substitute day instead");
    }
    days_off.insert(*day);
  }
  if (first > last) return InvalidArgument("missing a '# covers: YYYY-YYYY' line");
  for (Day d : days_off) {
    int y = static_cast<int>(std::chrono::year_month_day{d}.year());
    if (y < first || y > last) {
      return InvalidArgument(FormatDay(d) + ": outside the covered years");
    }
  }
  return Calendar(std::move(days_off), first, last);
}

}  // namespace sightline::domain
