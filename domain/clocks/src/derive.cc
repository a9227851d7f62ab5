// Which clocks a child's events start, and how each ends (DeriveClocks in clocks.h).
#include "sightline/domain/clocks/clocks.h"

#include <algorithm>
#include <map>
#include <set>

#include "sightline/domain/clocks/subjects.h"
#include "sightline/domain/events/effective.h"
#include "sightline/domain/events/names.h"

namespace sightline::domain {
namespace {

namespace pb = google::protobuf;
namespace v1 = events::v1;
using P = v1::Envelope::PayloadCase;

std::string RefOf(const v1::Envelope& e, const std::string& field) {
  if (field.empty()) return "";
  const pb::FieldDescriptor* f = v1::CaseRefs::descriptor()->FindFieldByName(field);
  return f == nullptr ? "" : e.refs().GetReflection()->GetString(e.refs(), f);
}

bool AnyMatches(const std::vector<Matcher>& ms, const v1::Envelope& e) {
  return std::any_of(ms.begin(), ms.end(), [&](const Matcher& m) { return m.Matches(e); });
}

using Events = std::vector<const v1::Envelope*>;

// The payload of an event, as a message (reflection).
const pb::Message* PayloadOf(const v1::Envelope& e) {
  const pb::FieldDescriptor* f =
      v1::Envelope::descriptor()->FindFieldByNumber(static_cast<int>(e.payload_case()));
  return f == nullptr ? nullptr : &e.GetReflection()->GetMessage(e, f);
}

// The start time of a clock: the event's occurred_at, local midnight of a payload date, or when
// the earlier event the rule names (from_event) happened, for the same ref.
std::optional<Instant> StartTime(const Rule& r, const v1::Envelope& e, const Events& events) {
  if (!r.from_event.empty()) {
    std::string ref = RefOf(e, r.match);
    if (!ref.empty()) {
      for (const v1::Envelope* earlier : events) {
        if (PayloadName(*earlier) == r.from_event && RefOf(*earlier, r.match) == ref)
          return ToInstant(earlier->occurred_at());
      }
    }
  }
  if (r.from == "occurred_at") return ToInstant(e.occurred_at());
  const pb::Message* p = PayloadOf(e);
  if (p == nullptr) return std::nullopt;
  const pb::Message& payload = *p;
  const pb::FieldDescriptor* field = payload.GetDescriptor()->FindFieldByName(r.from);
  if (field == nullptr) return std::nullopt;
  auto day = ParseDay(payload.GetReflection()->GetString(payload, field));
  if (!day) return std::nullopt;
  return LocalMidnight(*day);
}

// The value of a scalar payload field as text (enum numbers, strings, bools), "" when absent.
std::string FieldText(const v1::Envelope& e, const std::string& name) {
  const pb::Message* p = PayloadOf(e);
  if (p == nullptr) return "";
  const pb::FieldDescriptor* f = p->GetDescriptor()->FindFieldByName(name);
  if (f == nullptr || f->is_repeated()) return "";
  const pb::Reflection* r = p->GetReflection();
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_ENUM:
      return std::to_string(r->GetEnumValue(*p, f));
    case pb::FieldDescriptor::CPPTYPE_STRING:
      return r->GetString(*p, f);
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      return r->GetBool(*p, f) ? "true" : "false";
    default:
      return "";
  }
}

// Whether events[i] starts a clock of `r`: it matches the start and, when the rule requires an
// earlier event, one before it matches (with the same value of `same`).
bool Starts(const Rule& r, const Events& events, std::size_t i) {
  // Imported history starts no clock: it is done work, not work now (envelope.proto, Imported).
  if (events[i]->has_imported() || !r.start.Matches(*events[i])) return false;
  if (!r.requires_earlier) return true;
  std::string value = r.same.empty() ? "" : FieldText(*events[i], r.same);
  for (std::size_t j = 0; j < i; ++j) {
    if (!r.requires_earlier->Matches(*events[j])) continue;
    if (r.same.empty() || FieldText(*events[j], r.same) == value) return true;
  }
  return false;
}

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

ClockInstance NewClock(const ClockPolicy& policy, std::size_t rule_index, const std::string& stream,
                       const v1::Envelope& anchor, Instant started, const std::string& ref) {
  const Rule& r = policy.rules[rule_index];
  ClockInstance c;
  c.rule = rule_index;
  c.subject = SubjectOfStream(stream);
  switch (r.scope) {
    case Scope::kChild:
      c.child_id = stream;
      break;
    case Scope::kHousehold:
      c.child_id = anchor.child_id();
      break;
    case Scope::kTeam:
    case Scope::kServiceArea:
      break;
  }
  c.anchor_event_id = anchor.event_id();
  c.clock_id = r.id + "/" + stream + "/" + anchor.event_id();
  c.anchor_ref = ref;
  // A team's clock is the team's; a service area's belongs to no team (default hours).
  c.team_id = r.scope == Scope::kTeam          ? SubjectIdOfStream(stream)
              : r.scope == Scope::kServiceArea ? ""
                                               : anchor.actor().team_id();
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

void DeriveRecurring(const ClockPolicy& policy, std::size_t ri, const std::string& stream,
                     const Events& events, std::vector<ClockInstance>& out) {
  const Rule& r = policy.rules[ri];
  std::size_t i = 0;
  while (i < events.size()) {
    if (!Starts(r, events, i)) {
      ++i;
      continue;
    }
    std::string ref = RefOf(*events[i], r.match);
    auto started = StartTime(r, *events[i], events);
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
      ClockInstance c = NewClock(policy, ri, stream, *events[anchor], anchor_time, ref);
      const Limit& limit = r.limits[std::min(n, r.limits.size() - 1)];
      c.due = policy.OverdueAt(limit, anchor_time, c.team_id);
      // Only a stop event for the same piece of work restarts the clock: a visit recorded
      // against another plan (or against none) is not a visit under this one.
      auto restarts = [&](const v1::Envelope& e) {
        return AnyMatches(r.stop, e) && (r.match.empty() || RefOf(e, r.match) == ref);
      };
      std::size_t next = anchor + 1;
      while (next < state_end && !restarts(*events[next])) ++next;
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

void DeriveCount(const ClockPolicy& policy, std::size_t ri, const std::string& stream,
                 const Events& events, std::vector<ClockInstance>& out) {
  const Rule& r = policy.rules[ri];
  std::vector<std::size_t> hits;
  std::set<std::string> refs;  // With `match`, each piece of work counts once: one contact
                               // about three siblings is one contact to their household.
  std::optional<Instant> last_trigger;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (!Starts(r, events, i)) continue;
    std::string ref = RefOf(*events[i], r.match);
    if (!ref.empty() && !refs.insert(ref).second) continue;
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
    ClockInstance c = NewClock(policy, ri, stream, *events[i], t, ref);
    EndOneOff(r, events, i, c);
    out.push_back(std::move(c));
  }
}
}  // namespace

std::vector<ClockInstance> DeriveClocks(const ClockPolicy& policy, const std::string& stream,
                                        std::span<const v1::Envelope> input) {
  Effective effective = Resolve(input);
  const Events& events = effective.events;
  Scope scope = ScopeOfStream(stream);
  std::vector<ClockInstance> out;
  for (std::size_t ri = 0; ri < policy.rules.size(); ++ri) {
    const Rule& r = policy.rules[ri];
    if (r.scope != scope) continue;
    switch (r.kind) {
      case RuleKind::kRecurring:
        DeriveRecurring(policy, ri, stream, events, out);
        break;
      case RuleKind::kCount:
        DeriveCount(policy, ri, stream, events, out);
        break;
      case RuleKind::kDeadline:
      case RuleKind::kImmediate:
        for (std::size_t i = 0; i < events.size(); ++i) {
          if (!Starts(r, events, i)) continue;
          auto started = StartTime(r, *events[i], events);
          if (!started) continue;
          ClockInstance c =
              NewClock(policy, ri, stream, *events[i], *started, RefOf(*events[i], r.match));
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

}  // namespace sightline::domain
