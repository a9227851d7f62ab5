#include "sightline/domain/clocks.h"

#include <algorithm>

#include "sightline/domain/projection.h"

namespace sightline::domain {
namespace {

namespace pb = google::protobuf;
namespace v1 = events::v1;
namespace av = alerts::v1;
namespace wv = watchdog::v1;
using P = v1::Envelope::PayloadCase;

std::string RefOf(const v1::Envelope& e, const std::string& field) {
  if (field.empty()) return "";
  const pb::FieldDescriptor* f = v1::CaseRefs::descriptor()->FindFieldByName(field);
  return f == nullptr ? "" : e.refs().GetReflection()->GetString(e.refs(), f);
}

bool AnyMatches(const std::vector<Matcher>& ms, const v1::Envelope& e) {
  return std::any_of(ms.begin(), ms.end(), [&](const Matcher& m) { return m.Matches(e); });
}

// The start time of a clock: the event's occurred_at, or local midnight of a payload date.
std::optional<Instant> StartTime(const Rule& r, const v1::Envelope& e) {
  if (r.from == "occurred_at") return ToInstant(e.occurred_at());
  const pb::FieldDescriptor* f =
      v1::Envelope::descriptor()->FindFieldByNumber(static_cast<int>(e.payload_case()));
  if (f == nullptr) return std::nullopt;
  const pb::Message& payload = e.GetReflection()->GetMessage(e, f);
  const pb::FieldDescriptor* field = payload.GetDescriptor()->FindFieldByName(r.from);
  if (field == nullptr) return std::nullopt;
  auto day = ParseDay(payload.GetReflection()->GetString(payload, field));
  if (!day) return std::nullopt;
  return LocalMidnight(*day);
}

using Events = std::vector<const v1::Envelope*>;

// Finds the first event after position `after` (or anywhere, when `anywhere` and a ref is
// shared) that matches one of `ms` and, if the rule matches on a ref, carries the same ref.
const v1::Envelope* FirstMatch(const Events& events, std::size_t after,
                               const std::vector<Matcher>& ms, const std::string& field,
                               const std::string& ref, bool anywhere) {
  bool by_ref = !field.empty() && !ref.empty();
  for (std::size_t i = (anywhere && by_ref) ? 0 : after + 1; i < events.size(); ++i) {
    if (i == after) continue;
    const v1::Envelope& e = *events[i];
    if (!AnyMatches(ms, e)) continue;
    if (by_ref && RefOf(e, field) != ref) continue;
    return &e;
  }
  return nullptr;
}

const v1::Envelope* FirstClosure(const Events& events, std::size_t after) {
  for (std::size_t i = after + 1; i < events.size(); ++i) {
    if (events[i]->payload_case() == P::kCaseClosed) return events[i];
  }
  return nullptr;
}

struct Ending {
  const v1::Envelope* event = nullptr;
  bool stopped = false;
  std::string reason;
};

void Consider(Ending& best, const v1::Envelope* e, bool stopped, std::string reason) {
  if (e == nullptr) return;
  if (best.event != nullptr && ToInstant(best.event->occurred_at()) <= ToInstant(e->occurred_at()))
    return;
  best = {e, stopped, std::move(reason)};
}

ClockInstance NewClock(const ClockPolicy& policy, std::size_t rule_index,
                       const std::string& child_id, const v1::Envelope& anchor, Instant started,
                       const std::string& ref) {
  const Rule& r = policy.rules[rule_index];
  ClockInstance c;
  c.rule = rule_index;
  c.child_id = child_id;
  c.anchor_event_id = anchor.event_id();
  c.clock_id = r.id + "/" + child_id + "/" + anchor.event_id();
  c.anchor_ref = ref;
  c.team_id = anchor.actor().team_id();
  c.started = started;
  c.due = started;
  return c;
}

void SetEnd(ClockInstance& c, const Ending& end) {
  if (end.event == nullptr) return;
  c.ended = ToInstant(end.event->occurred_at());
  c.stopped = end.stopped;
  c.end_event_id = end.event->event_id();
  c.end_reason = end.reason;
}

std::string Describe(const v1::Envelope& e) { return PayloadName(e) + " " + e.event_id(); }

// One-off deadlines, immediate triggers and count triggers: an anchor, a stop, a cancel.
void EndOneOff(const Rule& r, const Events& events, std::size_t at, ClockInstance& c) {
  Ending end;
  Consider(end, FirstMatch(events, at, r.stop, r.match, c.anchor_ref, true), true,
           "awaited event arrived");
  if (const v1::Envelope* x = FirstMatch(events, at, r.cancel, r.match, c.anchor_ref, true)) {
    Consider(end, x, false, "cancelled by " + Describe(*x));
  }
  if (r.cancel_on_case_closed) {
    if (const v1::Envelope* x = FirstClosure(events, at)) {
      Consider(end, x, false, "case closed (" + x->event_id() + ")");
    }
  }
  SetEnd(c, end);
}

void DeriveRecurring(const ClockPolicy& policy, std::size_t ri, const std::string& child_id,
                     const Events& events, std::vector<ClockInstance>& out) {
  const Rule& r = policy.rules[ri];
  std::size_t i = 0;
  while (i < events.size()) {
    if (!r.start.Matches(*events[i])) {
      ++i;
      continue;
    }
    std::string ref = RefOf(*events[i], r.match);
    auto started = StartTime(r, *events[i]);
    if (!started) {
      ++i;
      continue;
    }
    // The state lasts until an `until` event (same ref when matched), or the case closes.
    std::size_t state_end = events.size();
    std::string end_reason;
    for (std::size_t k = i + 1; k < events.size(); ++k) {
      bool until = AnyMatches(r.until, *events[k]) &&
                   (r.match.empty() || ref.empty() || RefOf(*events[k], r.match) == ref);
      bool closed = r.cancel_on_case_closed && events[k]->payload_case() == P::kCaseClosed;
      if (until || closed) {
        state_end = k;
        end_reason = (closed ? "case closed (" : "state ended (") + Describe(*events[k]) + ")";
        break;
      }
    }
    std::size_t anchor = i;
    Instant anchor_time = *started;
    for (std::size_t n = 0;; ++n) {
      ClockInstance c = NewClock(policy, ri, child_id, *events[anchor], anchor_time, ref);
      const Limit& limit = r.limits[std::min(n, r.limits.size() - 1)];
      c.due = policy.OverdueAt(limit, anchor_time, c.team_id);
      std::size_t next = anchor + 1;
      while (next < state_end && !AnyMatches(r.stop, *events[next])) ++next;
      if (next < state_end) {
        SetEnd(c, {events[next], true, "awaited event arrived"});
        out.push_back(std::move(c));
        anchor = next;
        anchor_time = ToInstant(events[next]->occurred_at());
        continue;
      }
      if (state_end < events.size()) SetEnd(c, {events[state_end], false, end_reason});
      out.push_back(std::move(c));
      break;
    }
    i = state_end + 1;
  }
}

void DeriveCount(const ClockPolicy& policy, std::size_t ri, const std::string& child_id,
                 const Events& events, std::vector<ClockInstance>& out) {
  const Rule& r = policy.rules[ri];
  std::vector<std::size_t> hits;
  std::optional<Instant> last_trigger;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (!r.start.Matches(*events[i])) continue;
    hits.push_back(i);
    Instant t = ToInstant(events[i]->occurred_at());
    if (last_trigger && t < policy.OverdueAt(r.window, *last_trigger, "")) continue;
    int in_window = 0;
    for (std::size_t h : hits) {
      Instant th = ToInstant(events[h]->occurred_at());
      if (policy.OverdueAt(r.window, th, "") > t) ++in_window;
    }
    if (in_window < r.count) continue;
    last_trigger = t;
    ClockInstance c = NewClock(policy, ri, child_id, *events[i], t, RefOf(*events[i], r.match));
    EndOneOff(r, events, i, c);
    out.push_back(std::move(c));
  }
}

std::string StepName(av::Step s) {
  switch (s) {
    case av::STEP_RAISED:
      return "raised";
    case av::STEP_ESCALATED:
      return "escalated";
    case av::STEP_ACKNOWLEDGED:
      return "ack";
    case av::STEP_ACK_EXPIRED:
      return "ack-expired";
    case av::STEP_RESOLVED:
      return "resolved";
    case av::STEP_CANCELLED:
      return "cancelled";
    default:
      return "unknown";
  }
}

std::string StepId(const std::string& clock_id, const PlannedStep& s) {
  switch (s.step) {
    case av::STEP_RESOLVED:
    case av::STEP_CANCELLED:
      return clock_id + "/" + StepName(s.step);
    case av::STEP_ACKNOWLEDGED:
    case av::STEP_ACK_EXPIRED:
      return AlertId(clock_id, s.level) + "/" + StepName(s.step) + "/" + std::to_string(s.cycle);
    default:
      return AlertId(clock_id, s.level) + "/" + StepName(s.step);
  }
}

PlannedStep Terminal(const ClockInstance& c, int level, int cycle) {
  PlannedStep t;
  t.step = c.stopped ? av::STEP_RESOLVED : av::STEP_CANCELLED;
  t.level = std::max(level, 1);
  t.cycle = cycle;
  t.at = *c.ended;
  return t;
}

}  // namespace

std::string AlertId(const std::string& clock_id, int level) {
  return clock_id + "/L" + std::to_string(level);
}

std::vector<ClockInstance> DeriveClocks(const ClockPolicy& policy, const std::string& child_id,
                                        std::span<const v1::Envelope> input) {
  Events events = EffectiveEvents(input);
  std::vector<ClockInstance> out;
  for (std::size_t ri = 0; ri < policy.rules.size(); ++ri) {
    const Rule& r = policy.rules[ri];
    switch (r.kind) {
      case RuleKind::kRecurring:
        DeriveRecurring(policy, ri, child_id, events, out);
        break;
      case RuleKind::kCount:
        DeriveCount(policy, ri, child_id, events, out);
        break;
      case RuleKind::kDeadline:
      case RuleKind::kImmediate:
        for (std::size_t i = 0; i < events.size(); ++i) {
          if (!r.start.Matches(*events[i])) continue;
          auto started = StartTime(r, *events[i]);
          if (!started) continue;
          ClockInstance c =
              NewClock(policy, ri, child_id, *events[i], *started, RefOf(*events[i], r.match));
          if (r.kind == RuleKind::kDeadline)
            c.due = policy.OverdueAt(r.limits[0], *started, c.team_id);
          EndOneOff(r, events, i, c);
          out.push_back(std::move(c));
        }
        break;
    }
  }
  // Acknowledgements quote an alert id of the clock ("<clock_id>/L<n>").
  std::map<std::string, ClockInstance*> by_id;
  for (ClockInstance& c : out) by_id[c.clock_id] = &c;
  for (const v1::Envelope* e : events) {
    if (e->payload_case() != P::kAlertAcknowledged) continue;
    const std::string& alert = e->alert_acknowledged().alert_id();
    auto slash = alert.rfind("/L");
    if (slash == std::string::npos) continue;
    auto it = by_id.find(alert.substr(0, slash));
    if (it == by_id.end()) continue;
    it->second->acks.push_back({ToInstant(e->occurred_at()), e->actor().user_id(),
                                e->alert_acknowledged().note(), e->event_id()});
  }
  std::sort(out.begin(), out.end(),
            [](const ClockInstance& a, const ClockInstance& b) { return a.clock_id < b.clock_id; });
  return out;
}

AlertPlan PlanAlert(const ClockPolicy& policy, const ClockInstance& c, Instant horizon) {
  AlertPlan plan;
  const Rule& rule = policy.rules[c.rule];
  const Ladder& ladder = policy.ladders[rule.ladder];
  int levels = static_cast<int>(ladder.levels.size());
  bool resolve_on_ack = rule.stop.empty();
  // Ended before it fell due, or ended by an event we already hold although the deadline is past
  // the horizon: no alert.
  if (c.ended && (*c.ended < c.due || c.due > horizon)) {
    plan.terminal = true;
    return plan;
  }
  if (c.due > horizon) {
    plan.next_wake = c.due;
    return plan;
  }
  auto push = [&](av::Step s, int level, int cycle, Instant at, const Acknowledgement* ack) {
    PlannedStep p{s, level, cycle, at, ack, ""};
    p.event_id = StepId(c.clock_id, p);
    plan.steps.push_back(std::move(p));
  };
  int level = 1, cycle = 0;
  bool acked = false;
  Instant since = c.due, cursor = c.due, ack_at{};
  push(av::STEP_RAISED, 1, 0, c.due, nullptr);
  std::size_t next_ack = 0;
  for (int guard = 0; guard < 10000; ++guard) {
    while (next_ack < c.acks.size() && c.acks[next_ack].at < cursor) ++next_ack;
    enum { kNone, kEnd, kAck, kExpiry, kEscalate } kind = kNone;
    Instant t = Instant::max();
    auto offer = [&](decltype(kind) k, Instant when) {
      if (when < t) {
        t = when;
        kind = k;
      }
    };
    if (c.ended) offer(kEnd, std::max(*c.ended, cursor));
    if (!acked && next_ack < c.acks.size()) offer(kAck, c.acks[next_ack].at);
    if (acked && !resolve_on_ack && ladder.acknowledgement_lasts.count() > 0) {
      offer(kExpiry, ack_at + ladder.acknowledgement_lasts);
    }
    if (!acked && level < levels)
      offer(kEscalate, since + ladder.levels[level - 1].acknowledge_within);
    if (kind == kNone) break;
    if (kind == kEnd) {
      PlannedStep term = Terminal(c, level, cycle);
      term.event_id = StepId(c.clock_id, term);
      plan.steps.push_back(std::move(term));
      plan.terminal = true;
      break;
    }
    if (t > horizon) {
      plan.next_wake = t;
      break;
    }
    cursor = t;
    if (kind == kAck) {
      const Acknowledgement& a = c.acks[next_ack++];
      acked = true;
      ack_at = a.at;
      plan.acknowledged_by = a.by;
      push(av::STEP_ACKNOWLEDGED, level, cycle, a.at, &a);
      if (resolve_on_ack) {
        PlannedStep done{av::STEP_RESOLVED, level, cycle, a.at, &a, ""};
        done.event_id = c.clock_id + "/resolved";
        plan.steps.push_back(std::move(done));
        plan.terminal = true;
        break;
      }
    } else if (kind == kExpiry) {
      push(av::STEP_ACK_EXPIRED, level, cycle, t, nullptr);
      acked = false;
      plan.acknowledged_by.clear();
      ++cycle;
      since = t;
    } else {
      ++level;
      since = t;
      push(av::STEP_ESCALATED, level, cycle, t, nullptr);
    }
  }
  plan.level = level;
  plan.acknowledged = acked;
  return plan;
}

namespace {

av::AlertEvent MakeEvent(const ClockPolicy& policy, const ClockInstance& c, const PlannedStep& s,
                         Instant emitted_at) {
  const Rule& rule = policy.rules[c.rule];
  const Ladder& ladder = policy.ladders[rule.ladder];
  av::AlertEvent e;
  e.set_event_id(s.event_id);
  e.set_alert_id(AlertId(c.clock_id, s.level));
  e.set_clock_id(c.clock_id);
  e.set_step(s.step);
  e.set_child_id(c.child_id);
  e.set_rule_id(rule.id);
  e.set_rule_title(rule.title);
  e.set_anchor_event_id(c.anchor_event_id);
  e.set_anchor_ref(c.anchor_ref);
  e.set_team_id(c.team_id);
  *e.mutable_started_at() = ToTimestamp(c.started);
  *e.mutable_due_at() = ToTimestamp(c.due);
  e.set_level(s.level);
  std::size_t li = static_cast<std::size_t>(std::max(s.level, 1) - 1);
  e.set_level_role(li < ladder.levels.size() ? ladder.levels[li].role : "");
  *e.mutable_at() = ToTimestamp(s.at);
  *e.mutable_emitted_at() = ToTimestamp(emitted_at);
  e.set_cycle(s.cycle);
  e.set_ladder(ladder.id);
  e.set_levels(static_cast<int>(ladder.levels.size()));
  if (s.ack != nullptr) {
    e.set_acknowledged_by(s.ack->by);
    e.set_note(s.ack->note);
    if (s.step == av::STEP_ACKNOWLEDGED && !rule.stop.empty() &&
        ladder.acknowledgement_lasts.count() > 0) {
      *e.mutable_acknowledged_until() = ToTimestamp(s.ack->at + ladder.acknowledgement_lasts);
    }
  }
  if (s.step == av::STEP_RESOLVED) {
    if (s.ack != nullptr) {
      e.set_reason("acknowledged; the rule awaits no event");
    } else {
      e.set_stop_event_id(c.end_event_id);
      e.set_late_by_seconds(
          std::chrono::duration_cast<std::chrono::seconds>(*c.ended - c.due).count());
      e.set_reason(*c.ended < c.due ? "awaited event happened in time (recorded late)"
                                    : c.end_reason);
    }
  }
  if (s.step == av::STEP_CANCELLED) e.set_reason(c.end_reason);
  return e;
}

wv::Deadline OpenRow(const ClockPolicy& policy, const ClockInstance& c, const AlertPlan& plan) {
  wv::Deadline d;
  d.set_clock_id(c.clock_id);
  d.set_child_id(c.child_id);
  d.set_rule_id(policy.rules[c.rule].id);
  d.set_anchor_event_id(c.anchor_event_id);
  d.set_team_id(c.team_id);
  *d.mutable_started_at() = ToTimestamp(c.started);
  *d.mutable_due_at() = ToTimestamp(c.due);
  if (plan.next_wake) *d.mutable_next_wake() = ToTimestamp(*plan.next_wake);
  d.set_raised(plan.level > 0);
  d.set_level(plan.level);
  d.set_acknowledged(plan.acknowledged);
  d.set_acknowledged_by(plan.acknowledged_by);
  return d;
}

}  // namespace

Reconciled ReconcileChild(const ClockPolicy& policy, const std::string& child_id,
                          std::span<const v1::Envelope> events, const wv::ChildLedger& previous,
                          Instant horizon, Instant emitted_at) {
  Reconciled out;
  std::map<std::string, wv::ClockLedger> ledgers;
  for (const wv::ClockLedger& l : previous.clocks()) ledgers[l.clock_id()] = l;
  std::set<std::string> derived;
  for (const ClockInstance& c : DeriveClocks(policy, child_id, events)) {
    derived.insert(c.clock_id);
    auto found = ledgers.find(c.clock_id);
    wv::ClockLedger* ledger = found == ledgers.end() ? nullptr : &found->second;
    if (ledger != nullptr && ledger->closed()) continue;
    AlertPlan plan = PlanAlert(policy, c, horizon);
    std::set<std::string> seen;
    if (ledger != nullptr) seen.insert(ledger->emitted().begin(), ledger->emitted().end());
    std::vector<const PlannedStep*> fresh;
    for (const PlannedStep& s : plan.steps) {
      if (!seen.contains(s.event_id)) fresh.push_back(&s);
    }
    // A clock that is already over when first reconciled with nothing emitted stays silent:
    // replaying history, or catching up after downtime, never alerts what was already resolved.
    if (plan.terminal && ledger == nullptr) continue;
    PlannedStep late_terminal;
    if (plan.terminal && plan.steps.empty()) {
      // Raised earlier, but the awaited event turned out to be in time (or the clock moot).
      late_terminal = Terminal(c, ledger->level(), ledger->cycle());
      late_terminal.event_id = StepId(c.clock_id, late_terminal);
      fresh.push_back(&late_terminal);
    } else if (ledger == nullptr && fresh.empty()) {
      out.open.push_back(OpenRow(policy, c, plan));
      continue;
    }
    if (ledger == nullptr) {
      wv::ClockLedger fresh_ledger;
      fresh_ledger.set_clock_id(c.clock_id);
      fresh_ledger.set_rule_id(policy.rules[c.rule].id);
      fresh_ledger.set_anchor_event_id(c.anchor_event_id);
      *fresh_ledger.mutable_due_at() = ToTimestamp(c.due);
      ledger = &(ledgers[c.clock_id] = fresh_ledger);
    }
    for (const PlannedStep* s : fresh) {
      out.emit.push_back(MakeEvent(policy, c, *s, emitted_at));
      ledger->add_emitted(s->event_id);
      ledger->set_level(std::max(ledger->level(), s->level));
      ledger->set_cycle(std::max(ledger->cycle(), s->cycle));
      if (s->step == av::STEP_RESOLVED || s->step == av::STEP_CANCELLED) ledger->set_closed(true);
    }
    if (plan.terminal) ledger->set_closed(true);
    if (!ledger->closed()) out.open.push_back(OpenRow(policy, c, plan));
  }
  // Clocks whose starting event was retracted or corrected away.
  for (auto& [id, ledger] : ledgers) {
    if (derived.contains(id) || ledger.closed()) continue;
    av::AlertEvent e;
    e.set_event_id(id + "/cancelled");
    e.set_alert_id(AlertId(id, std::max(ledger.level(), 1)));
    e.set_clock_id(id);
    e.set_step(av::STEP_CANCELLED);
    e.set_child_id(child_id);
    e.set_rule_id(ledger.rule_id());
    e.set_anchor_event_id(ledger.anchor_event_id());
    *e.mutable_due_at() = ledger.due_at();
    e.set_level(std::max(ledger.level(), 1));
    e.set_cycle(ledger.cycle());
    *e.mutable_at() = ToTimestamp(emitted_at);
    *e.mutable_emitted_at() = ToTimestamp(emitted_at);
    e.set_reason("the starting event was retracted or corrected");
    out.emit.push_back(std::move(e));
    ledger.add_emitted(id + "/cancelled");
    ledger.set_closed(true);
  }
  for (auto& [id, ledger] : ledgers) *out.ledger.add_clocks() = std::move(ledger);
  return out;
}

std::vector<av::AlertEvent> AlertEngine::Apply(std::span<const v1::Envelope> events,
                                               Instant horizon, Instant emitted_at) {
  std::set<std::string> touched;
  for (const v1::Envelope& e : events) {
    if (!event_ids_.insert(e.event_id()).second) continue;
    events_[e.child_id()].push_back(e);
    touched.insert(e.child_id());
  }
  std::vector<av::AlertEvent> out;
  for (const std::string& child : touched) {
    auto emitted = Reconcile(child, horizon, emitted_at);
    out.insert(out.end(), emitted.begin(), emitted.end());
  }
  return out;
}

std::vector<av::AlertEvent> AlertEngine::Tick(Instant now) {
  std::vector<std::string> due;
  for (auto it = wakes_.begin(); it != wakes_.end() && it->first <= now; ++it) {
    due.push_back(it->second);
  }
  std::vector<av::AlertEvent> out;
  for (const std::string& child : due) {
    auto emitted = Reconcile(child, now, now);
    out.insert(out.end(), emitted.begin(), emitted.end());
  }
  return out;
}

std::vector<av::AlertEvent> AlertEngine::Reconcile(const std::string& child, Instant horizon,
                                                   Instant emitted_at) {
  Reconciled r =
      ReconcileChild(policy_, child, events_[child], ledgers_[child], horizon, emitted_at);
  ledgers_[child] = std::move(r.ledger);
  if (auto it = wake_of_.find(child); it != wake_of_.end()) {
    wakes_.erase({it->second, child});
    wake_of_.erase(it);
  }
  std::optional<Instant> wake;
  for (const wv::Deadline& d : r.open) {
    if (!d.has_next_wake()) continue;
    Instant w = ToInstant(d.next_wake());
    if (!wake || w < *wake) wake = w;
  }
  if (wake) {
    wake_of_[child] = *wake;
    wakes_.insert({*wake, child});
  }
  open_[child] = std::move(r.open);
  return std::move(r.emit);
}

std::vector<wv::Deadline> AlertEngine::OpenClocks() const {
  std::vector<wv::Deadline> out;
  for (const auto& [child, open] : open_) out.insert(out.end(), open.begin(), open.end());
  return out;
}

}  // namespace sightline::domain
