// Detectors for the failures domain.md names, each a scenario with hand-written times: events in,
// the alert steps and their local times out, against the default policy.
#include <gtest/gtest.h>

#include "clock_story.h"

namespace sightline::domain {
namespace {

using namespace clock_story;  // NOLINT(google-build-using-namespace)

TEST(Detectors, PlanDriftAfter15MonthsAndTwoReviewsWithoutProgress) {
  Story s;
  s.PlanStart("e1", L("2026-01-05", 10), v1::PLAN_TYPE_CHILD_PROTECTION, "p1");
  // 15 months from Monday 5 January 2026: due by the end of 5 April 2027, overdue from Tuesday
  // 6 April 00:00, paged at 09:00.
  EXPECT_EQ(Lines(RunStory(s, L("2027-04-05", 8), L("2027-04-06", 10)), "cp-plan-drift"),
            Lines_t{"raised L1 @ 2027-04-06 09:00"});
  s.PlanEnd("e2", L("2027-03-31", 10), v1::PLAN_TYPE_CHILD_PROTECTION, "p1");
  EXPECT_TRUE(Lines(RunStory(s, L("2027-04-05", 8), L("2027-04-06", 10)), "cp-plan-drift").empty());
  // Two reviews recording no progress (or worse) within a year: at the second.
  Story r;
  r.PlanStart("e1", L("2026-01-05", 10), v1::PLAN_TYPE_CHILD_IN_NEED, "p1");
  auto review = [&](const std::string& id, Instant at, v1::PlanProgress progress) {
    r.PlanReview(id, at, v1::PLAN_TYPE_CHILD_IN_NEED, "p1");
    r.events_.back().mutable_plan_reviewed()->set_progress(progress);
  };
  review("e2", L("2026-03-02", 10), v1::PLAN_PROGRESS_NONE);
  review("e3", L("2026-06-01", 10), v1::PLAN_PROGRESS_GOOD);
  EXPECT_TRUE(
      Lines(RunStory(r, L("2026-06-01", 8), L("2026-06-02", 0)), "plan-no-progress").empty());
  review("e4", L("2026-09-01", 14), v1::PLAN_PROGRESS_WORSENING);
  EXPECT_EQ(Lines(RunStory(r, L("2026-09-01", 8), L("2026-09-02", 0)), "plan-no-progress"),
            Lines_t{"raised L1 @ 2026-09-01 14:00"});
}

TEST(Detectors, ASecondChildProtectionPlan) {
  Story s;
  s.PlanStart("e1", L("2024-02-05", 10), v1::PLAN_TYPE_CHILD_PROTECTION, "p1");
  s.PlanEnd("e2", L("2025-01-06", 10), v1::PLAN_TYPE_CHILD_PROTECTION, "p1");
  s.PlanStart("e3", L("2026-11-02", 11), v1::PLAN_TYPE_CHILD_PROTECTION, "p2");
  auto out = RunStory(s, L("2026-11-02", 8), L("2026-11-02", 12));
  EXPECT_EQ(Lines(out, "repeat-cp-plan"), Lines_t{"raised L1 @ 2026-11-02 11:00"});
  EXPECT_EQ(out.back().anchor_event_id(), "e3");
}

TEST(Detectors, NeglectPlanWithoutLegalPlanningMeetingAfter9Months) {
  Story s;
  s.PlanStart("e1", L("2026-01-05", 10), v1::PLAN_TYPE_CHILD_PROTECTION, "p1");
  s.events_.back().mutable_plan_started()->set_category(v1::ABUSE_CATEGORY_NEGLECT);
  // 9 months: due by the end of Monday 5 October 2026, paged Tuesday 6 October at 09:00.
  EXPECT_EQ(Lines(RunStory(s, L("2026-10-05", 8), L("2026-10-06", 10)), "neglect-legal-planning"),
            Lines_t{"raised L1 @ 2026-10-06 09:00"});
  // A legal planning meeting for this plan in time: nothing. One for another plan counts not.
  Story met = s;
  met.Work("e2", L("2026-09-01", 10), {{"plan_id", "p1"}, {"legal_case_id", "lc1"}})
      .mutable_legal_stage_reached()
      ->set_stage(v1::LEGAL_STAGE_LEGAL_PLANNING_MEETING);
  EXPECT_TRUE(
      Lines(RunStory(met, L("2026-10-05", 8), L("2026-10-06", 10)), "neglect-legal-planning")
          .empty());
  Story other = s;
  other.Work("e2", L("2026-09-01", 10), {{"plan_id", "p9"}, {"legal_case_id", "lc9"}})
      .mutable_legal_stage_reached()
      ->set_stage(v1::LEGAL_STAGE_LEGAL_PLANNING_MEETING);
  EXPECT_EQ(
      Lines(RunStory(other, L("2026-10-05", 8), L("2026-10-06", 10)), "neglect-legal-planning")
          .size(),
      1u);
  // A physical-abuse plan is not a neglect plan.
  Story physical;
  physical.PlanStart("e1", L("2026-01-05", 10), v1::PLAN_TYPE_CHILD_PROTECTION, "p1");
  physical.events_.back().mutable_plan_started()->set_category(v1::ABUSE_CATEGORY_PHYSICAL);
  EXPECT_TRUE(
      Lines(RunStory(physical, L("2026-10-05", 8), L("2026-10-06", 10)), "neglect-legal-planning")
          .empty());
}

TEST(Detectors, PreProceedingsLongerThan16Weeks) {
  Story s;
  s.Legal("e1", L("2026-03-02", 10), v1::LEGAL_STAGE_PRE_PROCEEDINGS);
  // 16 weeks = 112 days from Monday 2 March: due by the end of Monday 22 June, paged Tuesday.
  EXPECT_EQ(Lines(RunStory(s, L("2026-06-22", 8), L("2026-06-23", 10)), "pre-proceedings"),
            Lines_t{"raised L1 @ 2026-06-23 09:00"});
  s.Legal("e2", L("2026-06-01", 10), v1::LEGAL_STAGE_PROCEEDINGS_ISSUED);
  EXPECT_TRUE(
      Lines(RunStory(s, L("2026-06-22", 8), L("2026-06-23", 10)), "pre-proceedings").empty());
}

TEST(Detectors, ChildInNeedVisitsEvery20WorkingDays) {
  Story s;
  s.PlanStart("e1", L("2026-11-02", 10), v1::PLAN_TYPE_CHILD_IN_NEED, "p3");
  // 20 working days from Monday 2 November: due by the end of Monday 30 November.
  EXPECT_EQ(Lines(RunStory(s, L("2026-11-30", 8), L("2026-12-01", 10)), "cin-visits"),
            Lines_t{"raised L1 @ 2026-12-01 09:00"});
  s.Seen("e2", L("2026-11-27", 10), v1::SEEN_STATUS_SEEN_ALONE, "p3");
  EXPECT_TRUE(Lines(RunStory(s, L("2026-11-30", 8), L("2026-12-01", 10)), "cin-visits").empty());
}

TEST(Detectors, CareLeaverWithoutPersonalAdviserContactFor8Weeks) {
  Story s;
  s.PlanStart("e1", L("2026-09-07", 10), v1::PLAN_TYPE_PATHWAY, "p4");
  auto contact = [&](const std::string& id, Instant at, v1::VisitContext context) {
    s.Seen(id, at, v1::SEEN_STATUS_SEEN_ALONE, "p4");
    s.events_.back().mutable_child_seen()->set_context(context);
  };
  contact("e2", L("2026-10-05", 10), v1::VISIT_CONTEXT_CARE_LEAVER);
  contact("e3", L("2026-11-16", 10), v1::VISIT_CONTEXT_OTHER);  // Not the adviser's contact.
  // 8 weeks = 56 days from Monday 5 October: due by the end of Monday 30 November.
  EXPECT_EQ(Lines(RunStory(s, L("2026-11-30", 8), L("2026-12-01", 10)), "care-leaver-contact"),
            Lines_t{"raised L1 @ 2026-12-01 09:00"});
}

TEST(Detectors, AssessmentCompletedWithoutTheChildSeenAlone) {
  Story s;
  s.Work("e1", L("2026-11-03", 15), {{"assessment_id", "a1"}})
      .mutable_assessment_completed()
      ->set_child_seen(v1::SEEN_STATUS_SEEN_NOT_ALONE);
  s.Ack("e2", L("2026-11-03", 16), "assessment-not-seen-alone/c1/e1/L1", "tm-jo");
  EXPECT_EQ(
      Lines(RunStory(s, L("2026-11-03", 14), L("2026-11-03", 17)), "assessment-not-seen-alone"),
      (Lines_t{"raised L1 @ 2026-11-03 15:00", "acknowledged L1 @ 2026-11-03 16:00",
               "resolved L1 @ 2026-11-03 16:00"}));
  Story alone;
  alone.Work("e1", L("2026-11-03", 15), {{"assessment_id", "a1"}})
      .mutable_assessment_completed()
      ->set_child_seen(v1::SEEN_STATUS_SEEN_ALONE);
  EXPECT_TRUE(
      Lines(RunStory(alone, L("2026-11-03", 14), L("2026-11-04", 0)), "assessment-not-seen-alone")
          .empty());
}

TEST(Detectors, PartnerCheckOutstandingAfter2WorkingDays) {
  Story s;
  s.Work("e1", L("2026-11-02", 11), {{"contact_id", "k1"}, {"check_id", "ch1"}})
      .mutable_partner_check_requested()
      ->set_partner(v1::AGENCY_HEALTH_OTHER);
  s.Work("e2", L("2026-11-05", 11), {{"contact_id", "k1"}, {"check_id", "ch1"}})
      .mutable_partner_check_returned()
      ->set_partner(v1::AGENCY_HEALTH_OTHER);
  // 2 working days from Monday: due by the end of Wednesday, paged Thursday 09:00.
  // The front-door ladder's first wait is 1 working hour: the service manager at 10:00.
  EXPECT_EQ(Lines(RunStory(s, L("2026-11-02", 10), L("2026-11-05", 12)), "partner-checks"),
            (Lines_t{"raised L1 @ 2026-11-05 09:00", "escalated L2 @ 2026-11-05 10:00",
                     "resolved L2 @ 2026-11-05 11:00"}));
}

// The first step of a rule's alerts (a test failure, not a crash, when there is none).
const av::AlertEvent& First(const std::vector<av::AlertEvent>& out, const std::string& rule) {
  static const av::AlertEvent kNone;
  auto it = std::find_if(out.begin(), out.end(),
                         [&](const av::AlertEvent& e) { return e.rule_id() == rule; });
  EXPECT_NE(it, out.end()) << "no step of " << rule;
  return it == out.end() ? kNone : *it;
}

TEST(Detectors, EarlyHelpOfferedAgainAfterTheSameInterventionFailed) {
  Story s;
  auto closed = [&](const std::string& id, Instant at, const std::string& episode,
                    v1::Intervention what, v1::EarlyHelpOutcome outcome) {
    v1::Envelope& e = s.Work(id, at, {{"early_help_id", episode}});
    e.mutable_early_help_closed()->set_intervention(what);
    e.mutable_early_help_closed()->set_outcome(outcome);
  };
  auto offered = [&](const std::string& id, Instant at, const std::string& episode,
                     v1::Intervention what) {
    s.Work(id, at, {{"early_help_id", episode}})
        .mutable_early_help_offered()
        ->set_intervention(what);
  };
  closed("e1", L("2026-06-01", 10), "eh1", v1::INTERVENTION_FAMILY_SUPPORT,
         v1::EARLY_HELP_OUTCOME_NOT_EFFECTIVE);
  closed("e2", L("2026-07-01", 10), "eh2", v1::INTERVENTION_YOUTH_WORK,
         v1::EARLY_HELP_OUTCOME_EFFECTIVE);
  // Another intervention, and one that worked: nothing.
  offered("e3", L("2026-11-02", 10), "eh3", v1::INTERVENTION_PARENTING_PROGRAMME);
  offered("e4", L("2026-11-02", 11), "eh4", v1::INTERVENTION_YOUTH_WORK);
  // The intervention that was not effective, offered again: flagged at the offer, not the start.
  offered("e5", L("2026-11-03", 11), "eh5", v1::INTERVENTION_FAMILY_SUPPORT);
  s.Ack("e6", L("2026-11-03", 15), "early-help-repeated/c1/e5/L1", "tm-jo");
  auto out = RunStory(s, L("2026-11-02", 8), L("2026-11-04", 12));
  EXPECT_EQ(Lines(out, "early-help-repeated"),
            (Lines_t{"raised L1 @ 2026-11-03 11:00", "acknowledged L1 @ 2026-11-03 15:00",
                     "resolved L1 @ 2026-11-03 15:00"}));
  EXPECT_EQ(First(out, "early-help-repeated").anchor_event_id(), "e5");
  // Disengagement counts as failure too; an offer before the failure does not.
  Story d;
  d.Work("e1", L("2026-01-05", 10), {{"early_help_id", "eh1"}})
      .mutable_early_help_offered()
      ->set_intervention(v1::INTERVENTION_FAMILY_SUPPORT);
  v1::Envelope& c = d.Work("e2", L("2026-03-02", 10), {{"early_help_id", "eh1"}});
  c.mutable_early_help_closed()->set_intervention(v1::INTERVENTION_FAMILY_SUPPORT);
  c.mutable_early_help_closed()->set_outcome(v1::EARLY_HELP_OUTCOME_DISENGAGED);
  d.Work("e3", L("2026-11-02", 14), {{"early_help_id", "eh2"}})
      .mutable_early_help_offered()
      ->set_intervention(v1::INTERVENTION_FAMILY_SUPPORT);
  auto d_out = RunStory(d, L("2026-01-05", 8), L("2026-11-02", 15));
  EXPECT_EQ(Lines(d_out, "early-help-repeated"), Lines_t{"raised L1 @ 2026-11-02 14:00"});
}

// Three children of one household, each linked to it; a contact about each.
std::vector<v1::Envelope> Household(const std::vector<std::pair<std::string, Instant>>& contacts) {
  std::vector<v1::Envelope> out;
  int n = 0;
  for (const auto& [child, at] : contacts) {
    Story s(child);
    std::string k = "k" + std::to_string(++n);
    s.Add("link-" + child, L("2025-01-06", 9)).mutable_household_linked()->set_household_id("h1");
    s.Contact("contact-" + k, at, k);
    out.insert(out.end(), s.events_.begin(), s.events_.end());
  }
  return out;
}

TEST(Detectors, ThreeContactsAcrossAHouseholdsChildrenIn12Months) {
  // The first contact exactly 12 months before the third counts ("within" includes both ends).
  auto events = Household(
      {{"c1", L("2025-11-10", 10)}, {"c2", L("2026-05-04", 10)}, {"c3", L("2026-11-10", 10)}});
  Story decision("c3");
  decision.Decide("d3", L("2026-11-10", 15), v1::CONTACT_DECISION_EARLY_HELP);
  decision.events_.back().mutable_refs()->set_contact_id("k3");
  events.push_back(decision.events_.back());
  auto out = RunEvents(events, L("2026-11-10", 8), L("2026-11-10", 16));
  EXPECT_EQ(Lines(out, "household-contacts"),
            (Lines_t{"raised L1 @ 2026-11-10 10:00", "resolved L1 @ 2026-11-10 15:00"}));
  const av::AlertEvent& raised = First(out, "household-contacts");
  // About the household, shown on the child whose contact tipped it.
  EXPECT_EQ(raised.subject(), "household:h1");
  EXPECT_EQ(raised.child_id(), "c3");
  EXPECT_EQ(raised.alert_id(), "household-contacts/@household:h1/contact-k3/L1");
  EXPECT_EQ(raised.team_id(), "mash");
  // One day more than 12 months: two contacts in the window, nothing. No child alone has three.
  auto apart = Household(
      {{"c1", L("2025-11-09", 10)}, {"c2", L("2026-05-04", 10)}, {"c3", L("2026-11-10", 10)}});
  auto quiet = RunEvents(apart, L("2026-11-10", 8), L("2026-11-11", 16));
  EXPECT_TRUE(Lines(quiet, "household-contacts").empty());
  EXPECT_TRUE(Lines(quiet, "repeat-contacts").empty());
  // One contact about all three children (one contact id) is one contact, not three.
  auto one = Household(
      {{"c1", L("2026-11-10", 10)}, {"c2", L("2026-11-10", 10)}, {"c3", L("2026-11-10", 10)}});
  for (v1::Envelope& e : one) {
    if (e.has_contact_received()) e.mutable_refs()->set_contact_id("k-all");
  }
  EXPECT_TRUE(
      Lines(RunEvents(one, L("2026-11-10", 8), L("2026-11-11", 16)), "household-contacts").empty());
}

TEST(Detectors, AHouseholdAlertWaitsForTheLinkAndGoesWithARetraction) {
  // The third child's contact arrives before anyone links the child to the household: the count
  // is made when the link is recorded, and a retracted contact takes the alert back.
  auto events = Household(
      {{"c1", L("2026-03-02", 10)}, {"c2", L("2026-06-01", 10)}, {"c3", L("2026-11-10", 10)}});
  for (v1::Envelope& e : events) {
    if (e.event_id() == "link-c3") {
      *e.mutable_occurred_at() = ToTimestamp(L("2026-11-10", 12));
      *e.mutable_recorded_at() = ToTimestamp(L("2026-11-10", 12));
    }
  }
  auto out = RunEvents(events, L("2026-11-10", 8), L("2026-11-10", 16));
  ASSERT_EQ(Lines(out, "household-contacts"), Lines_t{"raised L1 @ 2026-11-10 10:00"});
  EXPECT_EQ(ToInstant(First(out, "household-contacts").emitted_at()), L("2026-11-10", 12));
  Story wrong("c2");
  wrong.Retract("x1", L("2026-11-10", 14), "contact-k2");
  events.push_back(wrong.events_.back());
  auto undone = RunEvents(events, L("2026-11-10", 8), L("2026-11-10", 16));
  EXPECT_EQ(Lines(undone, "household-contacts"),
            (Lines_t{"raised L1 @ 2026-11-10 10:00", "cancelled L1 @ 2026-11-10 14:00"}));
}

v1::Envelope Audit(const std::string& id, const std::string& child, Instant at,
                   v1::ServiceArea area, const std::string& team) {
  Story s(child);
  v1::Envelope& e = s.Work(id, at, {{"audit_id", "a-" + id}});
  e.mutable_actor()->set_team_id("qa");
  e.mutable_qa_audit_completed()->set_area(area);
  e.mutable_qa_audit_completed()->set_grade(v1::AUDIT_GRADE_GOOD);
  e.mutable_qa_audit_completed()->set_team_id(team);
  return e;
}

TEST(Detectors, ATeamWithNoAuditInACalendarMonth) {
  Story s("c1");
  s.Add("alloc", L("2026-03-10", 10)).mutable_case_allocated()->set_team_id("cin-north");
  std::vector<v1::Envelope> events = s.events_;
  // April has an audit (the team named by the child's allocation); May has none: overdue from
  // Monday 1 June 00:00, paged at 09:00; the audit on Wednesday 3 June resolves it.
  events.push_back(Audit("q1", "c1", L("2026-04-15", 11), v1::SERVICE_AREA_CHILD_IN_NEED, ""));
  events.push_back(
      Audit("q2", "c9", L("2026-06-03", 14), v1::SERVICE_AREA_CHILD_IN_NEED, "cin-north"));
  auto out = RunEvents(events, L("2026-05-29", 8), L("2026-06-04", 12));
  EXPECT_EQ(Lines(out, "qa-team-month"),
            (Lines_t{"raised L1 @ 2026-06-01 09:00", "resolved L1 @ 2026-06-03 14:00"}));
  const av::AlertEvent& team = First(out, "qa-team-month");
  EXPECT_EQ(team.subject(), "team:cin-north");
  EXPECT_EQ(team.child_id(), "");
  EXPECT_EQ(team.team_id(), "cin-north");
  EXPECT_EQ(team.level_role(), "service_manager");
  // Without the April audit, April itself is the gap: overdue from Friday 1 May.
  events.erase(events.begin() + 1);
  auto gap = RunEvents(events, L("2026-04-30", 8), L("2026-05-01", 12));
  EXPECT_EQ(Lines(gap, "qa-team-month"), Lines_t{"raised L1 @ 2026-05-01 09:00"});
}

TEST(Detectors, AServiceAreaWhoseLastAuditIsOlderThan3Months) {
  std::vector<v1::Envelope> events{
      Audit("q1", "c1", L("2026-01-12", 11), v1::SERVICE_AREA_CARE_LEAVERS, "leaving-care")};
  // 3 months from 12 January: due by the end of 12 April, overdue from Monday 13 April 00:00.
  // A service manager acknowledges from the alerts panel: an event about no child.
  Story ack("");
  ack.Ack("ack1", L("2026-04-13", 10), "qa-area-age/@area:care_leavers/q1/L1", "sm-ali");
  ack.events_.back().mutable_actor()->set_role(v1::ROLE_SERVICE_MANAGER);
  events.push_back(ack.events_.back());
  auto out = RunEvents(events, L("2026-04-10", 8), L("2026-04-13", 12));
  EXPECT_EQ(Lines(out, "qa-area-age"),
            (Lines_t{"raised L1 @ 2026-04-13 09:00", "acknowledged L1 @ 2026-04-13 10:00"}));
  EXPECT_EQ(First(out, "qa-area-age").subject(), "area:care_leavers");
  EXPECT_EQ(First(out, "qa-area-age").child_id(), "");
  // Audits of other areas do not count.
  events.push_back(Audit("q2", "c2", L("2026-04-01", 11), v1::SERVICE_AREA_FRONT_DOOR, "mash"));
  EXPECT_EQ(Lines(RunEvents(events, L("2026-04-10", 8), L("2026-04-13", 9)), "qa-area-age"),
            Lines_t{"raised L1 @ 2026-04-13 09:00"});
}

}  // namespace
}  // namespace sightline::domain
