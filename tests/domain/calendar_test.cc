#include "sightline/domain/calendar.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace sightline::domain {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

Calendar RealCalendar() {
  std::ifstream in(std::string(std::getenv("SIGHTLINE_SOURCE_DIR")) +
                   "/deploy/calendar/england-and-wales.txt");
  std::stringstream text;
  text << in.rdbuf();
  auto cal = ParseBankHolidays(text.str());
  EXPECT_TRUE(cal.ok()) << cal.status().ToString();
  return cal.value();
}

Instant At(const char* day, int h, int m = 0) {
  return Instant(*ParseDay(day)) + hours(h) + minutes(m);
}

TEST(CalendarTest, DomainExamplesOfOneWorkingDay) {
  Calendar cal = RealCalendar();
  // Friday 2026-12-18 16:30 (GMT): due Monday 21st, overdue from 22nd 00:00 London.
  EXPECT_EQ(cal.OverdueFromWorkingDays(At("2026-12-18", 16, 30), 1), At("2026-12-22", 0));
  // Thursday 2022-09-15 is due Friday 16th; Friday 16th is due Tuesday 20th (state funeral).
  EXPECT_EQ(FormatDay(cal.AddWorkingDays(At("2022-09-15", 10), 1)), "2022-09-16");
  EXPECT_EQ(FormatDay(cal.AddWorkingDays(At("2022-09-16", 10), 1)), "2022-09-20");
}

TEST(CalendarTest, ChristmasAndEasterAreSkipped) {
  Calendar cal = RealCalendar();
  // Thursday 2026-12-24: 25th (Fri) and 28th (Mon, Boxing Day substitute) are bank holidays.
  EXPECT_EQ(FormatDay(cal.AddWorkingDays(At("2026-12-24", 12), 1)), "2026-12-29");
  // Thursday 2026-04-02: Good Friday 3rd and Easter Monday 6th.
  EXPECT_EQ(FormatDay(cal.AddWorkingDays(At("2026-04-02", 12), 1)), "2026-04-07");
  EXPECT_FALSE(cal.IsWorkingDay(*ParseDay("2023-05-08")));  // Coronation.
  EXPECT_TRUE(cal.Covers(*ParseDay("2030-06-01")));
  EXPECT_FALSE(cal.Covers(*ParseDay("2031-01-02")));
}

TEST(CalendarTest, LondonLocalDayFollowsSummerTime) {
  // 23:30 UTC on 2026-07-01 is 00:30 BST on 2 July: day 0 is the 2nd.
  EXPECT_EQ(FormatDay(LocalDay(At("2026-07-01", 23, 30))), "2026-07-02");
  EXPECT_EQ(FormatDay(LocalDay(At("2026-12-01", 23, 30))), "2026-12-01");
  // Local midnight in summer is 23:00 UTC the day before.
  EXPECT_EQ(LocalMidnight(*ParseDay("2026-07-02")), At("2026-07-01", 23));
  // Clocks change on the last Sundays of March and October at 01:00 UTC.
  EXPECT_EQ(LondonOffset(At("2026-03-29", 0, 59)), hours(0));
  EXPECT_EQ(LondonOffset(At("2026-03-29", 1, 0)), hours(1));
  EXPECT_EQ(LondonOffset(At("2026-10-25", 0, 59)), hours(1));
  EXPECT_EQ(LondonOffset(At("2026-10-25", 1, 0)), hours(0));
}

TEST(CalendarTest, WorkingDaysBetweenCountsAfterTheStartDay) {
  Calendar cal = RealCalendar();
  EXPECT_EQ(cal.WorkingDaysBetween(At("2026-11-20", 9), At("2026-11-20", 17)), 0);
  EXPECT_EQ(cal.WorkingDaysBetween(At("2026-11-20", 9), At("2026-11-23", 9)), 1);  // Fri -> Mon.
  EXPECT_EQ(cal.WorkingDaysBetween(At("2026-11-23", 9), At("2026-11-20", 9)), 0);
}

TEST(CalendarTest, MonthsClampToTheMonthEnd) {
  Calendar cal;
  EXPECT_EQ(cal.OverdueFromMonths(At("2026-01-31", 10), 1), At("2026-03-01", 0));
  EXPECT_EQ(cal.OverdueFromMonths(At("2025-11-20", 10), 12), At("2026-11-21", 0));
}

TEST(CalendarTest, BadHolidayListsNameTheLine) {
  auto weekend = ParseBankHolidays("# covers: 2026-2026\n2026-12-26\n");
  ASSERT_FALSE(weekend.ok());
  EXPECT_NE(weekend.status().message().find("line 2"), std::string::npos);
  auto garbage = ParseBankHolidays("# covers: 2026-2026\n2026-13-01\n");
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.status().message().find("not a date"), std::string::npos);
  EXPECT_FALSE(ParseBankHolidays("2026-12-25\n").ok());  // No covers line.
  EXPECT_FALSE(ParseBankHolidays("# covers: 2026-2026\n2027-01-01\n").ok());
}

}  // namespace
}  // namespace sightline::domain
