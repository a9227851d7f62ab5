#include "sightline/domain/calendar/calendar.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include "process.h"

namespace sightline::domain {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

Calendar RealCalendar() {
  std::ifstream in(sightline::testing::SourceDir() + "/deploy/calendar/england-and-wales.txt");
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

TEST(CalendarTest, WorkingDaysBetweenAgreesWithCountingDayByDay) {
  Calendar cal = RealCalendar();
  // Every start in two years around several Christmases and Easters, against every span up to
  // 400 days in steps that meet every remainder of a week.
  Instant base = At("2025-01-01", 10);
  for (int start = 0; start < 730; start += 3) {
    Instant from = base + std::chrono::days(start);
    for (int span = -2; span <= 400; span += 5) {
      Instant to = from + std::chrono::days(span) + hours(3);
      int naive = 0;
      for (Day d = LocalDay(from) + std::chrono::days(1); d <= LocalDay(to);
           d += std::chrono::days(1))
        naive += cal.IsWorkingDay(d) ? 1 : 0;
      ASSERT_EQ(cal.WorkingDaysBetween(from, to), naive) << start << " + " << span;
    }
  }
}

TEST(CalendarTest, MonthsClampToTheMonthEnd) {
  Calendar cal;
  EXPECT_EQ(cal.OverdueFromMonths(At("2026-01-31", 10), 1), At("2026-03-01", 0));
  EXPECT_EQ(cal.OverdueFromMonths(At("2025-11-20", 10), 12), At("2026-11-21", 0));
}

// Local (Europe/London) wall-clock time, for the working-hour cases below.
Instant Local(const char* day, int h, int m = 0) {
  return LocalMidnight(*ParseDay(day)) + hours(h) + minutes(m);
}

TEST(CalendarTest, OneWorkingDayEdgeCases) {
  Calendar cal = RealCalendar();
  // A Friday 16:00 contact is due on Monday, overdue from Tuesday 00:00 (GMT in November).
  EXPECT_EQ(cal.OverdueFromWorkingDays(Local("2026-11-20", 16), 1), Local("2026-11-24", 0));
  // A contact late on a Saturday or a bank holiday: day 0 is that day, day 1 the next working day.
  EXPECT_EQ(cal.OverdueFromWorkingDays(Local("2026-11-21", 23, 30), 1), Local("2026-11-24", 0));
  EXPECT_EQ(cal.OverdueFromWorkingDays(Local("2026-12-25", 10), 1), Local("2026-12-30", 0));
  // The day before Good Friday 2027 (Thursday 25 March): Good Friday and Easter Monday skipped.
  EXPECT_EQ(cal.OverdueFromWorkingDays(Local("2027-03-25", 15), 1), Local("2027-03-31", 0));
  // Across the spring DST change (Sunday 2027-03-28): overdue from local midnight, 23:00 UTC.
  EXPECT_EQ(cal.OverdueFromWorkingDays(Local("2027-03-26", 12), 1), Local("2027-03-31", 0));
  EXPECT_EQ(cal.OverdueFromWorkingDays(Local("2027-03-26", 12), 1), At("2027-03-30", 23));
  // Across the autumn change (Sunday 2026-10-25): back to GMT, 00:00 UTC.
  EXPECT_EQ(cal.OverdueFromWorkingDays(Local("2026-10-23", 12), 1), At("2026-10-27", 0));
  // 45 working days from 2026-11-02 skip Christmas, Boxing Day (28th) and New Year's Day.
  EXPECT_EQ(FormatDay(cal.AddWorkingDays(Local("2026-11-02", 10), 45)), "2027-01-07");
  // The one-off holidays of 2022 and 2023 are days off.
  for (const char* d : {"2022-06-02", "2022-06-03", "2022-09-19", "2023-05-08"}) {
    EXPECT_FALSE(cal.IsWorkingDay(*ParseDay(d))) << d;
  }
}

TEST(CalendarTest, CalendarDaysUseTheSameConvention) {
  Calendar cal = RealCalendar();
  // 7 days from a Friday afternoon: day 0 is the Friday, overdue from the Saturday after next.
  EXPECT_EQ(cal.OverdueFromDays(Local("2026-11-20", 15), 7), Local("2026-11-28", 0));
}

TEST(CalendarTest, WorkingHoursCountOnlyInsideBusinessHours) {
  Calendar cal = RealCalendar();
  BusinessHours office;  // 09:00-17:00.
  auto h = [](int n) { return std::chrono::minutes(60 * n); };
  // Friday 16:00 + 1 working hour: Friday has one hour left, so Friday 17:00.
  EXPECT_EQ(cal.AddWorkingHours(Local("2026-11-20", 16), h(1), office), Local("2026-11-20", 17));
  // Friday 16:00 + 4 working hours: one on Friday, three on Monday from 09:00.
  EXPECT_EQ(cal.AddWorkingHours(Local("2026-11-20", 16), h(4), office), Local("2026-11-23", 12));
  // Received at night or at the weekend: counting starts at the next opening.
  EXPECT_EQ(cal.AddWorkingHours(Local("2026-11-21", 22), h(4), office), Local("2026-11-23", 13));
  EXPECT_EQ(cal.AddWorkingHours(Local("2026-11-23", 6), h(8), office), Local("2026-11-23", 17));
  // 24 working hours are three full working days.
  EXPECT_EQ(cal.AddWorkingHours(Local("2026-11-23", 9), h(24), office), Local("2026-11-25", 17));
  // Christmas: Thursday 24 December 15:00 + 4h -> 2 hours that day, then Tuesday 29th 11:00.
  EXPECT_EQ(cal.AddWorkingHours(Local("2026-12-24", 15), h(4), office), Local("2026-12-29", 11));
  // The day before Good Friday 2027: Thursday 16:30 + 2h -> Tuesday 30 March 10:30 (BST by then).
  EXPECT_EQ(cal.AddWorkingHours(Local("2027-03-25", 16, 30), h(2), office),
            Local("2027-03-30", 10, 30));
  EXPECT_EQ(Local("2027-03-30", 10, 30), At("2027-03-30", 9, 30));  // 10:30 BST is 09:30 UTC.
  // Across the autumn change: Friday 2026-10-23 16:00 BST + 2h -> Monday 10:00 GMT.
  EXPECT_EQ(cal.AddWorkingHours(Local("2026-10-23", 16), h(2), office), At("2026-10-26", 10));
  // Other business hours, minutes included.
  BusinessHours early{std::chrono::minutes(8 * 60 + 30), std::chrono::minutes(16 * 60)};
  EXPECT_EQ(cal.AddWorkingHours(Local("2026-11-20", 15, 45), std::chrono::minutes(30), early),
            Local("2026-11-23", 8, 45));
  EXPECT_EQ(cal.AddWorkingHours(Local("2026-11-20", 15, 45), std::chrono::minutes(0), early),
            Local("2026-11-20", 15, 45));
}

TEST(CalendarTest, ExtraHolidaysAreDaysOff) {
  Calendar cal = RealCalendar().WithExtraHolidays({*ParseDay("2026-11-23")});
  EXPECT_FALSE(cal.IsWorkingDay(*ParseDay("2026-11-23")));
  EXPECT_EQ(cal.OverdueFromWorkingDays(Local("2026-11-20", 16), 1), Local("2026-11-25", 0));
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
