#include "sightline/domain/clocks/clocks.h"

#include <algorithm>

#include "sightline/domain/clocks/subjects.h"

namespace sightline::domain {
namespace {

namespace v1 = events::v1;
namespace av = alerts::v1;
namespace wv = watchdog::v1;

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

AlertPlan PlanAlert(const ClockPolicy& policy, const ClockInstance& c, Instant horizon) {
  AlertPlan plan;
  const Rule& rule = policy.rules[c.rule];
  const Ladder& ladder = policy.ladders[rule.ladder];
  int top = policy.TopLevel(rule);
  bool resolve_on_ack = rule.stop.empty();
  // The first page: when the clock falls due, or for a rule that is not urgent, the team's next
  // opening after that (docs/adr/0010-paging.md).
  Instant first = rule.urgent ? c.due : policy.NextInHours(c.due, c.team_id);
  // Ended before its first page, or ended by an event we already hold although the page is past
  // the horizon: no alert. (A late decision still counts as late in the figures.)
  if (c.ended && (*c.ended < first || first > horizon)) {
    plan.terminal = true;
    return plan;
  }
  if (first > horizon) {
    plan.next_wake = first;
    return plan;
  }
  auto wait = [&](Instant from, std::chrono::minutes w) {
    return policy.AfterWait(from, w, rule.urgent, c.team_id);
  };
  auto push = [&](av::Step s, int level, int cycle, Instant at, const Acknowledgement* ack) {
    PlannedStep p{s, level, cycle, at, ack, ""};
    p.event_id = StepId(c.clock_id, p);
    plan.steps.push_back(std::move(p));
  };
  int level = 1, cycle = 0;
  bool acked = false;
  Instant since = first, cursor = first, ack_at{};
  push(av::STEP_RAISED, 1, 0, first, nullptr);
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
      offer(kExpiry, wait(ack_at, ladder.acknowledgement_lasts));
    }
    if (!acked && level < top)
      offer(kEscalate, wait(since, ladder.levels[level - 1].acknowledge_within));
    if (kind == kNone) break;
    // Steps are taken in event time up to the horizon, the end included: an end recorded ahead
    // of the horizon waits for it, so that an acknowledgement made before the end but consumed
    // after it is still the alert's (a batch that holds the end but not yet the acknowledgement
    // must not close the alert without it).
    if (t > horizon) {
      plan.next_wake = t;
      break;
    }
    if (kind == kEnd) {
      PlannedStep term = Terminal(c, level, cycle);
      term.event_id = StepId(c.clock_id, term);
      plan.steps.push_back(std::move(term));
      plan.terminal = true;
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
  e.set_subject(c.subject);
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
  e.set_levels(policy.TopLevel(rule));
  e.set_urgent(rule.urgent);
  Page page = PageFor(policy, rule, s.level, s.at, c.team_id);
  for (const std::string& r : page.roles) e.add_paged_roles(r);
  for (const auto& [rota, user] : page.on_call) {
    av::OnCall* who = e.add_on_call();
    who->set_rota(rota);
    who->set_user_id(user);
  }
  e.set_out_of_hours(!policy.InHours(s.at, c.team_id));
  if (s.ack != nullptr) {
    e.set_acknowledged_by(s.ack->by);
    e.set_note(s.ack->note);
    if (s.step == av::STEP_ACKNOWLEDGED && !rule.stop.empty() &&
        ladder.acknowledgement_lasts.count() > 0) {
      *e.mutable_acknowledged_until() = ToTimestamp(
          policy.AfterWait(s.ack->at, ladder.acknowledgement_lasts, rule.urgent, c.team_id));
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
  d.set_subject(c.subject);
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

std::string StreamOfAlert(const av::AlertEvent& event) {
  return event.subject().empty() ? event.child_id() : "@" + event.subject();
}

bool MarkEmitted(wv::ChildLedger& ledger, const av::AlertEvent& event) {
  if (event.clock_id().empty() || event.step() == av::STEP_HEARTBEAT) return false;
  wv::ClockLedger* clock = nullptr;
  for (wv::ClockLedger& c : *ledger.mutable_clocks()) {
    if (c.clock_id() == event.clock_id()) clock = &c;
  }
  if (clock == nullptr) {
    clock = ledger.add_clocks();
    clock->set_clock_id(event.clock_id());
    clock->set_rule_id(event.rule_id());
    clock->set_anchor_event_id(event.anchor_event_id());
    *clock->mutable_due_at() = event.due_at();
  }
  for (const std::string& id : clock->emitted()) {
    if (id == event.event_id()) return false;
  }
  clock->add_emitted(event.event_id());
  clock->set_level(std::max(clock->level(), event.level()));
  clock->set_cycle(std::max(clock->cycle(), event.cycle()));
  if (event.step() == av::STEP_RESOLVED || event.step() == av::STEP_CANCELLED)
    clock->set_closed(true);
  std::sort(ledger.mutable_clocks()->begin(), ledger.mutable_clocks()->end(),
            [](const wv::ClockLedger& a, const wv::ClockLedger& b) {
              return a.clock_id() < b.clock_id();
            });
  return true;
}

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
    if (ScopeOfStream(child_id) == Scope::kChild) e.set_child_id(child_id);
    e.set_subject(SubjectOfStream(child_id));
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

}  // namespace sightline::domain
