#include "sightline/domain/notify/notify.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "sightline/core/time.h"

namespace sightline::domain {
namespace {

namespace av = alerts::v1;
namespace nv = notifier::v1;

// "2026-11-23 09:00 (Europe/London)", for people reading a pager.
std::string LocalTime(const google::protobuf::Timestamp& ts) {
  Instant t = ToInstant(ts);
  Instant local = t + LondonOffset(t);
  auto day = std::chrono::floor<std::chrono::days>(local);
  auto minutes = std::chrono::duration_cast<std::chrono::minutes>(local - day).count();
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s %02d:%02d", FormatDay(day).c_str(),
                static_cast<int>(minutes / 60), static_cast<int>(minutes % 60));
  return buf;
}

nv::LevelAlert FromEvent(const av::AlertEvent& e) {
  nv::LevelAlert a;
  a.set_alert_id(e.alert_id());
  a.set_alertname("SightlineClockOverdue");
  a.set_clock_id(e.clock_id());
  a.set_child_id(e.child_id());
  a.set_rule_id(e.rule_id());
  a.set_rule_title(e.rule_title());
  a.set_team_id(e.team_id());
  a.set_level(e.level());
  a.set_level_role(e.level_role());
  a.set_urgent(e.urgent());
  *a.mutable_paged_roles() = e.paged_roles();
  *a.mutable_on_call() = e.on_call();
  *a.mutable_due_at() = e.due_at();
  *a.mutable_started_at() = e.at();
  a.set_state(nv::ALERT_STATE_FIRING);
  *a.mutable_state_since() = e.at();
  *a.mutable_emitted_at() = e.emitted_at();
  return a;
}

void Tell(std::vector<Notice>& out, const nv::LevelAlert& a, nv::Action action) {
  for (const std::string& r : a.receivers()) out.push_back({r, action, a});
}

}  // namespace

std::vector<std::string> RouteReceivers(const std::vector<NotifyRoute>& routes, int level,
                                        const std::string& team) {
  std::vector<std::string> out;
  for (const NotifyRoute& r : routes) {
    if (!r.levels.empty() && !r.levels.count(level)) continue;
    if (!r.teams.empty() && !r.teams.count(team)) continue;
    for (const std::string& name : r.receivers)
      if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  }
  return out;
}

std::vector<Notice> ApplyAlertEvent(nv::ClockNotice& clock, const av::AlertEvent& e,
                                    const std::vector<NotifyRoute>& routes) {
  std::vector<Notice> out;
  const auto& seen = clock.seen_event_ids();
  if (std::find(seen.begin(), seen.end(), e.event_id()) != seen.end()) return out;
  clock.add_seen_event_ids(e.event_id());
  if (clock.clock_id().empty()) clock.set_clock_id(e.clock_id());
  auto* levels = clock.mutable_levels();
  switch (e.step()) {
    case av::STEP_RAISED:
    case av::STEP_ESCALATED: {
      for (const nv::LevelAlert& a : *levels)
        if (a.alert_id() == e.alert_id()) return out;  // Already told (a replayed clock).
      nv::LevelAlert a = FromEvent(e);
      for (const std::string& r : RouteReceivers(routes, e.level(), e.team_id()))
        a.add_receivers(r);
      Tell(out, a, nv::ACTION_TRIGGER);
      *levels->Add() = std::move(a);
      break;
    }
    case av::STEP_ACKNOWLEDGED:
      for (nv::LevelAlert& a : *levels) {
        if (a.state() != nv::ALERT_STATE_FIRING) continue;
        a.set_state(nv::ALERT_STATE_ACKNOWLEDGED);
        *a.mutable_state_since() = e.at();
        a.set_acknowledged_by(e.acknowledged_by());
        Tell(out, a, nv::ACTION_ACKNOWLEDGE);
      }
      break;
    case av::STEP_ACK_EXPIRED:
      for (nv::LevelAlert& a : *levels) {
        if (a.state() != nv::ALERT_STATE_ACKNOWLEDGED) continue;
        a.set_state(nv::ALERT_STATE_FIRING);
        *a.mutable_state_since() = e.at();
        a.clear_acknowledged_by();
        Tell(out, a, nv::ACTION_TRIGGER);
      }
      break;
    case av::STEP_RESOLVED:
    case av::STEP_CANCELLED:
      for (nv::LevelAlert& a : *levels) {
        if (a.state() == nv::ALERT_STATE_RESOLVED) continue;
        a.set_state(nv::ALERT_STATE_RESOLVED);
        *a.mutable_state_since() = e.at();
        a.set_reason(e.reason());
        Tell(out, a, nv::ACTION_RESOLVE);
      }
      break;
    default:
      break;
  }
  return out;
}

std::string Severity(const nv::LevelAlert& a) {
  if (a.alertname() != "SightlineClockOverdue") return "critical";
  if (a.level() <= 1) return "warning";
  if (a.level() == 2) return "error";
  return "critical";
}

std::map<std::string, std::string> AlertLabels(const nv::LevelAlert& a) {
  std::map<std::string, std::string> l = {{"alertname", a.alertname()},
                                          {"alert_id", a.alert_id()},
                                          {"severity", Severity(a)},
                                          {"service", "sightline"}};
  if (!a.rule_id().empty()) l["rule"] = a.rule_id();
  if (a.level() > 0) l["level"] = std::to_string(a.level());
  if (!a.level_role().empty()) l["level_role"] = a.level_role();
  if (a.alertname() == "SightlineClockOverdue") {
    // Routing and grouping (deploy/alertmanager/alertmanager.yml, ADR 0010): rules that are not
    // urgent are grouped per team and role into the morning digest; out of hours, urgent ones
    // go to the rotas named here, with the person on call.
    l["urgency"] = a.urgent() ? "urgent" : "working-hours";
    std::string paged, on_call;
    for (const std::string& r : a.paged_roles()) paged += (paged.empty() ? "" : ",") + r;
    std::map<std::string, std::string> sorted;
    for (const auto& who : a.on_call()) sorted[who.rota()] = who.user_id();
    for (const auto& [rota, user] : sorted)
      on_call += (on_call.empty() ? "" : ",") + rota + ":" + user;
    if (!paged.empty()) l["paged"] = paged;
    if (!on_call.empty()) l["on_call"] = on_call;
  }
  l["team"] = a.team_id().empty() ? "sightline-operations" : a.team_id();
  if (!a.child_id().empty()) l["child"] = a.child_id();
  return l;
}

std::string AlertSummary(const nv::LevelAlert& a) {
  if (!a.summary().empty()) return a.summary();
  std::string s = (a.rule_title().empty() ? a.rule_id() : a.rule_title()) + ": child " +
                  a.child_id() + " overdue since " + LocalTime(a.due_at()) + " (level " +
                  std::to_string(a.level());
  if (!a.level_role().empty()) s += ", " + a.level_role();
  return s + ")";
}

std::string ChildLink(const std::string& base, const nv::LevelAlert& a) {
  if (a.child_id().empty() || base.empty()) return "";
  std::string b = base;
  while (!b.empty() && b.back() == '/') b.pop_back();
  return b + "/#child/" + a.child_id();  // Child ids are [A-Za-z0-9._:-]: no escaping needed.
}

nv::LevelAlert HeartbeatMissingAlert(Instant last_beat, Instant missing_since,
                                     std::chrono::seconds interval) {
  nv::LevelAlert a;
  a.set_alert_id("sightline/heartbeat-missing");
  a.set_alertname("SightlineHeartbeatMissing");
  *a.mutable_started_at() = ToTimestamp(missing_since);
  a.set_state(nv::ALERT_STATE_FIRING);
  *a.mutable_state_since() = ToTimestamp(missing_since);
  *a.mutable_emitted_at() = ToTimestamp(missing_since);
  a.set_summary("No pipeline heartbeat since " + LocalTime(ToTimestamp(last_beat)) +
                " (expected every " + std::to_string(interval.count()) +
                " s): the gateway, Kafka or the watchdog has gone quiet; alerts may not be raised");
  return a;
}

nv::LevelAlert UndeliverableAlert(const std::string& receiver, Instant oldest, Instant since,
                                  std::size_t queued) {
  nv::LevelAlert a;
  a.set_alert_id("sightline/undeliverable/" + receiver);
  a.set_alertname("SightlineUndeliverable");
  *a.mutable_started_at() = ToTimestamp(since);
  a.set_state(nv::ALERT_STATE_FIRING);
  *a.mutable_state_since() = ToTimestamp(since);
  *a.mutable_emitted_at() = ToTimestamp(since);
  a.set_summary("Receiver " + receiver + " has not accepted alerts since " +
                LocalTime(ToTimestamp(oldest)) + "; " + std::to_string(queued) +
                " waiting. On-call managers there are not being told.");
  return a;
}

std::chrono::milliseconds RetryDelay(int failures, std::chrono::milliseconds initial,
                                     std::chrono::milliseconds max, double unit) {
  if (failures <= 0) return std::chrono::milliseconds(0);
  double cap = static_cast<double>(initial.count()) * std::pow(2.0, std::min(failures - 1, 40));
  cap = std::min(cap, static_cast<double>(max.count()));
  // Full jitter, but never below a tenth of the cap, so a retry storm cannot form at zero.
  double wait = cap * (0.1 + 0.9 * std::clamp(unit, 0.0, 1.0));
  return std::chrono::milliseconds(static_cast<std::int64_t>(wait));
}

}  // namespace sightline::domain
