// The watchdog against a real broker with simulated time: five children over three days, with
// the alert lifecycle written down by hand (raise, escalation, acknowledgement, expiry,
// resolution, cancellation). The topic must hold exactly those, each once. The downtime variant
// stops the watchdog while deadlines fall due and checks they all fire on restart, at once.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "broker.h"
#include "sightline/domain/calendar/calendar.h"
#include "watchdog_harness.h"

namespace sightline::testing {
namespace {

namespace v1 = events::v1;
using sightline::Instant;
using std::chrono::hours;
using std::chrono::minutes;

// November 2026 is GMT: local time is UTC.
Instant T(int day, int h, int m = 0) {
  return Instant(std::chrono::sys_days{std::chrono::November / day / 2026}) + hours(h) + minutes(m);
}

std::string Fmt(Instant t) {
  auto day = std::chrono::floor<std::chrono::days>(t);
  auto m = std::chrono::duration_cast<minutes>(t - day).count();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s %02d:%02d", domain::FormatDay(day).c_str(),
                static_cast<int>(m / 60), static_cast<int>(m % 60));
  return buf;
}

struct Builder {
  std::vector<v1::Envelope> events;
  v1::Envelope& Add(const std::string& child, const std::string& id, Instant at) {
    v1::Envelope& e = events.emplace_back();
    e.set_event_id(id);
    e.set_child_id(child);
    *e.mutable_occurred_at() = ToTimestamp(at);
    *e.mutable_recorded_at() = ToTimestamp(at);
    e.mutable_actor()->set_user_id("mash-worker");
    e.mutable_actor()->set_role(v1::ROLE_MASH_PRACTITIONER);
    e.mutable_actor()->set_team_id("mash");
    e.set_source_agency(v1::AGENCY_CHILDRENS_SOCIAL_CARE);
    e.mutable_refs()->set_contact_id("k-" + child);
    return e;
  }
  void Contact(const std::string& child, const std::string& id, Instant at) {
    auto* c = Add(child, id, at).mutable_contact_received();
    c->set_source(v1::AGENCY_POLICE);
    c->add_concerns(v1::CONCERN_CATEGORY_NEGLECT);
    c->set_summary("Officer attended a domestic incident.");
  }
  void Red(const std::string& child, const std::string& id, Instant at) {
    Add(child, id, at).mutable_rag_rated()->set_rating(v1::RAG_RATING_RED);
  }
  void Decide(const std::string& child, const std::string& id, Instant at) {
    auto& e = Add(child, id, at);
    e.mutable_actor()->set_role(v1::ROLE_TEAM_MANAGER);
    e.mutable_contact_decided()->set_decision(v1::CONTACT_DECISION_EARLY_HELP);
    e.mutable_contact_decided()->set_rationale("Needs met by early help.");
  }
  void Ack(const std::string& child, const std::string& id, Instant at, const std::string& alert) {
    auto& e = Add(child, id, at);
    e.mutable_actor()->set_user_id("tm-bea");
    e.mutable_actor()->set_role(v1::ROLE_TEAM_MANAGER);
    e.mutable_alert_acknowledged()->set_alert_id(alert);
    e.mutable_alert_acknowledged()->set_note("Calling the family now.");
  }
  void Close(const std::string& child, const std::string& id, Instant at) {
    Add(child, id, at).mutable_case_closed()->set_reason(v1::CLOSURE_REASON_MOVED_AWAY);
  }
  void Seen(const std::string& child, const std::string& id, Instant at, bool refused) {
    auto& e = Add(child, id, at);
    e.mutable_actor()->set_role(v1::ROLE_SOCIAL_WORKER);
    auto* s = e.mutable_child_seen();
    s->set_context(v1::VISIT_CONTEXT_CHILD_PROTECTION);
    s->set_status(refused ? v1::SEEN_STATUS_ACCESS_REFUSED : v1::SEEN_STATUS_SEEN_ALONE);
    if (refused) {
      s->set_reason("Father refused to let us see her alone.");
      s->set_refused_by(v1::REFUSED_BY_PARENT);
    }
  }
  void Beat(const std::string& id, Instant at, Instant recorded) {
    v1::Envelope& e = events.emplace_back();
    e.set_event_id(id);
    *e.mutable_occurred_at() = ToTimestamp(at);
    *e.mutable_recorded_at() = ToTimestamp(recorded);
    e.mutable_actor()->set_user_id("gateway");
    e.set_source_agency(v1::AGENCY_CHILDRENS_SOCIAL_CARE);
    e.mutable_actor()->set_role(v1::ROLE_SYSTEM);
    auto* h = e.mutable_pipeline_heartbeat();
    h->set_source("gateway");
    h->set_sequence(1);
    h->set_interval_seconds(30);
  }
};

Builder Scenario() {
  Builder b;
  // A: nobody decides for two days; overdue from Wednesday 00:00, but a decision clock is not
  // urgent (ADR 0010): the team manager is paged when the MASH opens at 09:00; decided at 10:00.
  b.Contact("wa", "a1", T(16, 9));
  b.Decide("wa", "a2", T(18, 10));
  // B: red at 10:05 (4 hours, around the clock); acknowledged at 14:20, the acknowledgement
  // lapses at 18:20, the service manager is told at 19:20, decided at 19:30.
  b.Contact("wb", "b1", T(16, 10));
  b.Red("wb", "b2", T(16, 10, 5));
  b.Ack("wb", "b3", T(16, 14, 20), "contact-decision-red/wb/b2/L1");
  b.Decide("wb", "b4", T(16, 19, 30));
  // C: decided within the hour: never alerted.
  b.Contact("wc", "c1", T(16, 11));
  b.Decide("wc", "c2", T(16, 12));
  // D: overdue at midnight on Tuesday; the case closes at 00:30 (the family moved away), before
  // anyone would have been paged at 09:00: nobody is.
  b.Contact("wd", "d1", T(16, 12));
  b.Close("wd", "d2", T(18, 0, 30));
  // E: access to see the child alone refused on Tuesday 15:00; seen alone Wednesday 09:00.
  b.Seen("we", "e1", T(17, 15), true);
  b.Seen("we", "e2", T(18, 9), false);
  // F, G, H: three children of one household (the envelope names it), a contact about each; the
  // third makes three in 12 months across the household (ADR 0013). The team manager acknowledges
  // the household's alert by its id alone (an event about no child), and H's decision resolves it.
  for (const auto& [child, id, at] :
       {std::tuple{"wf", "f1", T(16, 11)}, {"wg", "g1", T(16, 13)}, {"wh", "h1", T(17, 10)}}) {
    b.Contact(child, id, at);
    b.events.back().set_household_id("hf");
  }
  b.Decide("wf", "f2", T(16, 11, 30));
  b.Decide("wg", "g2", T(16, 13, 30));
  b.Ack("", "h2", T(17, 11), "household-contacts/@household:hf/h1/L1");
  b.Decide("wh", "h3", T(17, 12));
  // The gateway's heartbeats: the newest one consumed is passed on once, at the next tick; the
  // older beat recorded after it (a slow partition) is not.
  b.Beat("hb-2", T(16, 13, 30), T(16, 13, 30));
  b.Beat("hb-1", T(16, 13, 0), T(16, 14, 30));
  std::stable_sort(b.events.begin(), b.events.end(), [](const auto& x, const auto& y) {
    return ToInstant(x.recorded_at()) < ToInstant(y.recorded_at());
  });
  for (const auto& e : b.events) {
    FieldErrors errors = domain::ValidateEvent(e, std::chrono::system_clock::now(), {});
    EXPECT_TRUE(errors.empty()) << e.event_id() << ": " << errors.front().ToString();
  }
  return b;
}

// "event_id @ at" of everything written down by hand.
std::set<std::string> Expected(bool downtime) {
  std::set<std::string> x = {
      "contact-decision/wa/a1/L1/raised @ 2026-11-18 09:00",
      "contact-decision/wa/a1/resolved @ 2026-11-18 10:00",
      "contact-decision-red/wb/b2/L1/raised @ 2026-11-16 14:00",  // 4 h from receipt (10:00).
      "contact-decision-red/wb/b2/L1/ack/0 @ 2026-11-16 14:20",
      "contact-decision-red/wb/b2/L1/ack-expired/0 @ 2026-11-16 18:20",
      "contact-decision-red/wb/b2/L2/escalated @ 2026-11-16 19:20",
      "contact-decision-red/wb/b2/resolved @ 2026-11-16 19:30",
      "access-refused/we/e1/L1/raised @ 2026-11-17 15:00",
      "access-refused/we/e1/L2/escalated @ 2026-11-17 16:00",
      "access-refused/we/e1/L3/escalated @ 2026-11-17 18:00",
      "access-refused/we/e1/L4/escalated @ 2026-11-17 22:00",
      "access-refused/we/e1/resolved @ 2026-11-18 09:00",
      "heartbeat/hb-2 @ 2026-11-16 13:30",
      "household-contacts/@household:hf/h1/L1/raised @ 2026-11-17 10:00",
      "household-contacts/@household:hf/h1/L1/ack/0 @ 2026-11-17 11:00",
      "household-contacts/@household:hf/h1/resolved @ 2026-11-17 12:00",
  };
  (void)downtime;  // The same with and without the watchdog's downtime.
  return x;
}

class WatchdogScenarioTest : public ::testing::TestWithParam<bool> {};

TEST_P(WatchdogScenarioTest, TopicHoldsExactlyTheHandWrittenLifecycle) {
  const bool downtime = GetParam();
  std::string brokers = SharedBrokers();
  ASSERT_FALSE(brokers.empty()) << "run through `make test`, which starts a broker";
  std::string name = downtime ? "wd-downtime" : "wd-scenario";
  std::string topic = "it." + name + "." + std::to_string(getpid());
  std::string alerts = topic + ".alerts";
  ASSERT_TRUE(WatchdogHarness::CreateTopics(brokers, {topic, alerts, topic + ".dlq"}));
  auto producer = kafka::Producer::Create({.brokers = brokers, .properties = {}});
  ASSERT_TRUE(producer.ok());
  Builder scenario = Scenario();

  WatchdogHarness w(brokers, name, topic, alerts);
  Instant now = T(16, 8);
  w.SetClock(now);
  ASSERT_TRUE(w.Start());
  ASSERT_TRUE(w.WaitTicked(now, std::chrono::seconds(60)));
  // Simulated time advances an hour at a time; each event is produced at the first step at or
  // after its time (before the watchdog is told the new time).
  std::size_t next = 0;
  Instant restart_at{};
  for (Instant t = T(16, 9); t <= T(18, 12); t += hours(1)) {
    std::vector<v1::Envelope> due;
    while (next < scenario.events.size() && ToInstant(scenario.events[next].recorded_at()) <= t) {
      due.push_back(scenario.events[next++]);
    }
    ASSERT_TRUE(Produce(*producer.value(), topic, due));
    w.SetClock(t);
    if (downtime && t > T(17, 12) && t < T(18, 8)) continue;  // ... to Wednesday 08:00.
    if (downtime && t == T(18, 8)) {
      ASSERT_TRUE(w.Start());
      restart_at = t;
    }
    ASSERT_TRUE(w.WaitTicked(t, std::chrono::seconds(60))) << Fmt(t) << "; see " << w.dir();
    if (downtime && t == T(17, 12)) {
      ASSERT_EQ(w.Stop(), 0);  // Down from Tuesday noon ...
    }
  }

  // While running: the open clocks and alerts are listed by the API.
  auto clocks = w.Get("/v1/children/wa/clocks");
  ASSERT_TRUE(clocks.is_object());
  EXPECT_TRUE(clocks["clocks"].empty());  // Decided: nothing open for A.
  auto bad = w.Get("/v1/children/not%20an%20id/clocks");
  ASSERT_TRUE(bad.is_object());
  EXPECT_EQ(bad["error"], "id: not a well-formed child id");
  auto open = w.Get("/v1/alerts");
  ASSERT_TRUE(open.is_object());
  EXPECT_TRUE(open["alerts"].empty());  // Every alert of the scenario is resolved or cancelled.
  // The API names children: without a credential it answers 401; the probes stay open.
  for (const char* path : {"/v1/alerts", "/v1/status", "/v1/children/wa/clocks"}) {
    auto anonymous = http::Get(w.url(), path);
    ASSERT_TRUE(anonymous.ok());
    EXPECT_EQ(anonymous.value().status, 401) << path;
  }
  auto probe = http::Get(w.url(), "/readyz");
  ASSERT_TRUE(probe.ok());
  EXPECT_NE(probe.value().status, 401);
  ASSERT_EQ(w.Stop(), 0);

  std::vector<alerts::v1::AlertEvent> got = ReadAlerts(brokers, alerts);
  std::map<std::string, int> times;
  std::set<std::string> lines;
  for (const auto& e : got) {
    ++times[e.event_id()];
    lines.insert(e.event_id() + " @ " + Fmt(ToInstant(e.at())));
  }
  for (const auto& [id, n] : times) EXPECT_EQ(n, 1) << id << " emitted " << n << " times";
  EXPECT_EQ(lines, Expected(downtime));

  for (const auto& e : got) {
    if (e.event_id() == "contact-decision/wa/a1/resolved") {
      EXPECT_EQ(e.late_by_seconds(), 10 * 3600);
      EXPECT_EQ(e.stop_event_id(), "a2");
    }
    if (e.event_id() == "contact-decision-red/wb/b2/L1/ack/0") {
      EXPECT_EQ(e.acknowledged_by(), "tm-bea");
      EXPECT_EQ(e.note(), "Calling the family now.");
      EXPECT_EQ(Fmt(ToInstant(e.acknowledged_until())), "2026-11-16 18:20");
    }
    if (e.event_id() == "household-contacts/@household:hf/h1/L1/raised") {
      EXPECT_EQ(e.subject(), "household:hf");
      EXPECT_EQ(e.child_id(), "wh");
    }
    if (e.event_id() == "contact-decision-red/wb/b2/L2/escalated") {
      EXPECT_EQ(e.level_role(), "service_manager");
    }
    // The wall clock fires deadlines: each step is emitted at the first tick at or after it
    // (ticks every simulated hour), or, after downtime, at the restart.
    if (e.step() == alerts::v1::STEP_RAISED || e.step() == alerts::v1::STEP_ESCALATED) {
      Instant at = ToInstant(e.at()), emitted = ToInstant(e.emitted_at());
      EXPECT_GE(emitted, at) << e.event_id();
      bool during_downtime = downtime && at > T(17, 12) && at < T(18, 8);
      if (during_downtime) {
        EXPECT_EQ(emitted, restart_at) << e.event_id() << " fired late after the restart";
      } else {
        EXPECT_LT(emitted - at, hours(1)) << e.event_id();
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, WatchdogScenarioTest, ::testing::Values(false, true),
                         [](const auto& p) { return p.param ? "Downtime" : "Continuous"; });

}  // namespace
}  // namespace sightline::testing
