// The notifier against a real broker, a real Prometheus Alertmanager and a PagerDuty-shaped
// webhook endpoint:
//   - alerts raised by a real watchdog appear in Alertmanager's API with their labels, grouped
//     per team, and leave it when the child's clock stops or the alert is acknowledged; the
//     webhook gets trigger / acknowledge / resolve with stable dedup keys;
//   - fault: the webhook is down while alerts are raised and the notifier is SIGKILLed twice;
//     once it is back every alert arrives, and the outage itself was reported to Alertmanager;
//   - heartbeat: gateway -> Kafka -> watchdog -> notifier -> Alertmanager; stopping the watchdog
//     fires SightlineHeartbeatMissing within two intervals of the last beat.
#include <gtest/gtest.h>

#include <google/protobuf/util/time_util.h>

#include <map>
#include <set>
#include <thread>

#include "broker.h"
#include "gateway_harness.h"
#include "notifier_harness.h"
#include "sightline/domain/calendar/calendar.h"
#include "watchdog_harness.h"

namespace sightline::testing {
namespace {

namespace v1 = events::v1;
namespace av = alerts::v1;
using nlohmann::json;
using sightline::Instant;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

Instant Now() { return std::chrono::floor<seconds>(std::chrono::system_clock::now()); }

v1::Envelope Event(const std::string& child, const std::string& id, const std::string& team,
                   Instant at) {
  v1::Envelope e;
  e.set_event_id(id);
  e.set_child_id(child);
  *e.mutable_occurred_at() = ToTimestamp(at);
  *e.mutable_recorded_at() = ToTimestamp(at);
  e.mutable_actor()->set_user_id(team + "-worker");
  e.mutable_actor()->set_role(v1::ROLE_MASH_PRACTITIONER);
  e.mutable_actor()->set_team_id(team);
  e.set_source_agency(v1::AGENCY_CHILDRENS_SOCIAL_CARE);
  e.mutable_refs()->set_contact_id("k-" + child);
  return e;
}

// A red contact six hours ago: due two hours ago (4 h around the clock), the team manager (L1)
// told then, the service manager (L2) an hour ago.
std::vector<v1::Envelope> RedContact(const std::string& child, const std::string& team,
                                     Instant now) {
  v1::Envelope contact = Event(child, child + "-c", team, now - hours(6));
  auto* c = contact.mutable_contact_received();
  c->set_source(v1::AGENCY_POLICE);
  c->add_concerns(v1::CONCERN_CATEGORY_PHYSICAL_ABUSE);
  v1::Envelope red = Event(child, child + "-r", team, now - hours(6) + minutes(1));
  red.mutable_rag_rated()->set_rating(v1::RAG_RATING_RED);
  return {contact, red};
}

std::string Topic(const std::string& name) { return "it." + name + "." + std::to_string(getpid()); }

// Red-clock alerts in Alertmanager (other rules may be running for the same contacts).
std::map<std::string, json> RedAlerts(Alertmanager& am) {
  std::map<std::string, json> out;
  for (auto& [id, a] : am.Active())
    if (a["labels"].value("rule", "") == "contact-decision-red") out[id] = a;
  return out;
}

std::set<std::string> Actions(WebhookReceiver& hook, const std::string& action) {
  std::set<std::string> out;
  for (const json& e : hook.Events())
    if (e.value("event_action", "") == action) out.insert(e.value("dedup_key", ""));
  return out;
}

TEST(NotifierIntegration, WatchdogAlertsReachAlertmanagerGroupedPerTeamAndTheWebhook) {
  std::string brokers = SharedBrokers();
  ASSERT_FALSE(brokers.empty()) << "run through `make test`, which starts a broker";
  std::string topic = Topic("nt-flow"), alerts = topic + ".alerts";
  ASSERT_TRUE(
      WatchdogHarness::CreateTopics(brokers, {topic, alerts, topic + ".dlq", alerts + ".dlq"}));
  Alertmanager am("nt-flow-am");
  ASSERT_TRUE(am.Start());
  WebhookReceiver hook;
  ASSERT_TRUE(hook.Up());
  NotifierHarness notifier(brokers, "nt-flow", alerts,
                           "receivers:\n"
                           "  - {name: am, kind: alertmanager, url: \"" +
                               am.url() +
                               "\", resend_interval_seconds: 2}\n"
                               "  - {name: hook, kind: webhook, url: \"" +
                               hook.url() +
                               "\", routing_key: rk-test}\n"
                               "routes:\n"
                               "  - {levels: [1, 2, 3, 4], receivers: [am]}\n"
                               "  - {levels: [2, 3, 4], receivers: [hook]}\n");
  ASSERT_TRUE(notifier.Start());

  Instant now = Now();
  auto producer = kafka::Producer::Create({.brokers = brokers, .properties = {}});
  ASSERT_TRUE(producer.ok());
  std::vector<v1::Envelope> events = RedContact("nt-a", "team-north", now);
  for (auto& e : RedContact("nt-b", "team-south", now)) events.push_back(e);
  ASSERT_TRUE(Produce(*producer.value(), topic, events));
  WatchdogHarness watchdog(brokers, "nt-flow-wd", topic, alerts);
  watchdog.SetClock(now);
  ASSERT_TRUE(watchdog.Start());
  ASSERT_TRUE(watchdog.WaitTicked(now, seconds(60)));

  const std::string a1 = "contact-decision-red/nt-a/nt-a-r/L1",
                    a2 = "contact-decision-red/nt-a/nt-a-r/L2",
                    b1 = "contact-decision-red/nt-b/nt-b-r/L1",
                    b2 = "contact-decision-red/nt-b/nt-b-r/L2";
  std::map<std::string, json> active;
  ASSERT_TRUE(WaitFor([&] { return (active = RedAlerts(am)).size() == 4; }, seconds(60)))
      << active.size() << " red alerts in Alertmanager; see " << notifier.dir();
  const json& l2 = active.at(a2);
  // Red is urgent: in hours level 2 pages the service manager, out of hours the on-call manager
  // named by the rota (ADR 0010); which one depends on when the test runs.
  json labels = l2["labels"];
  EXPECT_EQ(labels["urgency"], "urgent");
  if (labels["paged"] == "on_call_manager") {
    EXPECT_TRUE(labels["on_call"].get<std::string>().starts_with("on_call_manager:sm-"));
    labels.erase("on_call");
  } else {
    EXPECT_EQ(labels["paged"], "service_manager");
  }
  labels.erase("paged");
  labels.erase("urgency");
  EXPECT_EQ(labels, json({{"alertname", "SightlineClockOverdue"},
                          {"alert_id", a2},
                          {"severity", "error"},
                          {"service", "sightline"},
                          {"rule", "contact-decision-red"},
                          {"level", "2"},
                          {"level_role", "service_manager"},
                          {"team", "team-north"},
                          {"child", "nt-a"}}));
  EXPECT_EQ(l2["annotations"]["triage_url"], "http://127.0.0.1:8081/#child/nt-a");
  EXPECT_NE(l2["annotations"]["summary"].get<std::string>().find("child nt-a overdue since"),
            std::string::npos);
  EXPECT_EQ(active.at(a1)["labels"]["severity"], "warning");
  // Active alerts are re-sent (resend_interval_seconds: 2) with their end pushed ahead, so they
  // do not flap; their start stays the escalation time.
  std::string first_end = l2["endsAt"], first_update = l2["updatedAt"];
  ASSERT_TRUE(WaitFor(
      [&] {
        auto again = RedAlerts(am);
        return again.count(a2) && again.at(a2)["updatedAt"] != first_update &&
               again.at(a2)["endsAt"] > first_end;
      },
      seconds(30)))
      << "never re-sent";
  EXPECT_EQ(RedAlerts(am).at(a2)["startsAt"], l2["startsAt"]);
  // Grouped per team by Alertmanager's route (group_by: [team]).
  std::map<std::string, std::set<std::string>> groups;
  for (const json& g : am.Get("/api/v2/alerts/groups"))
    for (const json& a : g["alerts"])
      if (a["labels"].value("rule", "") == "contact-decision-red")
        groups[g["labels"].value("team", "")].insert(a["labels"]["alert_id"]);
  EXPECT_EQ(groups, (std::map<std::string, std::set<std::string>>{{"team-north", {a1, a2}},
                                                                  {"team-south", {b1, b2}}}));
  // The webhook was told of the level-2 alerts only (its route), PagerDuty-shaped.
  ASSERT_TRUE(WaitFor([&] { return Actions(hook, "trigger").size() >= 2; }, seconds(30)));
  for (const json& e : hook.Events()) {
    if (e["dedup_key"] != a2) continue;
    EXPECT_EQ(e["routing_key"], "rk-test");
    EXPECT_EQ(e["payload"]["source"], "sightline");
    EXPECT_EQ(e["payload"]["severity"], "error");
    EXPECT_EQ(e["payload"]["group"], "team-north");
    EXPECT_EQ(e["payload"]["custom_details"]["child"], "nt-a");
    EXPECT_EQ(e["links"][0]["href"], "http://127.0.0.1:8081/#child/nt-a");
  }

  // A is decided (the clock stops); B's service manager acknowledges.
  Instant later = Now();
  v1::Envelope decided = Event("nt-a", "nt-a-d", "team-north", later - seconds(1));
  decided.mutable_actor()->set_role(v1::ROLE_TEAM_MANAGER);
  decided.mutable_contact_decided()->set_decision(v1::CONTACT_DECISION_EARLY_HELP);
  decided.mutable_contact_decided()->set_rationale("Needs met by early help.");
  v1::Envelope ack = Event("nt-b", "nt-b-ack", "team-south", later - seconds(1));
  ack.mutable_actor()->set_user_id("sm-south");
  ack.mutable_actor()->set_role(v1::ROLE_SERVICE_MANAGER);
  ack.mutable_alert_acknowledged()->set_alert_id(b2);
  ack.mutable_alert_acknowledged()->set_note("Calling the family now.");
  ASSERT_TRUE(Produce(*producer.value(), topic, {decided, ack}));
  watchdog.SetClock(later);
  ASSERT_TRUE(watchdog.WaitTicked(later, seconds(60)));
  ASSERT_TRUE(WaitFor([&] { return RedAlerts(am).empty(); }, seconds(60)))
      << RedAlerts(am).size() << " red alerts still active";
  ASSERT_TRUE(WaitFor([&] { return Actions(hook, "resolve").count(a2) == 1; }, seconds(30)));
  ASSERT_TRUE(WaitFor([&] { return Actions(hook, "acknowledge").count(b2) == 1; }, seconds(30)));
  EXPECT_EQ(Actions(hook, "trigger"), (std::set<std::string>{a2, b2}));  // Stable keys.
  std::string metrics = notifier.Metrics();
  EXPECT_NE(metrics.find("sightline_notifier_deliveries_total{outcome=\"delivered\",receiver="
                         "\"hook\"} 4"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("sightline_notifier_delivery_latency_seconds_count{receiver=\"am\"} 4"),
            std::string::npos);
  EXPECT_EQ(watchdog.Stop(), 0);
  EXPECT_EQ(notifier.Stop(), 0);
}

av::AlertEvent Raised(const std::string& child, int n) {
  av::AlertEvent e;
  e.set_clock_id("access-refused/" + child + "/ev-" + std::to_string(n));
  e.set_alert_id(e.clock_id() + "/L1");
  e.set_event_id(e.alert_id() + "/raised");
  e.set_step(av::STEP_RAISED);
  e.set_child_id(child);
  e.set_rule_id("access-refused");
  e.set_team_id("team-east");
  e.set_level(1);
  e.set_level_role("team_manager");
  *e.mutable_due_at() = ToTimestamp(Now() - minutes(5));
  *e.mutable_at() = e.due_at();
  *e.mutable_emitted_at() = ToTimestamp(Now());
  return e;
}

av::AlertEvent Resolved(const av::AlertEvent& raised) {
  av::AlertEvent e = raised;
  e.set_event_id(raised.clock_id() + "/resolved");
  e.set_step(av::STEP_RESOLVED);
  e.set_reason("seen alone");
  *e.mutable_at() = ToTimestamp(Now());
  return e;
}

::testing::AssertionResult ProduceAlerts(kafka::Producer& producer, const std::string& topic,
                                         const std::vector<av::AlertEvent>& events) {
  std::vector<kafka::OutboundMessage> messages;
  for (const auto& e : events) messages.push_back({topic, e.child_id(), e.SerializeAsString(), {}});
  for (const kafka::Delivery& d : producer.SendAndWait(messages))
    if (!d.status.ok()) return ::testing::AssertionFailure() << d.status.message();
  return ::testing::AssertionSuccess();
}

TEST(NotifierIntegration, ReceiverDownAndNotifierKilledLosesNothing) {
  std::string brokers = SharedBrokers();
  ASSERT_FALSE(brokers.empty()) << "run through `make test`, which starts a broker";
  std::string alerts = Topic("nt-fault") + ".alerts";
  ASSERT_TRUE(WatchdogHarness::CreateTopics(brokers, {alerts, alerts + ".dlq"}));
  Alertmanager am("nt-fault-am");
  ASSERT_TRUE(am.Start());
  WebhookReceiver hook;  // Down: nobody listens on its port yet.
  NotifierHarness notifier(brokers, "nt-fault", alerts,
                           "receivers:\n"
                           "  - {name: hook, kind: webhook, url: \"" +
                               hook.url() +
                               "\", routing_key: rk-fault, fallback: am}\n"
                               "  - {name: am, kind: alertmanager, url: \"" +
                               am.url() +
                               "\", resend_interval_seconds: 2}\n"
                               "routes:\n  - {receivers: [hook]}\n",
                           /*queue_max=*/12, /*batch_max_events=*/4);
  ASSERT_TRUE(notifier.Start());
  auto producer = kafka::Producer::Create({.brokers = brokers, .properties = {}});
  ASSERT_TRUE(producer.ok());

  std::set<std::string> triggered, resolved;
  auto applied = [&] {
    auto s = notifier.Status();
    std::int64_t sum = 0;
    if (s.is_object())
      for (const auto& p : s["partitions"]) sum += p["applied_next"].get<std::int64_t>();
    return sum;
  };
  // Consumed up to `n`, or paused because the receiver's queue is full (the rest waits in Kafka).
  auto consumed = [&](std::int64_t n) {
    return WaitFor(
        [&] {
          auto s = notifier.Status();
          return s.is_object() && (applied() >= n || s["consuming_paused"].get<bool>());
        },
        seconds(60));
  };
  std::int64_t produced = 0;
  for (int round = 0; round < 3; ++round) {
    std::vector<av::AlertEvent> batch;
    for (int i = 0; i < 8; ++i) {
      av::AlertEvent r = Raised("nt-f" + std::to_string(i % 5), round * 10 + i);
      triggered.insert(r.alert_id());
      batch.push_back(r);
      if (i % 3 == 0) {
        batch.push_back(Resolved(r));
        resolved.insert(r.alert_id());
      }
    }
    ASSERT_TRUE(ProduceAlerts(*producer.value(), alerts, batch));
    produced += static_cast<std::int64_t>(batch.size());
    ASSERT_TRUE(consumed(produced)) << "round " << round << "; see " << notifier.dir();
    if (round < 2) {  // SIGKILL while the receiver is down, and start again.
      notifier.Kill();
      ASSERT_TRUE(notifier.Start());
    }
  }
  // The outage is itself an alert, on the fallback receiver; and the circuit shows open.
  ASSERT_TRUE(
      WaitFor([&] { return am.Active().count("sightline/undeliverable/hook") == 1; }, seconds(60)));
  json status = notifier.Status();
  EXPECT_EQ(status["receivers"][0]["circuit"], "open") << status.dump();
  // What failed, and where: the operator reads the endpoint and the kind of failure.
  const std::string last_error = status["receivers"][0]["last_error"].get<std::string>();
  EXPECT_NE(last_error.find("POST http://127.0.0.1:"), std::string::npos) << last_error;
  EXPECT_NE(last_error.find("cannot connect"), std::string::npos) << last_error;
  // The queue is bounded (12 rows, plus at most one batch of 4): consuming paused instead, and
  // what was not consumed waits in Kafka.
  EXPECT_TRUE(status["consuming_paused"].get<bool>()) << status.dump();
  EXPECT_GE(status["receivers"][0]["waiting"].get<int>(), 12) << status.dump();
  EXPECT_LE(status["receivers"][0]["waiting"].get<int>(), 12 + 4) << status.dump();
  EXPECT_LT(applied(), produced);
  EXPECT_TRUE(hook.Events().empty());

  ASSERT_TRUE(hook.Up());  // The receiver returns: everything arrives, in order per key.
  ASSERT_TRUE(WaitFor(
      [&] { return Actions(hook, "trigger") == triggered && Actions(hook, "resolve") == resolved; },
      seconds(60)))
      << Actions(hook, "trigger").size() << " of " << triggered.size() << " triggers, "
      << Actions(hook, "resolve").size() << " of " << resolved.size() << " resolves";
  std::map<std::string, std::size_t> first_trigger, first_resolve;
  auto events = hook.Events();
  for (std::size_t i = 0; i < events.size(); ++i) {
    auto& first = events[i]["event_action"] == "trigger" ? first_trigger : first_resolve;
    first.emplace(events[i]["dedup_key"], i);
  }
  for (const auto& [key, at] : first_resolve) EXPECT_LT(first_trigger.at(key), at) << key;
  ASSERT_TRUE(
      WaitFor([&] { return am.Active().count("sightline/undeliverable/hook") == 0; }, seconds(60)))
      << "the undeliverable alert did not resolve";
  EXPECT_EQ(notifier.Stop(), 0);
}

// Issue 17: two notifiers share a lease (ADR 0022). The holder delivers; the standby follows the
// holder's delivered watermark. The holder is SIGKILLed with a burst of alerts queued for a
// webhook that is failing: every alert still reaches the webhook and Alertmanager, what the holder
// had delivered before is not delivered again, and no incident is opened again after its
// resolution (a trigger after a resolve would page someone twice).
TEST(NotifierIntegration, TheStandbyTakesOverDeliveriesWhenTheHolderIsKilled) {
  std::string brokers = SharedBrokers();
  ASSERT_FALSE(brokers.empty()) << "run through `make test`, which starts a broker";
  std::string alerts = Topic("nt-failover") + ".alerts", lease = alerts + ".lease";
  ASSERT_TRUE(WatchdogHarness::CreateTopics(brokers, {alerts, alerts + ".dlq"}));
  ASSERT_TRUE(WatchdogHarness::CreateTopics(brokers, {lease}, 1));
  Alertmanager am("nt-failover-am");
  ASSERT_TRUE(am.Start());
  WebhookReceiver hook;
  ASSERT_TRUE(hook.Up());
  const std::string receivers = "receivers:\n  - {name: hook, kind: webhook, url: \"" + hook.url() +
                                "\", routing_key: rk-fo}\n  - {name: am, kind: alertmanager, "
                                "url: \"" +
                                am.url() +
                                "\", resend_interval_seconds: 2}\n"
                                "routes:\n  - {receivers: [hook, am]}\n";
  NotifierHarness a(brokers, "nt-failover-a", alerts, receivers, 100000, 500, "", lease);
  NotifierHarness b(brokers, "nt-failover-b", alerts, receivers, 100000, 500, "", lease);
  NotifierHarness* both[2] = {&a, &b};
  for (NotifierHarness* n : both) ASSERT_TRUE(n->Start());
  auto lease_of = [](NotifierHarness& n) {
    json s = n.Status();
    return s.is_object() ? s.value("lease", "") : std::string("down");
  };
  int holder = -1;
  ASSERT_TRUE(WaitFor(
      [&] {
        std::string la = lease_of(a), lb = lease_of(b);
        holder = la == "held" && lb == "standby" ? 0 : lb == "held" && la == "standby" ? 1 : -1;
        return holder >= 0;
      },
      seconds(60)));
  auto producer = kafka::Producer::Create({.brokers = brokers, .properties = {}});
  ASSERT_TRUE(producer.ok());

  std::set<std::string> triggered, resolved;
  auto burst = [&](int round) {
    std::vector<av::AlertEvent> batch;
    for (int i = 0; i < 40; ++i) {
      av::AlertEvent r = Raised("nt-fo" + std::to_string(i % 7), round * 100 + i);
      triggered.insert(r.alert_id());
      batch.push_back(r);
      if (i % 4 == 0) {
        batch.push_back(Resolved(r));
        resolved.insert(r.alert_id());
      }
    }
    return ProduceAlerts(*producer.value(), alerts, batch);
  };
  auto all_delivered = [&] {
    if (Actions(hook, "trigger") != triggered || Actions(hook, "resolve") != resolved) return false;
    auto active = am.Active();
    for (const std::string& id : triggered)
      if (active.count(id) != (resolved.count(id) ? 0u : 1u)) return false;
    return true;
  };
  // The holder delivers; the standby's queue follows the holder's watermark down to nothing.
  ASSERT_TRUE(burst(0));
  ASSERT_TRUE(WaitFor(all_delivered, seconds(60)));
  NotifierHarness& standby = *both[1 - holder];
  ASSERT_TRUE(
      WaitFor([&] { return standby.Status()["receivers"][0]["waiting"] == 0; }, seconds(30)))
      << standby.Status().dump();

  // A burst while the webhook fails: the holder posts it to Alertmanager, queues it for the
  // webhook, and dies before the webhook is back.
  hook.SetFailing(true);
  ASSERT_TRUE(burst(1));
  ASSERT_TRUE(
      WaitFor([&] { return both[holder]->Status()["receivers"][0]["waiting"].get<int>() > 0; },
              seconds(30)));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto killed = std::chrono::steady_clock::now();
  both[holder]->Kill();
  hook.SetFailing(false);
  ASSERT_TRUE(WaitFor(all_delivered, seconds(120)))
      << Actions(hook, "trigger").size() << " of " << triggered.size() << " triggers, "
      << Actions(hook, "resolve").size() << " of " << resolved.size() << " resolves; see "
      << standby.dir();
  const double takeover =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  EXPECT_EQ(lease_of(standby), "held");

  // Delivered at least once; never a trigger after the key's resolve (an incident reopened).
  std::map<std::pair<std::string, std::string>, int> deliveries;
  std::set<std::string> resolved_seen;
  int reopened = 0, repeats = 0;
  for (const json& e : hook.Events()) {
    const std::string key = e.value("dedup_key", ""), action = e.value("event_action", "");
    if (++deliveries[{key, action}] > 1) ++repeats;
    if (action == "resolve") resolved_seen.insert(key);
    if (action == "trigger" && resolved_seen.count(key)) ++reopened;
  }
  std::cout << "[ failover ] notifier holder SIGKILLed mid-burst: " << triggered.size()
            << " alerts (" << resolved.size() << " resolved) all at the webhook and Alertmanager "
            << takeover << " s after the kill; " << repeats
            << " repeated webhook deliveries (same dedup key), " << reopened
            << " incidents reopened\n";
  EXPECT_EQ(reopened, 0);
  EXPECT_EQ(repeats, 0);  // The first burst, delivered by the holder, is not sent again.
  EXPECT_EQ(standby.Status()["takeovers"], 1) << standby.Status().dump();
  EXPECT_EQ(standby.Stop(), 0);
}

TEST(NotifierIntegration, StoppingTheWatchdogFiresTheHeartbeatAlertWithinTwoIntervals) {
  std::string brokers = SharedBrokers();
  ASSERT_FALSE(brokers.empty()) << "run through `make test`, which starts a broker";
  const int interval = 2;
  GatewayHarness gateway(brokers, "nt-beat-gw", 10000, interval);
  ASSERT_TRUE(gateway.CreateTopic());
  std::string alerts = gateway.topic() + ".alerts";
  ASSERT_TRUE(
      WatchdogHarness::CreateTopics(brokers, {alerts, gateway.topic() + ".dlq", alerts + ".dlq"}));
  Alertmanager am("nt-beat-am");
  ASSERT_TRUE(am.Start());
  WebhookReceiver hook;
  ASSERT_TRUE(hook.Up());
  NotifierHarness notifier(brokers, "nt-beat", alerts,
                           "receivers:\n"
                           "  - {name: am, kind: alertmanager, url: \"" +
                               am.url() +
                               "\", resend_interval_seconds: 1}\n"
                               "  - {name: hook, kind: webhook, url: \"" +
                               hook.url() +
                               "\", routing_key: rk-beat}\n"
                               "routes:\n  - {receivers: [am]}\n"
                               "heartbeat: {receivers: [am, hook], missing_after_intervals: 2}\n");
  WatchdogHarness watchdog(brokers, "nt-beat-wd", gateway.topic(), alerts);
  ASSERT_TRUE(watchdog.Start(/*simulated=*/false));
  ASSERT_TRUE(gateway.Start());
  ASSERT_TRUE(notifier.Start());
  // Alive: the always-firing heartbeat alert is in Alertmanager, nothing is missing.
  ASSERT_TRUE(WaitFor([&] { return am.Active().count("sightline/heartbeat") == 1; }, seconds(60)))
      << "no heartbeat reached Alertmanager; see " << notifier.dir();
  EXPECT_TRUE(Actions(hook, "trigger").empty());  // A beat never pages.

  Instant stopped = Now();
  ASSERT_EQ(watchdog.Stop(), 0);
  ASSERT_TRUE(
      WaitFor([&] { return am.Active().count("sightline/heartbeat-missing") == 1; }, seconds(60)));
  // The two receivers are delivered to one after the other: Alertmanager may show the alert
  // before the webhook has its page.
  ASSERT_TRUE(
      WaitFor([&] { return Actions(hook, "trigger").count("sightline/heartbeat-missing") == 1; },
              seconds(30)))
      << "the webhook was not paged; see " << notifier.dir();
  EXPECT_EQ(Actions(hook, "trigger"), (std::set<std::string>{"sightline/heartbeat-missing"}));
  // It fired two intervals after the last beat that got through, which came before the stop.
  Instant fired = ToInstant([&] {
    google::protobuf::Timestamp ts;
    std::string s = am.Active().at("sightline/heartbeat-missing")["startsAt"];
    EXPECT_TRUE(google::protobuf::util::TimeUtil::FromString(s, &ts)) << s;
    return ts;
  }());
  EXPECT_LE(fired, stopped + seconds(2 * interval) + seconds(1));  // Whole-second beat times.

  ASSERT_TRUE(watchdog.Start(/*simulated=*/false));  // Beats again: the page resolves.
  ASSERT_TRUE(
      WaitFor([&] { return Actions(hook, "resolve").count("sightline/heartbeat-missing") == 1; },
              seconds(60)));
  EXPECT_TRUE(
      WaitFor([&] { return am.Active().count("sightline/heartbeat-missing") == 0; }, seconds(30)));
  EXPECT_EQ(notifier.Stop(), 0);
  EXPECT_EQ(watchdog.Stop(), 0);
}

}  // namespace
}  // namespace sightline::testing
