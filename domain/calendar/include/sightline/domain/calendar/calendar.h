// The working-day calendar of England and Wales, and the clock arithmetic on it (domain.md
// section 4). Bank holidays are data, loaded from a file (one-off holidays happen), never a
// formula. Local time is Europe/London: GMT, or BST from 01:00 UTC on the last Sunday of March to
// 01:00 UTC on the last Sunday of October (the rule in force since 1996).
//
// Default counting convention: for "N working days" from an event, the event's own local day is
// day 0; day 1 is the first working day after it; the clock is due by the end of day N and
// overdue from the following local midnight.
//
// A Calendar is immutable after construction and safe to share between threads.
#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <string_view>

#include "sightline/core/status.h"
#include "sightline/core/time.h"

namespace sightline::domain {

using Day = std::chrono::sys_days;

// A team's business hours on working days, in local (Europe/London) time; start < end.
struct BusinessHours {
  std::chrono::minutes start{9 * 60};
  std::chrono::minutes end{17 * 60};
};

// UTC offset of Europe/London at the instant t (0 or 1 hour).
std::chrono::hours LondonOffset(Instant t);
// The local (Europe/London) calendar day of t.
Day LocalDay(Instant t);
// The instant of 00:00 local time on day d.
Instant LocalMidnight(Day d);
// 00:00 local time on the first day of the calendar month `months` after t's local month
// (0: t's own month; negative: earlier months).
Instant MonthStart(Instant t, int months);

class Calendar {
 public:
  // Working days are Monday to Friday except the given bank holidays. first/last say which
  // years the holiday list covers; outside them only weekends are known.
  Calendar(std::set<Day> bank_holidays, int first_year, int last_year);
  Calendar() : Calendar({}, 0, -1) {}

  bool IsWorkingDay(Day d) const;
  bool Covers(Day d) const;
  int first_year() const { return first_year_; }
  int last_year() const { return last_year_; }

  // The Nth working day after the local day of `from` (N >= 0; N = 0 is that day itself).
  Day AddWorkingDays(Instant from, int n) const;
  // When a clock of N working days started at `from` becomes overdue (the default convention).
  Instant OverdueFromWorkingDays(Instant from, int n) const;
  // Working days after from's local day up to and including to's local day (0 when to <= from).
  int WorkingDaysBetween(Instant from, Instant to) const;
  // Same day-of-month N months later (clamped to the month's end); overdue from the next midnight.
  Instant OverdueFromMonths(Instant from, int months) const;
  // N calendar days with the same convention as working days (from's local day is day 0; due by
  // the end of day N; overdue from the next local midnight).
  Instant OverdueFromDays(Instant from, int n) const;
  // The instant at which `amount` of working time has passed, counting only inside `hours` on
  // working days. Time before opening, after closing, at weekends and on bank holidays does not
  // count; a start outside business hours begins counting at the next opening. Overdue the
  // instant the limit passes. amount 0 returns from.
  Instant AddWorkingHours(Instant from, std::chrono::minutes amount, BusinessHours hours) const;

  // This calendar plus extra days off (a local closure, or a newly announced bank holiday).
  Calendar WithExtraHolidays(const std::set<Day>& extra) const;

 private:
  std::set<Day> holidays_;
  int first_year_;
  int last_year_;
};

// Parses a bank-holiday list: one YYYY-MM-DD per line; '#' starts a comment; a "# covers:
// YYYY-YYYY" line states the years the list is complete for. Errors name the line.
StatusOr<Calendar> ParseBankHolidays(std::string_view text);

// Parses YYYY-MM-DD into a day; nullopt unless it is a real date.
std::optional<Day> ParseDay(std::string_view text);
std::string FormatDay(Day d);

}  // namespace sightline::domain
