// The notifier without a broker or receivers: its config, the bodies receivers get, and its
// durable state (queues, Alertmanager rows, duplicates, heartbeat) on a real RocksDB.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "config.h"
#include "payloads.h"
#include "process.h"
#include "sightline/domain/events/validation.h"
#include "state.h"

namespace sightline::notifier_service {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
namespace av = alerts::v1;
namespace nv = notifier::v1;

const Instant kNow = std::chrono::sys_days{std::chrono::November / 23 / 2026};

NotifierConfig Parse(const std::string& text, Status* status = nullptr) {
  NotifierConfig c;
  auto yaml = config::YamlReader::FromString(text, "notifier.yaml");
  EXPECT_TRUE(yaml.ok());
  Status s = ReadNotifierConfig(yaml.value(), c);
  if (status) *status = s;
  return c;
}

const char* kConfig = R"(
receivers:
  - {name: am, kind: alertmanager, url: "http://127.0.0.1:1/", resend_interval_seconds: 60,
     fallback: pager}
  - {name: pager, kind: webhook, url: "http://127.0.0.1:2/v2/enqueue", routing_key: rk-1}
routes:
  - {levels: [1, 2, 3, 4], receivers: [am]}
  - {levels: [3, 4], receivers: [pager]}
heartbeat: {receivers: [am, pager]}
)";

TEST(NotifierConfig, TheSampleConfigIsValid) {
  auto yaml = config::YamlReader::FromFile(testing::SourceDir() + "/deploy/notifier.yaml");
  ASSERT_TRUE(yaml.ok()) << yaml.status().message();
  NotifierConfig c;
  Status s = ReadNotifierConfig(yaml.value(), c);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(c.receivers.size(), 2u);
  EXPECT_EQ(c.routes.size(), 2u);
  EXPECT_EQ(c.heartbeat_missing_after, 2);
}

TEST(NotifierConfig, MistakesNameTheKey) {
  Status s;
  Parse(R"(
receivers:
  - {name: am, kind: alertmanger, url: "http://x"}
  - {name: hook, kind: webhook, url: "ftp://x", fallback: hook}
routes:
  - {levels: [1], receivers: [nobody]}
)",
        &s);
  EXPECT_THAT(s.message(), HasSubstr("receivers[0].kind: must be alertmanager or webhook"));
  EXPECT_THAT(s.message(), HasSubstr("receivers[1].routing_key: required for a webhook"));
  EXPECT_THAT(s.message(), HasSubstr("receivers[1].url: required: http:// or https:// URL"));
  EXPECT_THAT(s.message(), HasSubstr("receivers[1].fallback: cannot be the receiver itself"));
  EXPECT_THAT(s.message(), HasSubstr("routes[0].receivers[0]: no receiver named 'nobody'"));
}

nv::LevelAlert Alert(nv::AlertState state) {
  nv::LevelAlert a;
  a.set_alert_id("contact-decision/c-1/ev-1/L3");
  a.set_alertname("SightlineClockOverdue");
  a.set_child_id("c-1");
  a.set_rule_id("contact-decision");
  a.set_team_id("mash");
  a.set_level(3);
  *a.mutable_due_at() = ToTimestamp(kNow - std::chrono::hours(5));
  *a.mutable_started_at() = ToTimestamp(kNow - std::chrono::hours(2));
  a.set_state(state);
  *a.mutable_state_since() = ToTimestamp(kNow - std::chrono::hours(1));
  return a;
}

TEST(NotifierPayloads, AlertmanagerAlertsEndAheadWhileFiringAndWhenAcknowledged) {
  NotifierConfig c = Parse(kConfig);
  nv::AlertmanagerRow firing, acked;
  *firing.mutable_alert() = Alert(nv::ALERT_STATE_FIRING);
  *acked.mutable_alert() = Alert(nv::ALERT_STATE_ACKNOWLEDGED);
  json body = json::parse(AlertmanagerBody({firing, acked}, kNow, c.receivers[0], "http://t/"));
  ASSERT_EQ(body.size(), 2u);
  EXPECT_EQ(body[0]["labels"]["alert_id"], "contact-decision/c-1/ev-1/L3");
  EXPECT_EQ(body[0]["labels"]["team"], "mash");
  EXPECT_EQ(body[0]["labels"]["severity"], "critical");
  EXPECT_EQ(body[0]["startsAt"], "2026-11-22T22:00:00Z");
  EXPECT_EQ(body[0]["endsAt"], "2026-11-23T00:04:00Z");  // Now + 4 resend intervals.
  EXPECT_EQ(body[0]["annotations"]["triage_url"], "http://t/#child/c-1");
  EXPECT_EQ(body[1]["endsAt"], "2026-11-22T23:00:00Z");  // The acknowledgement.
}

TEST(NotifierPayloads, WebhookEventsHaveThePagerDutyShape) {
  NotifierConfig c = Parse(kConfig);
  nv::Delivery d;
  d.set_action(nv::ACTION_ACKNOWLEDGE);
  *d.mutable_alert() = Alert(nv::ALERT_STATE_ACKNOWLEDGED);
  json body = json::parse(WebhookBody(d, c.receivers[1], "http://t"));
  EXPECT_EQ(body["routing_key"], "rk-1");
  EXPECT_EQ(body["event_action"], "acknowledge");
  EXPECT_EQ(body["dedup_key"], "contact-decision/c-1/ev-1/L3");
  EXPECT_EQ(body["payload"]["source"], "sightline");
  EXPECT_EQ(body["payload"]["severity"], "critical");
  EXPECT_EQ(body["payload"]["group"], "mash");
  EXPECT_EQ(body["links"][0]["href"], "http://t/#child/c-1");
  EXPECT_EQ(SplitUrl("http://h:1/v2/enqueue"),
            (std::pair<std::string, std::string>{"http://h:1", "/v2/enqueue"}));
  EXPECT_EQ(SplitUrl("http://h:1"), (std::pair<std::string, std::string>{"http://h:1", "/"}));
}

kafka::Record Rec(std::int64_t offset, const av::AlertEvent& e) {
  return {.partition = 0,
          .offset = offset,
          .key = e.child_id(),
          .value = e.SerializeAsString(),
          .headers = {}};
}

av::AlertEvent Event(const std::string& suffix, av::Step step, int level) {
  av::AlertEvent e;
  e.set_clock_id("contact-decision/c-1/ev-1");
  e.set_alert_id(e.clock_id() + "/L" + std::to_string(level));
  e.set_event_id(e.alert_id() + "/" + suffix);
  e.set_step(step);
  e.set_child_id("c-1");
  e.set_rule_id("contact-decision");
  e.set_team_id("mash");
  e.set_level(level);
  *e.mutable_at() = ToTimestamp(kNow);
  return e;
}

TEST(NotifierState, QueuesSurviveReopeningAndDuplicatesAreDropped) {
  NotifierConfig c = Parse(kConfig);
  c.data_dir = testing::TempDir("notifier-state") + "/data";
  {
    auto state = NotifierState::Open(c);
    ASSERT_TRUE(state.ok()) << state.status().message();
    std::vector<kafka::Record> records = {
        Rec(0, Event("raised", av::STEP_RAISED, 1)),
        Rec(1, Event("escalated", av::STEP_ESCALATED, 3)),
        Rec(2, Event("escalated", av::STEP_ESCALATED, 3)),  // A duplicate on the wire.
        {.partition = 0, .offset = 3, .key = "c-1", .value = "junk", .headers = {}}};
    auto change = state.value()->ApplyBatch(records, kNow);
    ASSERT_TRUE(change.ok());
    EXPECT_EQ(change.value().applied, 2u);
    EXPECT_EQ(change.value().duplicates, 1u);
    ASSERT_EQ(change.value().dead.size(), 1u);
    EXPECT_EQ(change.value().dead[0].reason, "undecodable");
    ASSERT_TRUE(state.value()->Commit(change.value()).ok());
  }
  auto state = NotifierState::Open(c);  // After a restart.
  ASSERT_TRUE(state.ok());
  auto queue = state.value()->Queue("pager", 10);
  ASSERT_TRUE(queue.ok());
  ASSERT_EQ(queue.value().size(), 1u);  // Only level 3 is routed to the pager.
  EXPECT_EQ(queue.value()[0].second.alert().alert_id(), "contact-decision/c-1/ev-1/L3");
  EXPECT_EQ(state.value()->QueuedRows("pager"), 1u);
  auto am = state.value()->AlertmanagerRows("am", true);
  ASSERT_TRUE(am.ok());
  EXPECT_EQ(am.value().size(), 2u);  // Both levels, pending.

  // Alertmanager took them: not pending any more; resolving makes them pending again, and once
  // delivered the resolved rows are gone.
  ASSERT_TRUE(state.value()->AlertmanagerDelivered("am", am.value(), kNow).ok());
  EXPECT_TRUE(state.value()->AlertmanagerRows("am", true).value().empty());
  EXPECT_EQ(state.value()->AlertmanagerRows("am", false).value().size(), 2u);
  auto resolved = Event("resolved", av::STEP_RESOLVED, 3);
  resolved.set_event_id("contact-decision/c-1/ev-1/resolved");
  auto change = state.value()->ApplyBatch(std::vector{Rec(4, resolved)}, kNow);
  ASSERT_TRUE(change.ok());
  ASSERT_TRUE(state.value()->Commit(change.value()).ok());
  auto pending = state.value()->AlertmanagerRows("am", true).value();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].alert().state(), nv::ALERT_STATE_RESOLVED);
  ASSERT_TRUE(state.value()->AlertmanagerDelivered("am", pending, kNow).ok());
  EXPECT_TRUE(state.value()->AlertmanagerRows("am", false).value().empty());
  // The pager queue holds trigger then resolve, in order.
  queue = state.value()->Queue("pager", 10);
  ASSERT_EQ(queue.value().size(), 2u);
  EXPECT_EQ(queue.value()[1].second.action(), nv::ACTION_RESOLVE);
  ASSERT_TRUE(state.value()->Delivered("pager", queue.value()[0].first).ok());
  EXPECT_EQ(state.value()->QueuedRows("pager"), 1u);
}

// Issue 17 (ADR 0022): the holder's delivered watermark is the lowest source offset of a webhook
// row still queued; a standby drops the rows below the watermark it reads, and keeps the rest.
TEST(NotifierState, WebhookRowsKnowTheirSourceSoAStandbyDropsWhatWasDelivered) {
  NotifierConfig c = Parse(kConfig);
  c.data_dir = testing::TempDir("notifier-watermark") + "/data";
  auto state = NotifierState::Open(c);
  ASSERT_TRUE(state.ok()) << state.status().message();
  auto level3 = [](const std::string& clock, const std::string& suffix, av::Step step) {
    av::AlertEvent e = Event(suffix, step, 3);
    e.set_clock_id(clock);
    e.set_alert_id(clock + "/L3");
    e.set_event_id(e.alert_id() + "/" + suffix);
    return e;
  };
  std::vector<kafka::Record> records = {
      Rec(10, level3("contact-decision/c-1/ev-1", "escalated", av::STEP_ESCALATED)),
      Rec(11, level3("contact-decision/c-1/ev-2", "escalated", av::STEP_ESCALATED)),
      Rec(12, level3("contact-decision/c-1/ev-3", "escalated", av::STEP_ESCALATED))};
  auto change = state.value()->ApplyBatch(records, kNow);
  ASSERT_TRUE(change.ok());
  ASSERT_TRUE(state.value()->Commit(change.value()).ok());
  auto lowest = state.value()->Undelivered();
  ASSERT_TRUE(lowest.ok());
  EXPECT_EQ(lowest.value(), (std::map<std::int32_t, std::int64_t>{{0, 10}}));
  // The holder delivered the first two (its watermark says 12): a standby drops those two.
  auto dropped = state.value()->DropDelivered({{0, 12}});
  ASSERT_TRUE(dropped.ok());
  EXPECT_EQ(dropped.value(), 2u);
  EXPECT_EQ(state.value()->QueuedRows("pager"), 1u);
  auto queue = state.value()->Queue("pager", 10);
  ASSERT_EQ(queue.value().size(), 1u);
  EXPECT_EQ(queue.value()[0].second.source_offset(), 12);
  EXPECT_EQ(state.value()->Undelivered().value(), (std::map<std::int32_t, std::int64_t>{{0, 12}}));
  // Another partition's watermark leaves this one's rows alone.
  EXPECT_EQ(state.value()->DropDelivered({{1, 100}}).value(), 0u);
  EXPECT_EQ(state.value()->QueuedRows("pager"), 1u);
}

TEST(NotifierState, AlertmanagerReceiversAreScannedOnlyWhenSomethingChanged) {
  NotifierConfig c = Parse(kConfig);
  c.data_dir = testing::TempDir("notifier-pending") + "/data";
  auto state = NotifierState::Open(c);
  ASSERT_TRUE(state.ok());
  EXPECT_TRUE(state.value()->AlertmanagerPending("am"));  // Unknown at start: look once.
  state.value()->AlertmanagerSettled("am");
  EXPECT_FALSE(state.value()->AlertmanagerPending("am"));
  auto change =
      state.value()->ApplyBatch(std::vector{Rec(0, Event("raised", av::STEP_RAISED, 1))}, kNow);
  ASSERT_TRUE(change.ok());
  EXPECT_FALSE(state.value()->AlertmanagerPending("am"));  // Not before the commit.
  ASSERT_TRUE(state.value()->Commit(change.value()).ok());
  EXPECT_TRUE(state.value()->AlertmanagerPending("am"));
  auto backlog = state.value()->BacklogOf(c.receivers[0]);
  ASSERT_TRUE(backlog.ok());
  EXPECT_EQ(backlog.value().rows, 1u);
}

TEST(NotifierState, TheNewestHeartbeatRenewsTheAlwaysFiringAlert) {
  NotifierConfig c = Parse(kConfig);
  c.data_dir = testing::TempDir("notifier-beat") + "/data";
  auto state = NotifierState::Open(c);
  ASSERT_TRUE(state.ok());
  auto beat = [](const std::string& id, Instant at) {
    av::AlertEvent e;
    e.set_event_id("heartbeat/" + id);
    e.set_step(av::STEP_HEARTBEAT);
    *e.mutable_at() = ToTimestamp(at);
    e.set_heartbeat_interval_seconds(30);
    return e;
  };
  auto change = state.value()->ApplyBatch(
      std::vector{Rec(0, beat("b2", kNow)), Rec(1, beat("b1", kNow - std::chrono::seconds(30)))},
      kNow);
  ASSERT_TRUE(change.ok());
  ASSERT_TRUE(state.value()->Commit(change.value()).ok());
  EXPECT_EQ(state.value()->LastHeartbeat().value()->event_id(), "heartbeat/b2");
  auto am = state.value()->AlertmanagerRows("am", true).value();
  ASSERT_EQ(am.size(), 1u);
  EXPECT_EQ(am[0].alert().alertname(), "SightlineHeartbeat");
  EXPECT_EQ(ToInstant(am[0].alert().ends_at()), kNow + std::chrono::seconds(60));
  EXPECT_EQ(state.value()->QueuedRows("pager"), 0u);  // A beat never pages.
}

}  // namespace
}  // namespace sightline::notifier_service
