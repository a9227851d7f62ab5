// Paging people can live with (ADR 0010), against the default policy: urgent rules page around
// the clock and out of hours reach the rotas; the rest wait for the team's next opening, climb in
// working time and never reach the director; overnight clocks arrive as one morning page.
#include <gtest/gtest.h>

#include "clock_story.h"
#include "sightline/domain/clocks/paging.h"

namespace sightline::domain {
namespace {

using namespace clock_story;  // NOLINT(google-build-using-namespace)

TEST(ClocksTest, FridayContactIsDueMondayAndPagedTuesdayMorning) {
  // Overdue from Tuesday 00:00, but a decision clock is not urgent: the team manager is paged
  // when the team opens at 09:00, not at midnight (issue 14).
  Story s;
  s.Contact("e1", L("2026-12-18", 16, 30));
  s.Decide("e2", L("2026-12-22", 10, 0), v1::CONTACT_DECISION_EARLY_HELP);
  auto out = RunStory(s, L("2026-12-18", 16), L("2026-12-23", 0));
  EXPECT_EQ(Lines(out, "contact-decision"),
            (Lines_t{"raised L1 @ 2026-12-22 09:00", "resolved L1 @ 2026-12-22 10:00"}));
  EXPECT_EQ(out.back().late_by_seconds(), 10 * 3600);  // Still late from midnight.
  EXPECT_EQ(out.back().stop_event_id(), "e2");
  EXPECT_EQ(out.front().alert_id(), "contact-decision/c1/e1/L1");
  EXPECT_EQ(out.front().event_id(), "contact-decision/c1/e1/L1/raised");
  EXPECT_EQ(out.front().level_role(), "team_manager");
  EXPECT_FALSE(out.front().urgent());
  EXPECT_FALSE(out.front().out_of_hours());
  ASSERT_EQ(out.front().paged_roles_size(), 1);
  EXPECT_EQ(out.front().paged_roles(0), "team_manager");
}

TEST(ClocksTest, ClocksThatAreNotUrgentClimbInWorkingTimeAndNeverToTheDirector) {
  // Undecided: paged 09:00 Tuesday, service manager after 1 working hour, head of service after
  // 2 more; the director's level is for urgent rules only.
  Story s;
  s.Contact("e1", L("2026-12-18", 16, 30));
  auto out = RunStory(s, L("2026-12-18", 16), L("2026-12-24", 0));
  EXPECT_EQ(Lines(out, "contact-decision"),
            (Lines_t{"raised L1 @ 2026-12-22 09:00", "escalated L2 @ 2026-12-22 10:00",
                     "escalated L3 @ 2026-12-22 12:00"}));
  EXPECT_EQ(out.back().levels(), 3);
  // A wait that runs past closing goes on at the next opening: an amber contact received Monday
  // 16:30 is due after 8 working hours, Tuesday 16:30; the service manager's hour is half an
  // hour on Tuesday and half on Wednesday.
  Story amber;
  amber.Contact("e1", L("2026-11-23", 16, 30))
      .Rag("e2", L("2026-11-23", 16, 40), v1::RAG_RATING_AMBER);
  auto out2 = RunStory(amber, L("2026-11-23", 16), L("2026-11-25", 15));
  EXPECT_EQ(Lines(out2, "contact-decision-amber"),
            (Lines_t{"raised L1 @ 2026-11-24 16:30", "escalated L2 @ 2026-11-25 09:30",
                     "escalated L3 @ 2026-11-25 11:30"}));
  // One that falls due at closing is paged at the next opening.
  Story closing;
  closing.Contact("e1", L("2026-11-23", 8, 30))
      .Rag("e2", L("2026-11-23", 8, 40), v1::RAG_RATING_AMBER);
  auto out3 = RunStory(closing, L("2026-11-23", 8), L("2026-11-24", 9, 30));
  EXPECT_EQ(Lines(out3, "contact-decision-amber"), Lines_t{"raised L1 @ 2026-11-24 09:00"});
  EXPECT_EQ(Format(ToInstant(out3[0].due_at())), "2026-11-23 17:00");
}

TEST(ClocksTest, RedCasesRunAroundTheClockAndAmberInWorkingHours) {
  // Both run from the contact's receipt, not from the rating (issue 14): a contact rated red ten
  // minutes after it arrived is not due ten minutes late.
  Story red;  // Saturday night: red is worked out of hours. Received 01:50, due 05:50.
  red.Contact("e1", L("2026-11-21", 1, 50)).Rag("e2", L("2026-11-21", 2, 0), v1::RAG_RATING_RED);
  auto out = RunStory(red, L("2026-11-21", 1), L("2026-11-21", 8));
  EXPECT_EQ(Lines(out, "contact-decision-red"),
            (Lines_t{"raised L1 @ 2026-11-21 05:50", "escalated L2 @ 2026-11-21 06:50"}));
  // Urgent, out of hours: level 1 pages the emergency duty team and the on-call manager, named
  // by the rotas (weekly from Monday 5 January: the week of 16 November is week 45, so the
  // second of two EDT seniors, handing over at 17:00, and the second of four managers).
  const av::AlertEvent& raised = out[0];
  EXPECT_TRUE(raised.urgent());
  EXPECT_TRUE(raised.out_of_hours());
  EXPECT_EQ(std::vector<std::string>(raised.paged_roles().begin(), raised.paged_roles().end()),
            (std::vector<std::string>{"emergency_duty_team", "on_call_manager"}));
  auto on_call = [](const av::AlertEvent& e, const std::string& rota) {
    for (const av::OnCall& who : e.on_call())
      if (who.rota() == rota) return who.user_id();
    return std::string("(nobody)");
  };
  EXPECT_EQ(on_call(raised, "emergency_duty_team"), "edt-senior-2");
  EXPECT_EQ(on_call(raised, "on_call_manager"), "sm-south");
  EXPECT_EQ(on_call(out[1], "on_call_manager"), "sm-south");
  EXPECT_EQ(out[1].paged_roles_size(), 1);
  // Nobody answers: urgent alerts climb to the director in calendar time (1h + 2h + 4h).
  auto night = RunStory(red, L("2026-11-21", 1), L("2026-11-21", 13));
  EXPECT_EQ(Lines(night, "contact-decision-red").back(), "escalated L4 @ 2026-11-21 12:50");
  EXPECT_EQ(night.back().paged_roles(0), "director");
  Story amber;  // Friday 15:50 + 8 working hours: 1h10 on Friday, 6h50 on Monday from 09:00.
  amber.Contact("e1", L("2026-11-20", 15, 50))
      .Rag("e2", L("2026-11-20", 16, 0), v1::RAG_RATING_AMBER);
  auto out2 = RunStory(amber, L("2026-11-20", 15), L("2026-11-23", 16, 30));
  EXPECT_EQ(Lines(out2, "contact-decision-amber"), Lines_t{"raised L1 @ 2026-11-23 15:50"});
  // A rating whose contact is not (yet) known runs from the rating itself.
  Story orphan;
  orphan.Rag("e2", L("2026-11-21", 2, 0), v1::RAG_RATING_RED);
  auto out3 = RunStory(orphan, L("2026-11-21", 1), L("2026-11-21", 6, 30));
  EXPECT_EQ(Lines(out3, "contact-decision-red"), Lines_t{"raised L1 @ 2026-11-21 06:00"});
}

TEST(Paging, OvernightClocksArriveAsOneMorningPagePerTeamAndRole) {
  // Three contacts of one team fall due overnight, one of another team, and a red contact at
  // night: the old way pages at midnight and climbs to the director; now the team manager of
  // each team gets one page at 09:00 and only the red contact pages out of hours.
  Story s;
  s.Contact("e1", L("2026-11-23", 10), "k1").Contact("e2", L("2026-11-23", 11), "k2");
  s.Contact("e3", L("2026-11-23", 12), "k3").Contact("e4", L("2026-11-23", 13), "k4");
  s.events_.back().mutable_actor()->set_team_id("mash-south");
  s.Contact("e5", L("2026-11-24", 22), "k5").Rag("e6", L("2026-11-24", 22, 5), v1::RAG_RATING_RED);
  s.events_.back().mutable_refs()->set_contact_id("k5");
  for (std::string who : {"e1", "e2", "e3", "e4"}) {
    s.Decide("d" + who, L("2026-11-25", 9, 30), v1::CONTACT_DECISION_EARLY_HELP);
    s.events_.back().mutable_refs()->set_contact_id("k" + who.substr(1));
  }
  s.Decide("d5", L("2026-11-25", 2, 30), v1::CONTACT_DECISION_S47_STRATEGY, "r5");
  s.events_.back().mutable_refs()->set_contact_id("k5");
  // (Four contacts about one child also trip repeat-contacts; only the decision clocks count here.)
  auto decisions = [](std::vector<av::AlertEvent> steps) {
    std::erase_if(steps, [](const av::AlertEvent& a) { return a.rule_id() == "repeat-contacts"; });
    return steps;
  };
  auto now = decisions(RunStory(s, L("2026-11-23", 9), L("2026-11-25", 12)));
  PagingReport after = CountPages(Policy(), now, L("2026-11-23", 0), L("2026-11-26", 0));
  EXPECT_EQ(after.roles["team_manager"].total, 2);  // One digest per team at 09:00.
  EXPECT_EQ(after.roles["team_manager"].in_hours, 2);
  EXPECT_EQ(after.roles["emergency_duty_team"].total, 1);  // The red contact, due 02:00.
  EXPECT_EQ(after.roles["on_call_manager"].total, 1);
  EXPECT_EQ(after.roles["on_call_manager"].nights, 1);
  EXPECT_EQ(after.roles.count("director"), 0u);
  EXPECT_EQ(after.non_urgent_out_of_hours, 0);
  // Round the clock: every contact pages its team manager at midnight, then up the ladder.
  ClockPolicy old = RoundTheClock(Policy());
  AlertEngine before_engine(old);
  std::vector<av::AlertEvent> before;
  for (Instant t = L("2026-11-23", 9); t <= L("2026-11-25", 12); t += minutes(15)) {
    std::vector<v1::Envelope> known;
    for (const auto& e : s.events_) {
      Instant r = ToInstant(e.recorded_at());
      if (r > t - minutes(15) && r <= t) known.push_back(e);
    }
    for (auto& a : before_engine.Apply(known, t, t)) before.push_back(a);
    for (auto& a : before_engine.Tick(t)) before.push_back(a);
  }
  PagingReport old_report =
      CountPages(Policy(), decisions(before), L("2026-11-23", 0), L("2026-11-26", 0));
  EXPECT_DOUBLE_EQ(old_report.weeks, 3.0 / 7);
  EXPECT_EQ(old_report.roles["team_manager"].out_of_hours, 3);  // Midnight, both teams + red.
  EXPECT_GT(old_report.roles["director"].total, 0);
  EXPECT_GT(old_report.non_urgent_out_of_hours, 0);
  EXPECT_NE(FormatPagingReport(after).find("emergency_duty_team"), std::string::npos);
}

}  // namespace
}  // namespace sightline::domain
