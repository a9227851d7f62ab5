// The watchdog's rules as data (deploy/watchdog-policy.yaml; docs/adr/0005-watchdog.md): what
// starts each clock, what stops or cancels it, how long it runs and how that time is counted, and
// the escalation ladder its alert climbs. Loading the YAML is the watchdog's job; this header is
// the validated model and the pure arithmetic on it.
//
// Immutable after validation and safe to share between threads.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "sightline/core/status.h"
#include "sightline/domain/calendar/calendar.h"
#include "sightline/events/v1/envelope.pb.h"

namespace sightline::domain {

// One condition on a field of the event's payload: an enum among values, a bool, a string among
// values. A repeated enum field matches when any element is among the values.
struct FieldTest {
  const google::protobuf::FieldDescriptor* field = nullptr;
  std::set<int> enum_values;
  std::optional<bool> boolean;
  std::set<std::string> strings;
};

// "An event of this type whose payload satisfies every test".
struct Matcher {
  std::string event;  // Payload name, e.g. "contact_decided".
  int payload_field = 0;
  std::vector<FieldTest> where;
  bool Matches(const events::v1::Envelope& e) const;
};

// Builds a matcher from the policy's words. `where` maps a payload field name to a value or to
// alternatives separated by '|'; enum values may be written in full (RAG_RATING_RED) or short
// (red). Errors name the event type, field or value that does not exist in the schema.
StatusOr<Matcher> MakeMatcher(std::string_view event,
                              const std::map<std::string, std::string>& where);

enum class RuleKind {
  kDeadline,   // One clock per starting event, stopped by the awaited event.
  kRecurring,  // While a state lasts (from start to `until`), each stop event restarts the clock.
  kImmediate,  // Fires at the starting event itself (limit 0).
  kCount,      // Fires when `count` starting events fall within `window`.
};

// kCalendarMonths: "N calendar_months" is due by the end of the Nth calendar month after the
// starting one (a March start with 1 is overdue from 1 May): "every calendar month has one".
enum class Unit { kHours, kWorkingHours, kDays, kWorkingDays, kWeeks, kMonths, kCalendarMonths };

struct Limit {
  int amount = 0;
  Unit unit = Unit::kWorkingDays;
};

// "8 working_hours", "1 working_day", "3 months": the policy file's way of writing a Limit.
StatusOr<Limit> ParseLimit(std::string_view text);
std::string FormatLimit(const Limit& limit);
// "30m", "4h", "2d" (calendar time): for ladder waits and acknowledgement lifetimes.
StatusOr<std::chrono::minutes> ParseDuration(std::string_view text);

struct Level {
  std::string role;  // Who is told: team_manager, service_manager, head_of_service, director.
  std::chrono::minutes acknowledge_within{0};  // Before the next level is told; 0 on the last.
  // Who an urgent alert at this level pages outside business hours instead of `role` (rota
  // names: emergency_duty_team, on_call_manager). Empty: `role` around the clock.
  std::vector<std::string> out_of_hours = {};
  // Only urgent alerts climb to this level: a director is not paged for casework clocks.
  bool urgent_only = false;
};

// Who of a rota is on call when: the people take a week each in turn, handing over at
// `handover` (local time) on the weekday of `starts`, the first person from `starts`.
struct Rota {
  std::string id;                   // The name ladders use in out_of_hours (on_call_manager, ...).
  std::vector<std::string> people;  // User ids, as the identity provider names them.
  Day starts{};
  std::chrono::minutes handover{9 * 60};
  std::string OnCallAt(Instant t) const;
};

struct Ladder {
  std::string id;
  std::vector<Level> levels;
  std::chrono::minutes acknowledgement_lasts{0};  // 0: an acknowledgement never lapses.
};

// Whose events a rule reads (docs/adr/0013-wider-subjects.md): one child's, or those of every
// child of a household, of a team's work, or of a service area's audits.
enum class Scope { kChild, kHousehold, kTeam, kServiceArea };

struct Rule {
  std::string id;  // Lower-case letters, digits and '-'; appears in alert ids.
  Scope scope = Scope::kChild;
  std::string title;
  std::string source;  // [law] / [guidance] / [local] and where it comes from.
  RuleKind kind = RuleKind::kDeadline;
  Matcher start;
  std::vector<Matcher> stop;    // The awaited event(s). None: an acknowledgement resolves.
  std::vector<Matcher> cancel;  // Events that make the clock moot (a RAG downgrade, ...).
  std::vector<Matcher> until;   // kRecurring: events that end the state.
  std::string match;            // CaseRefs field that start and stop/cancel/until share, or "".
  std::string from = "occurred_at";  // Or a YYYY-MM-DD string field of the start payload.
  // Or (`from_event`) the clock runs from the first event of this type that shares the start's
  // `match` ref, when there is one: a red rating's clock from the contact's receipt.
  std::string from_event;
  // The clock starts only when an earlier event (at or before the start) matches this and, when
  // `same` names a payload field, has the start event's value of it: an early-help offer of an
  // intervention that already ended not effective for the child.
  std::optional<Matcher> requires_earlier;
  std::string same;
  std::vector<Limit> limits;  // kRecurring: successive limits, the last one repeating.
  int count = 0;              // kCount.
  Limit window;               // kCount.
  std::size_t ladder = 0;     // Index into ClockPolicy::ladders.
  bool cancel_on_case_closed = true;
  // Urgent rules (a red contact, access refused, unsuitable accommodation) page around the clock
  // in calendar time, routed out of hours to each level's out_of_hours rotas. The rest never page
  // outside the team's business hours: what falls due overnight is delivered at the next opening
  // (one group per team, docs/adr/0010-paging.md), their ladder waits count working time, and
  // they stop below the urgent_only levels.
  bool urgent = false;
};

struct ClockPolicy {
  Calendar calendar;
  BusinessHours business_hours;
  std::map<std::string, BusinessHours> team_hours;  // Team id -> its hours, when not the default.
  std::vector<Ladder> ladders;
  std::vector<Rule> rules;
  std::map<std::string, Rota> rotas;  // By id.

  const BusinessHours& HoursFor(const std::string& team_id) const;
  // When a clock of `limit` started at `from` (by a team) becomes overdue.
  Instant OverdueAt(const Limit& limit, Instant from, const std::string& team_id) const;
  // Inside the team's business hours on a working day.
  bool InHours(Instant t, const std::string& team_id) const;
  // t when InHours, else the team's next opening.
  Instant NextInHours(Instant t, const std::string& team_id) const;
  // When a ladder wait (acknowledge_within, acknowledgement_lasts) started at `from` runs out:
  // calendar time for urgent rules; for the rest, whole days count working days (the same time
  // of day N working days on) and shorter waits working hours, and the end is moved into hours.
  Instant AfterWait(Instant from, std::chrono::minutes wait, bool urgent,
                    const std::string& team_id) const;
  // The highest level a rule's alerts may reach (1-based).
  int TopLevel(const Rule& rule) const;
};

// Who an alert level pages: its role in hours; out of hours, for urgent rules, the rotas of the
// level's out_of_hours (each with the person on call at `at`), when it has any.
struct Page {
  std::vector<std::string> roles;
  std::map<std::string, std::string> on_call;  // Rota id -> user id at that instant.
  bool out_of_hours = false;
};
Page PageFor(const ClockPolicy& policy, const Rule& rule, int level, Instant at,
             const std::string& team_id);

// Everyone who may acknowledge an alert, read from its id ("<rule>/<stream>/<anchor event>/
// L<level>", ADR 0005): the role its level is routed to ("team_manager", ..., "director"), and the
// people of the rotas that level pages out of hours (for urgent rules). Nullopt when the id does
// not name a level of a rule of `policy`.
struct Acknowledgers {
  std::string role;
  std::set<std::string> on_call_people;
};
std::optional<Acknowledgers> WhoMayAcknowledge(const ClockPolicy& policy,
                                               std::string_view alert_id);

// Every problem of the model, named by rule and field ("rules[3] (cp-visits).limits: ...").
FieldErrors ValidatePolicy(const ClockPolicy& policy);

}  // namespace sightline::domain
