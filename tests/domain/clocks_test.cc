// The watchdog's rule engine against the default policy (deploy/watchdog-policy.yaml): the
// calendar cases (weekends, bank holidays, DST), the ladder, acknowledgements, late,
// out-of-order, duplicated and corrected events, each default schedule and the policy's checks.
// Paging is in paging_test.cc, the detectors of domain.md's failures in detectors_test.cc.
#include "sightline/domain/clocks/clocks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "clock_story.h"
#include "sightline/domain/clocks/minimise.h"

namespace sightline::domain {
namespace {

using namespace clock_story;  // NOLINT(google-build-using-namespace)

TEST(ClocksTest, DefaultPolicyLoads) {
  EXPECT_EQ(Policy().rules.size(), 28u);
  EXPECT_EQ(Policy().ladders.size(), 3u);
}

TEST(ClocksTest, DecisionInTimeRaisesNothing) {
  Story s;
  s.Contact("e1", L("2026-12-18", 16, 30));
  s.Decide("e2", L("2026-12-21", 16, 59), v1::CONTACT_DECISION_NO_FURTHER_ACTION);
  EXPECT_TRUE(RunStory(s, L("2026-12-18", 16), L("2027-01-30", 0)).empty());
}

TEST(ClocksTest, ImportedHistoryStartsNoClockButLiveWorkDoes) {
  // A contact never decided, imported from a return: history, so nothing is due of it.
  Story imported;
  imported.Contact("e1", L("2026-12-18", 16, 30));
  for (v1::Envelope& e : imported.events_) e.mutable_imported()->set_source("cin-census 2026");
  EXPECT_TRUE(RunStory(imported, L("2026-12-18", 16), L("2027-01-30", 0)).empty());
  // The same contact recorded live raises the decision alert.
  Story live;
  live.Contact("e1", L("2026-12-18", 16, 30));
  EXPECT_FALSE(RunStory(live, L("2026-12-18", 16), L("2027-01-30", 0)).empty());
}

TEST(ClocksTest, BankHolidaysAndSummerTimeMoveTheDeadline) {
  // Thursday before Good Friday 2027: Friday and Easter Monday are off; due Tuesday 30 March,
  // overdue from local midnight, which is 23:00 UTC since the clocks went forward on the 28th.
  Story s;
  s.Contact("e1", L("2027-03-25", 15));
  auto out = RunStory(s, L("2027-03-25", 15), L("2027-03-31", 9, 30));
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(Lines(out, "contact-decision")[0], "raised L1 @ 2027-03-31 09:00");
  EXPECT_EQ(ToInstant(out[0].due_at()), Instant(*ParseDay("2027-03-30")) + hours(23));
  // The state funeral, 19 September 2022: a Friday contact is due on Tuesday the 20th.
  Story f;
  f.Contact("e1", L("2022-09-16", 11));
  auto out2 = RunStory(f, L("2022-09-16", 11), L("2022-09-21", 9, 30));
  EXPECT_EQ(Lines(out2, "contact-decision"), Lines_t{"raised L1 @ 2022-09-21 09:00"});
}

TEST(ClocksTest, DowngradedRedClockIsCancelledBeforeItFires) {
  Story s;
  s.Contact("e1", L("2026-11-21", 1, 50)).Rag("e2", L("2026-11-21", 2), v1::RAG_RATING_RED);
  s.Rag("e3", L("2026-11-21", 3), v1::RAG_RATING_GREEN);
  auto out = RunStory(s, L("2026-11-21", 1), L("2026-11-21", 12));
  EXPECT_TRUE(Lines(out, "contact-decision-red").empty());
}

TEST(ClocksTest, AcknowledgementHoldsTheLadderUntilItLapses) {
  Story s;
  s.Contact("e1", L("2026-11-23", 10)).Rag("e2", L("2026-11-23", 10, 5), v1::RAG_RATING_RED);
  // Red due 14:00 (4 hours from the contact's receipt); the team manager acknowledges at 14:30
  // (lasts 4h, until 18:30).
  s.Ack("e3", L("2026-11-23", 14, 30), "contact-decision-red/c1/e2/L1", "tm-jo");
  s.Decide("e4", L("2026-11-23", 20, 0), v1::CONTACT_DECISION_S17_ASSESSMENT, "r1");
  auto out = RunStory(s, L("2026-11-23", 10), L("2026-11-24", 0));
  EXPECT_EQ(Lines(out, "contact-decision-red"),
            (Lines_t{"raised L1 @ 2026-11-23 14:00", "acknowledged L1 @ 2026-11-23 14:30",
                     "ack_expired L1 @ 2026-11-23 18:30", "escalated L2 @ 2026-11-23 19:30",
                     "resolved L2 @ 2026-11-23 20:00"}));
  auto ack = std::find_if(out.begin(), out.end(),
                          [](auto& e) { return e.step() == av::STEP_ACKNOWLEDGED; });
  EXPECT_EQ(ack->acknowledged_by(), "tm-jo");
  EXPECT_EQ(ack->note(), "On it.");
  EXPECT_EQ(Format(ToInstant(ack->acknowledged_until())), "2026-11-23 18:30");
}

TEST(ClocksTest, LateRecordedDecisionInTimeResolvesTheAlert) {
  Story s;
  s.Contact("e1", L("2026-11-23", 10));
  // Decided on time (Tuesday 15:00) but typed in on Wednesday 11:00, after the alert.
  s.Decide("e2", L("2026-11-24", 15), v1::CONTACT_DECISION_EARLY_HELP);
  *s.events_.back().mutable_recorded_at() = ToTimestamp(L("2026-11-25", 11));
  auto out = RunStory(s, L("2026-11-23", 9), L("2026-11-25", 12));
  auto lines = Lines(out, "contact-decision");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "raised L1 @ 2026-11-25 09:00");
  EXPECT_EQ(lines[2], "resolved L2 @ 2026-11-24 15:00");
  EXPECT_LT(out.back().late_by_seconds(), 0);
  EXPECT_EQ(out.back().reason(), "awaited event happened in time (recorded late)");
}

TEST(ClocksTest, OrderDuplicatesAndBatchingDoNotChangeTheOutcome) {
  Story s("c9");
  s.Contact("e1", L("2026-11-20", 16)).Rag("e2", L("2026-11-20", 16, 10), v1::RAG_RATING_RED);
  s.Ack("e3", L("2026-11-20", 20, 30), "contact-decision-red/c9/e2/L1", "tm");
  s.Decide("e4", L("2026-11-24", 11), v1::CONTACT_DECISION_S47_STRATEGY, "r9");
  s.Strategy("e5", L("2026-11-26", 10), "s9");
  *s.events_.back().mutable_refs() = s.events_[3].refs();
  s.events_.back().mutable_refs()->set_strategy_id("s9");
  // The watchdog ticks every 6 hours; the events recorded since the last tick arrive in any
  // order, some twice, and a duplicate of an older event can turn up much later.
  auto run = [&](std::mt19937* rng) {
    AlertEngine engine(Policy());
    std::set<std::string> ids;
    Instant previous = L("2026-11-20", 12);
    for (Instant t = previous + hours(6); t <= L("2026-12-20", 0); t += hours(6)) {
      std::vector<v1::Envelope> batch;
      for (const auto& e : s.events_) {
        Instant r = ToInstant(e.recorded_at());
        if (r > previous && r <= t) batch.push_back(e);
      }
      if (rng != nullptr && !batch.empty()) {
        batch.push_back(batch[(*rng)() % batch.size()]);
        const v1::Envelope& old = s.events_[(*rng)() % s.events_.size()];
        if (ToInstant(old.recorded_at()) <= t) batch.push_back(old);  // Redelivered.
        std::shuffle(batch.begin(), batch.end(), *rng);
      }
      for (const auto& e : batch) {
        for (auto& a : engine.Apply(std::span(&e, 1), previous, t)) ids.insert(a.event_id());
      }
      for (auto& a : engine.Tick(t)) ids.insert(a.event_id());
      previous = t;
    }
    return ids;
  };
  std::set<std::string> in_order = run(nullptr);
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) EXPECT_EQ(run(&rng), in_order) << "round " << round;
  EXPECT_TRUE(in_order.contains("contact-decision-red/c9/e2/L1/raised"));
  EXPECT_TRUE(in_order.contains("contact-decision-red/c9/e2/L1/ack/0"));
  EXPECT_TRUE(in_order.contains("contact-decision-red/c9/e2/resolved"));
  // Held at 10:00 on the day its page was due at 09:00, and known before the next (6-hourly)
  // tick: nobody is paged about a discussion already held.
  EXPECT_FALSE(in_order.contains("strategy-discussion/c9/e4/L1/raised"));
}

TEST(ClocksTest, ReplayingHistoryDoesNotReAlert) {
  Story s;
  s.Contact("e1", L("2026-11-02", 10));
  s.Decide("e2", L("2026-11-05", 10), v1::CONTACT_DECISION_NO_FURTHER_ACTION);
  s.Contact("e3", L("2026-11-09", 10), "k2");
  AlertEngine engine(Policy());
  Instant now = L("2026-11-20", 0);
  // A fresh watchdog that has never ticked replays the log: its horizon is the epoch.
  EXPECT_TRUE(engine.Apply(s.events_, Instant{}, now).empty());
  auto fired = engine.Tick(now);
  // Only the contact still waiting alerts (up to the head of service by now: the director is
  // paged for urgent rules only); the resolved one not.
  EXPECT_EQ(Lines(fired, "contact-decision").size(), 3u);
  for (auto& e : fired) EXPECT_EQ(e.anchor_event_id(), "e3");
  EXPECT_TRUE(engine.Tick(now).empty());
  EXPECT_TRUE(engine.Apply(s.events_, now, now).empty());
}

TEST(ClocksTest, RetractionAndClosureCancel) {
  Story s;
  s.Contact("e1", L("2026-11-23", 10));
  s.Retract("e2", L("2026-11-25", 9, 30), "e1");
  auto out = RunStory(s, L("2026-11-23", 9), L("2026-11-25", 10));
  auto lines = Lines(out, "contact-decision");
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], "raised L1 @ 2026-11-25 09:00");
  EXPECT_EQ(out.back().step(), av::STEP_CANCELLED);
  EXPECT_EQ(out.back().reason(), "the starting event was retracted or corrected");
  // Retracted before it fell due: nothing at all.
  Story early;
  early.Contact("e1", L("2026-11-23", 10)).Retract("e2", L("2026-11-23", 11), "e1");
  EXPECT_TRUE(RunStory(early, L("2026-11-23", 9), L("2026-11-26", 0)).empty());
  // Case closed while the alert is open.
  Story closed;
  closed.Contact("e1", L("2026-11-23", 10)).Close("e2", L("2026-11-25", 9, 30));
  auto out3 = RunStory(closed, L("2026-11-23", 9), L("2026-11-26", 0));
  EXPECT_EQ(out3.back().step(), av::STEP_CANCELLED);
  EXPECT_EQ(out3.back().reason(), "case closed (e2)");
}

TEST(ClocksTest, AssessmentWithin45WorkingDaysAcrossChristmas) {
  Story s;
  s.Contact("e1", L("2026-11-02", 9));
  s.Decide("e2", L("2026-11-02", 10), v1::CONTACT_DECISION_S17_ASSESSMENT, "r1");
  auto clocks = DeriveClocks(Policy(), "c1", s.events_);
  auto it = std::find_if(clocks.begin(), clocks.end(),
                         [](auto& c) { return c.clock_id == "assessment/c1/e2"; });
  ASSERT_NE(it, clocks.end());
  EXPECT_EQ(it->due, L("2027-01-08", 0));  // Due Thursday 7 January 2027.
}

TEST(ClocksTest, InitialConferenceWithin15WorkingDaysOrCancelledByTheEnquiry) {
  Story s;
  s.Strategy("e1", L("2026-11-02", 10), "s1");
  s.Conference("e2", L("2026-11-24", 10), v1::CONFERENCE_TYPE_INITIAL);
  s.events_.back().mutable_refs()->set_strategy_id("s1");
  auto out = RunStory(s, L("2026-11-02", 9), L("2026-11-25", 0));
  // 15 working days from Monday 2 November: due Monday 23rd, overdue from Tuesday 00:00.
  EXPECT_EQ(Lines(out, "initial-conference"),
            (Lines_t{"raised L1 @ 2026-11-24 09:00", "resolved L1 @ 2026-11-24 10:00"}));
  Story c;
  c.Strategy("e1", L("2026-11-02", 10), "s1");
  c.S47Done("e2", L("2026-11-10", 10), "s1", v1::S47_OUTCOME_CONCERNS_NOT_SUBSTANTIATED);
  EXPECT_TRUE(
      Lines(RunStory(c, L("2026-11-02", 9), L("2026-12-01", 0)), "initial-conference").empty());
}

TEST(ClocksTest, ChildProtectionVisitsEveryTenWorkingDaysChildSeen) {
  Story s;
  s.PlanStart("e1", L("2026-11-02", 10), v1::PLAN_TYPE_CHILD_PROTECTION, "p1");
  s.Seen("e2", L("2026-11-13", 10), v1::SEEN_STATUS_SEEN_ALONE);  // Day 9: in time.
  s.Seen("e3", L("2026-11-25", 10), v1::SEEN_STATUS_NOT_SEEN);    // Does not count.
  s.Seen("e4", L("2026-11-30", 10), v1::SEEN_STATUS_SEEN_NOT_ALONE);
  s.PlanEnd("e5", L("2026-12-04", 10), v1::PLAN_TYPE_CHILD_PROTECTION, "p1");
  auto out = RunStory(s, L("2026-11-02", 9), L("2026-12-31", 0));
  // From the 13th: 10 working days -> due Friday 27th, overdue Saturday 28th 00:00, paged when
  // the team opens on Monday 30th at 09:00; seen at 10:00.
  EXPECT_EQ(Lines(out, "cp-visits"),
            (Lines_t{"raised L1 @ 2026-11-30 09:00", "resolved L1 @ 2026-11-30 10:00"}));
  EXPECT_EQ(out.back().anchor_event_id(), "e2");
  // The plan ended on 4 December: the clock from the 30th is cancelled silently.
  auto clocks = DeriveClocks(Policy(), "c1", s.events_);
  auto last = std::find_if(clocks.begin(), clocks.end(),
                           [](auto& c) { return c.clock_id == "cp-visits/c1/e4"; });
  ASSERT_NE(last, clocks.end());
  EXPECT_FALSE(last->stopped);
  EXPECT_EQ(last->end_event_id, "e5");
}

// A clock's state at the end of a story: the clock whose id starts with `prefix`.
const ClockInstance* Find(const std::vector<ClockInstance>& clocks, const std::string& prefix) {
  for (const ClockInstance& c : clocks) {
    if (c.clock_id.starts_with(prefix)) return &c;
  }
  return nullptr;
}

TEST(ClocksTest, AssessmentCompletedByItsOwnIdStopsTheReferralsClock) {
  // The gateway accepts a completion named by its assessment id alone; its start tied the
  // assessment to the referral, and that is enough to stop the 45-working-day clock.
  Story s;
  s.Contact("e1", L("2026-11-02", 9));
  s.Decide("e2", L("2026-11-02", 10), v1::CONTACT_DECISION_S17_ASSESSMENT, "r1");
  s.Work("e3", L("2026-11-03", 10), {{"referral_id", "r1"}, {"assessment_id", "a1"}})
      .mutable_assessment_started()
      ->set_type(v1::ASSESSMENT_TYPE_S17_CHILD_AND_FAMILY);
  s.Work("e4", L("2026-12-14", 15), {{"assessment_id", "a1"}})
      .mutable_assessment_completed()
      ->set_outcome(v1::ASSESSMENT_OUTCOME_NO_FURTHER_ACTION);
  auto clocks = DeriveClocks(Policy(), "c1", s.events_);
  const ClockInstance* c = Find(clocks, "assessment/c1/e2");
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->stopped);
  EXPECT_EQ(c->end_event_id, "e4");
  EXPECT_EQ(c->ended, L("2026-12-14", 15));
  EXPECT_TRUE(Lines(RunStory(s, L("2026-11-02", 8), L("2027-02-01", 0)), "assessment").empty());
  // Another referral's assessment stops nothing here.
  s.events_.pop_back();
  s.Work("e5", L("2026-12-14", 15), {{"referral_id", "r2"}, {"assessment_id", "a2"}})
      .mutable_assessment_started();
  s.Work("e6", L("2026-12-15", 15), {{"assessment_id", "a2"}}).mutable_assessment_completed();
  EXPECT_FALSE(Find(DeriveClocks(Policy(), "c1", s.events_), "assessment/c1/e2")->ended);
}

TEST(ClocksTest, EnquiryCompletedByItsOwnIdStopsTheConferenceAndAssessmentClocks) {
  Story s;
  s.Contact("e1", L("2026-11-02", 9));
  s.Decide("e2", L("2026-11-02", 10), v1::CONTACT_DECISION_S47_STRATEGY, "r1");
  s.Work("e3", L("2026-11-03", 10), {{"referral_id", "r1"}, {"strategy_id", "s1"}})
      .mutable_strategy_discussion_held()
      ->set_s47_threshold_met(true);
  s.Work("e4", L("2026-11-03", 11), {{"strategy_id", "s1"}, {"s47_id", "x1"}})
      .mutable_s47_enquiry_started();
  s.Work("e5", L("2026-11-12", 16), {{"s47_id", "x1"}})
      .mutable_s47_enquiry_completed()
      ->set_outcome(v1::S47_OUTCOME_CONCERNS_NOT_SUBSTANTIATED);
  auto clocks = DeriveClocks(Policy(), "c1", s.events_);
  const ClockInstance* conference = Find(clocks, "initial-conference/c1/e3");
  ASSERT_NE(conference, nullptr);
  EXPECT_EQ(conference->end_event_id, "e5");  // Cancelled: concerns not substantiated.
  EXPECT_FALSE(conference->stopped);
  const ClockInstance* assessment = Find(clocks, "assessment/c1/e2");
  ASSERT_NE(assessment, nullptr);
  EXPECT_TRUE(assessment->stopped);  // s47 -> strategy s1 -> referral r1.
  EXPECT_EQ(assessment->end_event_id, "e5");
  auto out = RunStory(s, L("2026-11-02", 8), L("2027-02-01", 0));
  EXPECT_TRUE(Lines(out, "initial-conference").empty());
  EXPECT_TRUE(Lines(out, "assessment").empty());
}

TEST(ClocksTest, OnlyAVisitUnderThePlanRestartsItsVisitClock) {
  Story s;
  s.PlanStart("e1", L("2026-11-02", 10), v1::PLAN_TYPE_CHILD_PROTECTION, "p1");
  s.PlanStart("e2", L("2026-11-02", 11), v1::PLAN_TYPE_CHILD_IN_NEED, "p2");
  // Seen on day 9, but on the child-in-need plan's visit: the CP plan still waits from the 2nd.
  s.Seen("e3", L("2026-11-13", 10), v1::SEEN_STATUS_SEEN_ALONE, "p2");
  s.Seen("e4", L("2026-11-19", 10), v1::SEEN_STATUS_SEEN_ALONE, "p1");
  auto out = RunStory(s, L("2026-11-02", 9), L("2026-11-20", 0));
  // 10 working days from Monday 2 November: due Monday 16th, overdue Tuesday 17th 00:00, paged
  // at 09:00; the casework ladder's 1-day wait is one working day.
  EXPECT_EQ(Lines(out, "cp-visits"),
            (Lines_t{"raised L1 @ 2026-11-17 09:00", "escalated L2 @ 2026-11-18 09:00",
                     "resolved L2 @ 2026-11-19 10:00"}));
  // A visit naming no plan restarts no plan's clock either.
  Story n;
  n.PlanStart("e1", L("2026-11-02", 10), v1::PLAN_TYPE_CHILD_PROTECTION, "p1");
  n.Seen("e2", L("2026-11-13", 10), v1::SEEN_STATUS_SEEN_ALONE, "");
  EXPECT_EQ(Find(DeriveClocks(Policy(), "c1", n.events_), "cp-visits/c1/e1")->ended, std::nullopt);
}

// The detectors for the seed's failures (issue 14), each with times written by hand. None is
// urgent: each pages at the team's next opening after it fires.
TEST(ClocksTest, ReviewSchedulesFollowTheirLimits) {
  Story s;
  s.Conference("e1", L("2026-01-15", 10), v1::CONFERENCE_TYPE_INITIAL);
  s.Conference("e2", L("2026-04-10", 10), v1::CONFERENCE_TYPE_REVIEW);
  s.PlanStart("e3", L("2026-01-05", 10), v1::PLAN_TYPE_LOOKED_AFTER, "p2");
  s.PlanReview("e4", L("2026-01-30", 10), v1::PLAN_TYPE_LOOKED_AFTER, "p2");
  s.PlanStart("e5", L("2026-01-05", 10), v1::PLAN_TYPE_PATHWAY, "p3");
  auto clocks = DeriveClocks(Policy(), "c1", s.events_);
  std::map<std::string, Instant> due;
  for (auto& c : clocks) due[c.clock_id] = c.due;
  // CP review: 3 months after the initial conference, then 6 months after each review.
  EXPECT_EQ(due["cp-review/c1/e1"], L("2026-04-16", 0));
  EXPECT_EQ(due["cp-review/c1/e2"], L("2026-10-11", 0));
  // Looked-after review: 20 working days (Monday 5 Jan -> due 2 Feb), then 3 months.
  EXPECT_EQ(due["lac-review/c1/e3"], L("2026-02-03", 0));
  EXPECT_EQ(due["lac-review/c1/e4"], L("2026-05-01", 0));
  EXPECT_EQ(due["pathway-review/c1/e5"], L("2026-07-06", 0));
}

TEST(ClocksTest, ImmediateTriggers) {
  Story s;
  s.Seen("e1", L("2026-11-23", 15), v1::SEEN_STATUS_ACCESS_REFUSED);
  s.Seen("e2", L("2026-11-24", 10), v1::SEEN_STATUS_SEEN_ALONE);
  s.Accommodation("e3", L("2026-11-23", 12), v1::SUITABILITY_UNSUITABLE);
  auto out = RunStory(s, L("2026-11-23", 9), L("2026-11-24", 12));
  EXPECT_EQ(Lines(out, "access-refused"),
            (Lines_t{"raised L1 @ 2026-11-23 15:00", "escalated L2 @ 2026-11-23 16:00",
                     "escalated L3 @ 2026-11-23 18:00", "escalated L4 @ 2026-11-23 22:00",
                     "resolved L4 @ 2026-11-24 10:00"}));
  EXPECT_EQ(Lines(out, "care-leaver-accommodation"),
            (Lines_t{"raised L1 @ 2026-11-23 12:00", "escalated L2 @ 2026-11-24 12:00"}));
}

TEST(ClocksTest, CountsInAWindow) {
  Story s;
  s.Contact("e1", L("2026-01-10", 10), "k1").Contact("e2", L("2026-06-10", 10), "k2");
  s.Contact("e3", L("2027-01-11", 10), "k3");  // Outside 12 months of e1: two in the window.
  s.Contact("e4", L("2027-02-01", 10), "k4");  // e2, e3, e4 within 12 months: fires.
  s.Ack("e5", L("2027-02-01", 11), "repeat-contacts/c1/e4/L1", "tm");
  auto clocks = DeriveClocks(Policy(), "c1", s.events_);
  int repeat = 0;
  for (auto& c : clocks) repeat += c.clock_id.starts_with("repeat-contacts/") ? 1 : 0;
  EXPECT_EQ(repeat, 1);
  auto out = RunStory(s, L("2027-02-01", 9), L("2027-02-01", 12));
  // No awaited event: the acknowledgement resolves it.
  EXPECT_EQ(Lines(out, "repeat-contacts"),
            (Lines_t{"raised L1 @ 2027-02-01 10:00", "acknowledged L1 @ 2027-02-01 11:00",
                     "resolved L1 @ 2027-02-01 11:00"}));
  Story m;
  m.Missing("m1", L("2026-11-01", 10)).Missing("m2", L("2026-11-12", 10));
  m.Missing("m3", L("2026-12-05", 10));  // m1 is out of the 30 days: two in the window.
  EXPECT_TRUE(
      Lines(RunStory(m, L("2026-12-05", 9), L("2026-12-06", 0)), "missing-episodes").empty());
  m.Missing("m4", L("2026-12-06", 10));
  EXPECT_EQ(Lines(RunStory(m, L("2026-12-06", 9), L("2026-12-06", 11)), "missing-episodes"),
            Lines_t{"raised L1 @ 2026-12-06 10:00"});
}

TEST(ClocksTest, CareProceedingsWithin26Weeks) {
  Story s;
  s.Legal("e1", L("2026-01-05", 10), v1::LEGAL_STAGE_PROCEEDINGS_ISSUED);
  auto clocks = DeriveClocks(Policy(), "c1", s.events_);
  auto it = std::find_if(clocks.begin(), clocks.end(),
                         [](auto& c) { return c.clock_id == "care-proceedings/c1/e1"; });
  ASSERT_NE(it, clocks.end());
  EXPECT_EQ(it->due, L("2026-07-07", 0));  // 182 days: due Monday 6 July.
}

TEST(ClocksTest, LedgerMakesReconcileIdempotent) {
  Story s;
  s.Contact("e1", L("2026-11-23", 10));
  Instant now = L("2026-11-25", 11);
  auto first = ReconcileChild(Policy(), "c1", s.events_, {}, now, now);
  EXPECT_EQ(first.emit.size(), 2u);  // Raised at 09:00, level 2 at 10:00.
  ASSERT_EQ(first.open.size(), 1u);
  EXPECT_EQ(first.open[0].level(), 2);
  EXPECT_EQ(ToInstant(first.open[0].next_wake()), L("2026-11-25", 12));
  auto again = ReconcileChild(Policy(), "c1", s.events_, first.ledger, now, now);
  EXPECT_TRUE(again.emit.empty());
  EXPECT_EQ(again.open.size(), 1u);
}

// Issue 17 (ADR 0022): a watchdog taking over marks what the alerts topic shows was emitted.
// Marked, the steps are not emitted again; a clock whose raise another instance sent, and that
// has since ended, is resolved rather than left silent.
TEST(ClocksTest, ALedgerMarkedFromTheAlertsTopicEmitsOnlyWhatIsMissing) {
  Story s;
  s.Contact("e1", L("2026-11-23", 10));
  Instant now = L("2026-11-25", 11);
  auto other = ReconcileChild(Policy(), "c1", s.events_, {}, now, now);  // The last holder's.
  ASSERT_EQ(other.emit.size(), 2u);
  watchdog::v1::ChildLedger marked;
  for (const auto& e : other.emit) EXPECT_TRUE(MarkEmitted(marked, e));
  EXPECT_FALSE(MarkEmitted(marked, other.emit[0]));  // Already held.
  av::AlertEvent beat;
  beat.set_step(av::STEP_HEARTBEAT);
  EXPECT_FALSE(MarkEmitted(marked, beat));
  EXPECT_EQ(StreamOfAlert(other.emit[0]), "c1");
  EXPECT_TRUE(ReconcileChild(Policy(), "c1", s.events_, marked, now, now).emit.empty());

  // The decision comes late: unmarked, the clock would stay silent (over when first seen);
  // marked, the raise the other instance sent is resolved.
  s.Decide("e2", L("2026-11-25", 12), v1::CONTACT_DECISION_NO_FURTHER_ACTION);
  Instant later = L("2026-11-25", 13);
  EXPECT_TRUE(ReconcileChild(Policy(), "c1", s.events_, {}, later, later).emit.empty());
  auto after = ReconcileChild(Policy(), "c1", s.events_, marked, later, later);
  ASSERT_EQ(after.emit.size(), 1u);
  EXPECT_EQ(after.emit[0].step(), av::STEP_RESOLVED);
  watchdog::v1::ChildLedger closed = marked;
  EXPECT_TRUE(MarkEmitted(closed, after.emit[0]));
  EXPECT_TRUE(closed.clocks(0).closed());
}

TEST(ClocksTest, InvalidPoliciesNameTheRuleAndField) {
  auto bad = config::ParsePolicy(R"(version: 1
calendar: {bank_holidays: calendar/england-and-wales.txt}
ladders:
  - id: l
    levels: [{role: team_manager}]
rules:
  - id: r1
    title: t
    source: s
    start: {event: contact_recieved}
    stop: [{event: contact_decided, where: {decision: maybe}}]
    limit: 1 fortnight
    ladder: l
  - id: Bad_Id
    title: t
    source: s
    start: {event: contact_received}
    stop: [{event: contact_decided}]
    match: contact
    limit: 1 working_day
    ladder: nope
)",
                                 "policy.yaml", sightline::testing::SourceDir() + "/deploy");
  ASSERT_FALSE(bad.ok());
  const std::string m = bad.status().message();
  EXPECT_NE(m.find("rules[0].start: event: 'contact_recieved' is not an event type"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("'maybe' is not a value of sightline.events.v1.ContactDecision"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("rules[0].limit: must read"), std::string::npos) << m;
  EXPECT_NE(m.find("rules[1].ladder: no ladder named 'nope'"), std::string::npos) << m;
  EXPECT_NE(m.find("rules[0].urgent: required: true (pages around the clock) or false"),
            std::string::npos)
      << m;
  // A clock anchored on an earlier event must name a real type and the ref the two share.
  ClockPolicy p = Policy();
  p.rules[0].from_event = "contact_recieved";
  p.rules[0].match.clear();
  std::string errors;
  for (const FieldError& e : ValidatePolicy(p)) errors += e.field + ": " + e.reason + "\n";
  EXPECT_NE(errors.find("from_event: 'contact_recieved' is not an event type"), std::string::npos)
      << errors;
  EXPECT_NE(errors.find("from_event: needs `match`"), std::string::npos) << errors;
}

TEST(Minimisation, TheWatchdogKeepsNoNamesDatesOfBirthEthnicityOrFreeText) {
  v1::Envelope details;
  details.set_event_id("e1");
  details.set_child_id("c1");
  details.mutable_refs()->set_contact_id("k1");
  auto* d = details.mutable_child_details_recorded();
  d->set_name("Ada Lovelace");
  d->set_date_of_birth("2016-12-10");
  d->set_ethnicity("WBRI");
  d->set_gender(v1::GENDER_FEMALE);
  d->set_unborn(false);
  MinimiseForClocks(details);
  EXPECT_EQ(details.child_details_recorded().ByteSizeLong(), 0u) << details.DebugString();
  EXPECT_EQ(details.refs().contact_id(), "k1");

  v1::Envelope contact;
  contact.mutable_contact_received()->set_summary("Ada said her stepfather hit her");
  contact.mutable_contact_received()->add_concerns(v1::CONCERN_CATEGORY_PHYSICAL_ABUSE);
  contact.mutable_contact_received()->add_related_child_ids("c2");
  MinimiseForClocks(contact);
  EXPECT_TRUE(contact.contact_received().summary().empty());
  EXPECT_EQ(contact.contact_received().concerns_size(), 1);  // What rules match on stays.
  EXPECT_EQ(contact.contact_received().related_child_ids(0), "c2");

  v1::Envelope fix;
  fix.mutable_correction()->set_target_event_id("e1");
  fix.mutable_correction()->set_reason("Ada's name was misspelt");
  *fix.mutable_correction()->mutable_amended() = v1::Envelope();
  fix.mutable_correction()->mutable_amended()->mutable_child_details_recorded()->set_name("Ada L");
  MinimiseForClocks(fix);
  EXPECT_EQ(fix.correction().target_event_id(), "e1");
  EXPECT_TRUE(fix.correction().reason().empty());
  EXPECT_TRUE(fix.correction().amended().child_details_recorded().name().empty());
  // And no rule may depend on what is dropped.
  auto m = MakeMatcher("contact_received", {{"summary", "hit"}});
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("does not keep"), std::string::npos);
  EXPECT_TRUE(MakeMatcher("contact_received", {{"concerns", "physical_abuse"}}).ok());
}

}  // namespace
}  // namespace sightline::domain
