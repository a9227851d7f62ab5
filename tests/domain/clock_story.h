// Test helpers for the watchdog's rule engine: the default policy, local times, a builder of one
// child's events (Story), readable step lines and a simulated watchdog run (RunStory).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "process.h"
#include "sightline/config/policy_file.h"
#include "sightline/domain/clocks/clocks.h"

namespace sightline::domain::clock_story {

namespace v1 = events::v1;
namespace av = alerts::v1;
using std::chrono::hours;
using std::chrono::minutes;

inline const ClockPolicy& Policy() {
  static const ClockPolicy policy = [] {
    auto p = config::LoadPolicy(sightline::testing::SourceDir() + "/deploy/watchdog-policy.yaml");
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.value();
  }();
  return policy;
}

// Local (Europe/London) wall-clock time.
inline Instant L(const char* day, int h, int m = 0) {
  return LocalMidnight(*ParseDay(day)) + hours(h) + minutes(m);
}

// A small builder of one child's events.
class Story {
 public:
  explicit Story(std::string child = "c1") : child_(std::move(child)) {}

  v1::Envelope& Add(const std::string& id, Instant at) {
    v1::Envelope& e = events_.emplace_back();
    e.set_event_id(id);
    e.set_child_id(child_);
    *e.mutable_occurred_at() = ToTimestamp(at);
    *e.mutable_recorded_at() = ToTimestamp(at);
    e.mutable_actor()->set_user_id("u1");
    e.mutable_actor()->set_role(v1::ROLE_MASH_PRACTITIONER);
    e.mutable_actor()->set_team_id("mash");
    e.mutable_refs()->set_contact_id("k1");
    return e;
  }
  Story& Contact(const std::string& id, Instant at, const std::string& contact = "k1") {
    v1::Envelope& e = Add(id, at);
    e.mutable_refs()->set_contact_id(contact);
    e.mutable_contact_received()->set_source(v1::AGENCY_POLICE);
    e.mutable_contact_received()->add_concerns(v1::CONCERN_CATEGORY_NEGLECT);
    return *this;
  }
  Story& Missing(const std::string& id, Instant at) {
    Contact(id, at, id);
    events_.back().mutable_contact_received()->set_concerns(0,
                                                            v1::CONCERN_CATEGORY_MISSING_FROM_HOME);
    return *this;
  }
  Story& Rag(const std::string& id, Instant at, v1::RagRating r) {
    Add(id, at).mutable_rag_rated()->set_rating(r);
    return *this;
  }
  Story& Decide(const std::string& id, Instant at, v1::ContactDecision d,
                const std::string& referral = "") {
    v1::Envelope& e = Add(id, at);
    e.mutable_contact_decided()->set_decision(d);
    e.mutable_refs()->set_referral_id(referral);
    return *this;
  }
  Story& Ack(const std::string& id, Instant at, const std::string& alert, const std::string& by) {
    v1::Envelope& e = Add(id, at);
    e.mutable_alert_acknowledged()->set_alert_id(alert);
    e.mutable_alert_acknowledged()->set_note("On it.");
    e.mutable_actor()->set_user_id(by);
    return *this;
  }
  Story& Retract(const std::string& id, Instant at, const std::string& target) {
    v1::Envelope& e = Add(id, at);
    e.mutable_correction()->set_target_event_id(target);
    e.mutable_correction()->set_reason("wrong child");
    e.mutable_correction()->mutable_retract();
    return *this;
  }
  Story& Close(const std::string& id, Instant at) {
    Add(id, at).mutable_case_closed()->set_reason(v1::CLOSURE_REASON_NO_FURTHER_ACTION);
    return *this;
  }
  Story& Seen(const std::string& id, Instant at, v1::SeenStatus status,
              const std::string& plan = "p1") {
    v1::Envelope& e = Add(id, at);
    e.mutable_child_seen()->set_status(status);
    e.mutable_child_seen()->set_context(v1::VISIT_CONTEXT_CHILD_PROTECTION);
    e.mutable_refs()->set_plan_id(plan);
    return *this;
  }
  // An event about one piece of work, named by `refs` alone ({"assessment_id", "a1"}, ...).
  v1::Envelope& Work(const std::string& id, Instant at,
                     const std::vector<std::pair<std::string, std::string>>& refs) {
    v1::Envelope& e = Add(id, at);
    e.mutable_refs()->Clear();
    for (const auto& [field, value] : refs) {
      const auto* f = v1::CaseRefs::descriptor()->FindFieldByName(field);
      e.mutable_refs()->GetReflection()->SetString(e.mutable_refs(), f, value);
    }
    return e;
  }
  Story& PlanStart(const std::string& id, Instant at, v1::PlanType type, const std::string& plan) {
    v1::Envelope& e = Add(id, at);
    e.mutable_plan_started()->set_type(type);
    e.mutable_refs()->set_plan_id(plan);
    return *this;
  }
  Story& PlanReview(const std::string& id, Instant at, v1::PlanType type, const std::string& plan) {
    v1::Envelope& e = Add(id, at);
    e.mutable_plan_reviewed()->set_type(type);
    e.mutable_refs()->set_plan_id(plan);
    return *this;
  }
  Story& PlanEnd(const std::string& id, Instant at, v1::PlanType type, const std::string& plan) {
    v1::Envelope& e = Add(id, at);
    e.mutable_plan_ended()->set_type(type);
    e.mutable_refs()->set_plan_id(plan);
    return *this;
  }
  Story& Conference(const std::string& id, Instant at, v1::ConferenceType type) {
    v1::Envelope& e = Add(id, at);
    e.mutable_conference_held()->set_type(type);
    e.mutable_conference_held()->set_plan_required(true);
    return *this;
  }
  Story& Strategy(const std::string& id, Instant at, const std::string& strategy) {
    v1::Envelope& e = Add(id, at);
    e.mutable_strategy_discussion_held()->set_s47_threshold_met(true);
    e.mutable_refs()->set_strategy_id(strategy);
    return *this;
  }
  Story& S47Done(const std::string& id, Instant at, const std::string& strategy,
                 v1::S47Outcome outcome) {
    v1::Envelope& e = Add(id, at);
    e.mutable_s47_enquiry_completed()->set_outcome(outcome);
    e.mutable_refs()->set_strategy_id(strategy);
    return *this;
  }
  Story& Accommodation(const std::string& id, Instant at, v1::Suitability s) {
    v1::Envelope& e = Add(id, at);
    e.mutable_accommodation_recorded()->set_type(v1::ACCOMMODATION_TYPE_BED_AND_BREAKFAST);
    e.mutable_accommodation_recorded()->set_suitability(s);
    return *this;
  }
  Story& Legal(const std::string& id, Instant at, v1::LegalStage stage) {
    v1::Envelope& e = Add(id, at);
    e.mutable_legal_stage_reached()->set_stage(stage);
    e.mutable_refs()->set_legal_case_id("lc1");
    return *this;
  }

  std::vector<v1::Envelope> events_;
  std::string child_;
};

// "rule L<level> step @ local time" lines for the steps of one rule, for readable expectations.
inline std::string Format(Instant t) {
  auto local = t + LondonOffset(t);
  auto day = std::chrono::floor<std::chrono::days>(local);
  auto hm = std::chrono::duration_cast<minutes>(local - day).count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s %02d:%02d", FormatDay(day).c_str(), static_cast<int>(hm / 60),
                static_cast<int>(hm % 60));
  return buf;
}

inline std::string StepLabel(av::Step s) {
  std::string name = av::Step_Name(s);
  std::transform(name.begin(), name.end(), name.begin(), ::tolower);
  return name.substr(5);
}

inline std::vector<std::string> Lines(const std::vector<av::AlertEvent>& events,
                                      const std::string& rule) {
  std::vector<std::string> out;
  for (const av::AlertEvent& e : events) {
    if (e.rule_id() != rule) continue;
    out.push_back(StepLabel(e.step()) + " L" + std::to_string(e.level()) + " @ " +
                  Format(ToInstant(e.at())));
  }
  return out;
}

// Runs the engine like a perfect watchdog: the events are known from the start, and the clock is
// ticked every 15 minutes up to `until`.
// Several children's events at once (a household's): `events` in any order.
inline std::vector<av::AlertEvent> RunEvents(std::vector<v1::Envelope> pending, Instant from,
                                             Instant until) {
  AlertEngine engine(Policy());
  std::vector<av::AlertEvent> out;
  // Each event becomes known at its recorded_at.
  std::sort(pending.begin(), pending.end(), [](const auto& a, const auto& b) {
    return ToInstant(a.recorded_at()) < ToInstant(b.recorded_at());
  });
  std::size_t next = 0;
  for (Instant t = from; t <= until; t += minutes(15)) {
    std::vector<v1::Envelope> now;
    while (next < pending.size() && ToInstant(pending[next].recorded_at()) <= t)
      now.push_back(pending[next++]);
    auto a = engine.Apply(now, t, t);
    out.insert(out.end(), a.begin(), a.end());
    auto b = engine.Tick(t);
    out.insert(out.end(), b.begin(), b.end());
  }
  return out;
}

inline std::vector<av::AlertEvent> RunStory(const Story& s, Instant from, Instant until) {
  return RunEvents(s.events_, from, until);
}

using Lines_t = std::vector<std::string>;

}  // namespace sightline::domain::clock_story
