// Issue 17: two watchdogs share the work through a lease (ADR 0022) over the crash test's
// simulated month. Half-way through, the one raising alerts is SIGKILLed while it consumes and
// ticks a step; the other must take over. The alerts topic must end with exactly the alert ids
// the in-memory engine computes: none missing, none invented, each duplicate byte-identical to
// the first (ADR 0005's dedup rule). The takeover time is measured and printed. The killed one
// comes back and stands by; the standby never sends while the other holds the lease.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "broker.h"
#include "sightline/config/policy_file.h"
#include "watchdog_harness.h"
#include "watchdog_month_run.h"

namespace sightline::testing {
namespace {

namespace v1 = events::v1;
using std::chrono::hours;
using std::chrono::seconds;

constexpr auto kStep = hours(12);

std::string LeaseOf(WatchdogHarness& w) {
  auto s = w.Status();
  return s.is_object() && s.contains("lease") ? s["lease"].get<std::string>() : "down";
}

// The instance holding the lease (0 or 1), once exactly one says so.
int WaitForHolder(WatchdogHarness* w[2], seconds timeout) {
  int holder = -1;
  WaitFor(
      [&] {
        std::string a = LeaseOf(*w[0]), b = LeaseOf(*w[1]);
        holder = a == "held" && b != "held" ? 0 : b == "held" && a != "held" ? 1 : -1;
        return holder >= 0;
      },
      timeout);
  return holder;
}

TEST(WatchdogFailoverTest, TheStandbyTakesOverMidMonthWithNoAlertMissingOrInvented) {
  std::string brokers = SharedBrokers();
  ASSERT_FALSE(brokers.empty()) << "run through `make test`, which starts a broker";
  std::string topic = "it.wd-failover." + std::to_string(getpid());
  std::string alerts = topic + ".alerts", lease = topic + ".lease";
  ASSERT_TRUE(WatchdogHarness::CreateTopics(brokers, {topic, alerts, topic + ".dlq"}));
  ASSERT_TRUE(WatchdogHarness::CreateTopics(brokers, {lease}, 1));
  auto producer = kafka::Producer::Create({.brokers = brokers, .properties = {}});
  ASSERT_TRUE(producer.ok()) << producer.status().message();
  auto policy = config::LoadPolicy(SourceDir() + "/deploy/watchdog-policy.yaml");
  ASSERT_TRUE(policy.ok()) << policy.status().message();

  const Instant start(std::chrono::sys_days{std::chrono::September / 7 / 2026});
  std::vector<v1::Envelope> month = WatchdogMonth(start);
  MonthExpectation want(policy.value(), month);

  WatchdogHarness a(brokers, "wd-failover-a", topic, alerts, "", lease);
  WatchdogHarness b(brokers, "wd-failover-b", topic, alerts, "", lease);
  WatchdogHarness* both[2] = {&a, &b};
  for (WatchdogHarness* w : both) {
    w->SetClock(start);
    ASSERT_TRUE(w->Start());
  }
  int holder = WaitForHolder(both, seconds(60));
  ASSERT_GE(holder, 0) << "no single holder of the lease; see " << a.dir() << " and " << b.dir();
  ASSERT_TRUE(both[holder]->WaitTicked(start, seconds(60))) << "see " << both[holder]->dir();

  std::size_t next = 0;
  Instant previous = start;
  const int steps = kMonthDays * 2, kill_at = steps / 2;
  double takeover_seconds = -1;
  int step_no = 0;
  for (Instant t = start + kStep; t <= start + std::chrono::days(kMonthDays); t += kStep) {
    std::vector<v1::Envelope> step = want.Step(month, next, previous, t);
    previous = t;
    ASSERT_TRUE(Produce(*producer.value(), topic, step));
    for (WatchdogHarness* w : both) w->SetClock(t);
    if (++step_no == kill_at) {
      // The holder dies while it consumes and ticks this step.
      std::this_thread::sleep_for(std::chrono::milliseconds(150));
      const auto killed = std::chrono::steady_clock::now();
      both[holder]->Kill();
      WatchdogHarness& survivor = *both[1 - holder];
      ASSERT_TRUE(survivor.WaitTicked(t, seconds(120)))
          << "the standby never took over; see " << survivor.dir();
      takeover_seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
      ASSERT_EQ(LeaseOf(survivor), "held");
      // The dead one comes back, with its store, and stands by.
      ASSERT_TRUE(both[holder]->Start());
      holder = 1 - holder;
      ASSERT_TRUE(WaitFor([&] { return LeaseOf(*both[1 - holder]) == "standby"; }, seconds(60)))
          << "the restarted watchdog did not stand by; see " << both[1 - holder]->dir();
      continue;
    }
    ASSERT_TRUE(both[holder]->WaitTicked(t, seconds(120)))
        << "no tick at step " << step_no << "; see " << both[holder]->dir();
    ASSERT_EQ(LeaseOf(*both[1 - holder]), "standby") << "step " << step_no;
  }
  ASSERT_EQ(next, month.size());
  for (WatchdogHarness* w : both) EXPECT_EQ(w->Stop(), 0);
  for (const char* kind :
       {"STEP_RAISED", "STEP_ESCALATED", "STEP_ACKNOWLEDGED", "STEP_ACK_EXPIRED", "STEP_RESOLVED"})
    EXPECT_GT(want.steps[kind], 0) << kind;
  std::cout << "[ failover ] the holder was SIGKILLed at step " << kill_at << " of " << steps
            << "; the standby had ticked that step " << takeover_seconds
            << " s later (lease session timeout 6 s)\n";
  ExpectAlertIds(brokers, alerts, want.expected, "failover");
}

}  // namespace
}  // namespace sightline::testing
