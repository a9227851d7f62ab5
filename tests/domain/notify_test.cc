// What receivers are told about each alert event: routing, the level lifecycle, duplicates,
// labels, and the retry delays.
#include "sightline/domain/notify/notify.h"

#include <gtest/gtest.h>

#include "sightline/domain/events/validation.h"

namespace sightline::domain {
namespace {

namespace av = alerts::v1;
namespace nv = notifier::v1;

const Instant kT0 = std::chrono::sys_days{std::chrono::November / 23 / 2026};

av::AlertEvent Step(const std::string& suffix, av::Step step, int level) {
  av::AlertEvent e;
  e.set_clock_id("contact-decision/c-1/ev-1");
  e.set_alert_id(e.clock_id() + "/L" + std::to_string(level));
  e.set_event_id(step == av::STEP_RESOLVED ? e.clock_id() + "/" + suffix
                                           : e.alert_id() + "/" + suffix);
  e.set_step(step);
  e.set_child_id("c-1");
  e.set_rule_id("contact-decision");
  e.set_rule_title("Contact decision within 1 working day");
  e.set_team_id("mash");
  e.set_level(level);
  e.set_level_role(level == 1 ? "team_manager" : "service_manager");
  *e.mutable_due_at() = ToTimestamp(kT0);
  *e.mutable_at() = ToTimestamp(kT0 + std::chrono::hours(level));
  return e;
}

std::vector<NotifyRoute> Routes() {
  return {{.levels = {1, 2}, .teams = {}, .receivers = {"am"}},
          {.levels = {2, 3, 4}, .teams = {"mash"}, .receivers = {"pager", "am"}},
          {.levels = {}, .teams = {"other"}, .receivers = {"other-webhook"}}};
}

std::vector<std::string> Lines(const std::vector<Notice>& notices) {
  std::vector<std::string> out;
  for (const Notice& n : notices)
    out.push_back(n.receiver + " " + nv::Action_Name(n.action) + " " + n.alert.alert_id());
  return out;
}

TEST(Notify, RoutesAddReceiversOnceEach) {
  EXPECT_EQ(RouteReceivers(Routes(), 1, "mash"), (std::vector<std::string>{"am"}));
  EXPECT_EQ(RouteReceivers(Routes(), 2, "mash"), (std::vector<std::string>{"am", "pager"}));
  EXPECT_EQ(RouteReceivers(Routes(), 3, "north"), (std::vector<std::string>{}));
  EXPECT_EQ(RouteReceivers(Routes(), 4, "other"), (std::vector<std::string>{"other-webhook"}));
}

TEST(Notify, EachLevelIsAnAlertAndLaterStepsReachEveryOpenLevel) {
  nv::ClockNotice clock;
  auto routes = Routes();
  const std::string l1 = "contact-decision/c-1/ev-1/L1", l2 = "contact-decision/c-1/ev-1/L2";
  EXPECT_EQ(Lines(ApplyAlertEvent(clock, Step("raised", av::STEP_RAISED, 1), routes)),
            (std::vector<std::string>{"am ACTION_TRIGGER " + l1}));
  EXPECT_EQ(Lines(ApplyAlertEvent(clock, Step("escalated", av::STEP_ESCALATED, 2), routes)),
            (std::vector<std::string>{"am ACTION_TRIGGER " + l2, "pager ACTION_TRIGGER " + l2}));
  auto ack = Step("ack/0", av::STEP_ACKNOWLEDGED, 2);
  ack.set_acknowledged_by("sm-ola");
  auto acked = ApplyAlertEvent(clock, ack, routes);
  EXPECT_EQ(Lines(acked),
            (std::vector<std::string>{"am ACTION_ACKNOWLEDGE " + l1, "am ACTION_ACKNOWLEDGE " + l2,
                                      "pager ACTION_ACKNOWLEDGE " + l2}));
  EXPECT_EQ(acked[0].alert.acknowledged_by(), "sm-ola");
  EXPECT_EQ(acked[0].alert.state(), nv::ALERT_STATE_ACKNOWLEDGED);
  EXPECT_EQ(Lines(ApplyAlertEvent(clock, Step("ack-expired/0", av::STEP_ACK_EXPIRED, 2), routes)),
            (std::vector<std::string>{"am ACTION_TRIGGER " + l1, "am ACTION_TRIGGER " + l2,
                                      "pager ACTION_TRIGGER " + l2}));
  auto resolved = Step("resolved", av::STEP_RESOLVED, 2);
  resolved.set_reason("contact_decided ev-9 arrived 3 h late");
  auto done = ApplyAlertEvent(clock, resolved, routes);
  EXPECT_EQ(Lines(done),
            (std::vector<std::string>{"am ACTION_RESOLVE " + l1, "am ACTION_RESOLVE " + l2,
                                      "pager ACTION_RESOLVE " + l2}));
  EXPECT_EQ(done[0].alert.reason(), "contact_decided ev-9 arrived 3 h late");
  // Duplicates on the wire (same event id) change nothing, whatever their order.
  EXPECT_TRUE(ApplyAlertEvent(clock, Step("raised", av::STEP_RAISED, 1), routes).empty());
  EXPECT_TRUE(ApplyAlertEvent(clock, ack, routes).empty());
  EXPECT_TRUE(ApplyAlertEvent(clock, resolved, routes).empty());
  for (const auto& a : clock.levels()) EXPECT_EQ(a.state(), nv::ALERT_STATE_RESOLVED);
}

TEST(Notify, LabelsCarryIdentityAndRoutingButNoPersonalDetail) {
  nv::ClockNotice clock;
  auto n = ApplyAlertEvent(clock, Step("escalated", av::STEP_ESCALATED, 3), Routes());
  ASSERT_FALSE(n.empty());
  auto labels = AlertLabels(n[0].alert);
  EXPECT_EQ(labels,
            (std::map<std::string, std::string>{{"alertname", "SightlineClockOverdue"},
                                                {"alert_id", "contact-decision/c-1/ev-1/L3"},
                                                {"severity", "critical"},
                                                {"service", "sightline"},
                                                {"rule", "contact-decision"},
                                                {"level", "3"},
                                                {"level_role", "service_manager"},
                                                {"team", "mash"},
                                                {"child", "c-1"},
                                                {"urgency", "working-hours"}}));
  // Urgent steps out of hours name the rotas paged and who is on call (ADR 0010).
  av::AlertEvent night = Step("raised-night", av::STEP_RAISED, 1);
  night.set_alert_id("contact-decision/c-1/ev-1/L1");
  night.set_urgent(true);
  night.add_paged_roles("emergency_duty_team");
  night.add_paged_roles("on_call_manager");
  for (auto [rota, user] : {std::pair{"on_call_manager", "sm-east"},
                            std::pair{"emergency_duty_team", "edt-senior-1"}}) {
    av::OnCall* who = night.add_on_call();
    who->set_rota(rota);
    who->set_user_id(user);
  }
  nv::ClockNotice other;
  auto paged = AlertLabels(ApplyAlertEvent(other, night, Routes()).at(0).alert);
  EXPECT_EQ(paged["urgency"], "urgent");
  EXPECT_EQ(paged["paged"], "emergency_duty_team,on_call_manager");
  EXPECT_EQ(paged["on_call"], "emergency_duty_team:edt-senior-1,on_call_manager:sm-east");
  EXPECT_EQ(AlertSummary(n[0].alert),
            "Contact decision within 1 working day: child c-1 overdue since 2026-11-23 00:00 "
            "(level 3, service_manager)");
  EXPECT_EQ(ChildLink("http://127.0.0.1:8081/", n[0].alert), "http://127.0.0.1:8081/#child/c-1");
  EXPECT_EQ(Severity(HeartbeatMissingAlert(kT0, kT0, std::chrono::seconds(30))), "critical");
  EXPECT_EQ(AlertLabels(UndeliverableAlert("pager", kT0, kT0, 3))["team"], "sightline-operations");
}

TEST(Notify, RetryDelaysGrowToTheCapWithJitter) {
  using std::chrono::milliseconds;
  EXPECT_EQ(RetryDelay(0, milliseconds(500), milliseconds(60000), 0.5), milliseconds(0));
  EXPECT_EQ(RetryDelay(1, milliseconds(500), milliseconds(60000), 1.0), milliseconds(500));
  EXPECT_EQ(RetryDelay(3, milliseconds(500), milliseconds(60000), 1.0), milliseconds(2000));
  EXPECT_EQ(RetryDelay(30, milliseconds(500), milliseconds(60000), 1.0), milliseconds(60000));
  EXPECT_EQ(RetryDelay(30, milliseconds(500), milliseconds(60000), 0.0), milliseconds(6000));
  EXPECT_EQ(RetryDelay(1000, milliseconds(500), milliseconds(60000), 0.5), milliseconds(33000));
}

}  // namespace
}  // namespace sightline::domain
