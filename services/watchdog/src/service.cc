#include "service.h"

#include <google/protobuf/util/time_util.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "sightline/core/ids.h"
#include "sightline/kafka/dead_letter.h"

namespace sightline::watchdog_service {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;
namespace av = alerts::v1;
namespace wv = watchdog::v1;

std::string Iso(const google::protobuf::Timestamp& t) {
  return t.seconds() == 0 && t.nanos() == 0 ? "" : google::protobuf::util::TimeUtil::ToString(t);
}

std::string Iso(Instant t) { return Iso(ToTimestamp(t)); }

json DeadlineJson(const wv::Deadline& d) {
  return {{"clock_id", d.clock_id()},
          {"child_id", d.child_id()},
          {"rule_id", d.rule_id()},
          {"anchor_event_id", d.anchor_event_id()},
          {"team_id", d.team_id()},
          {"started_at", Iso(d.started_at())},
          {"due_at", Iso(d.due_at())},
          {"next_wake", d.has_next_wake() ? Iso(d.next_wake()) : ""},
          {"raised", d.raised()},
          {"level", d.level()},
          {"acknowledged", d.acknowledged()},
          {"acknowledged_by", d.acknowledged_by()}};
}

http::Response Json(int status, const json& body) {
  http::Response r;
  r.status = status;
  r.body = body.dump() + "\n";
  return r;
}

}  // namespace

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  auto& r = *registry_;
  events = &prometheus::BuildCounter()
                .Name("sightline_watchdog_events_total")
                .Help("Consumed events by outcome (applied, duplicate, dead_lettered)")
                .Register(r);
  alert_events = &prometheus::BuildCounter()
                      .Name("sightline_watchdog_alert_events_total")
                      .Help("Alert lifecycle events put in the outbox, by step and rule")
                      .Register(r);
  open_clocks = &prometheus::BuildGauge()
                     .Name("sightline_watchdog_open_clocks")
                     .Help("Clocks running (not yet stopped or cancelled), by rule")
                     .Register(r);
  alerts = &prometheus::BuildGauge()
                .Name("sightline_watchdog_alerts")
                .Help("Open alerts by state (unacknowledged, acknowledged) and ladder level")
                .Register(r);
  lag = &prometheus::BuildGauge()
             .Name("sightline_watchdog_consumer_lag")
             .Help("High watermark minus the next offset applied, per partition")
             .Register(r);
  oldest_breach = &prometheus::BuildGauge()
                       .Name("sightline_watchdog_oldest_breach_seconds")
                       .Help("How long the longest-overdue open alert has been overdue")
                       .Register(r)
                       .Add({});
  outbox = &prometheus::BuildGauge()
                .Name("sightline_watchdog_outbox_pending")
                .Help("Alert events committed but not yet acknowledged by the alerts topic")
                .Register(r)
                .Add({});
  caught_up = &prometheus::BuildGauge()
                   .Name("sightline_watchdog_caught_up")
                   .Help("1 when every partition is consumed up to its high watermark")
                   .Register(r)
                   .Add({});
  delay = &prometheus::BuildHistogram()
               .Name("sightline_watchdog_alert_delay_seconds")
               .Help("From the moment a raise or escalation fell due to its alert event")
               .Register(r)
               .Add({}, prometheus::Histogram::BucketBoundaries{0.5, 1, 2, 5, 10, 30, 60, 300, 900,
                                                                3600, 86400});
}

Service::Service(const WatchdogConfig& config, WatchdogState& state, kafka::Consumer& consumer,
                 kafka::Producer& producer, const Clock& clock, Metrics& metrics)
    : config_(config),
      state_(state),
      consumer_(consumer),
      producer_(producer),
      clock_(clock),
      metrics_(metrics) {}

Progress Service::Snapshot() const {
  std::lock_guard lock(mu_);
  return progress_;
}

Status Service::Start(const std::atomic<bool>& stop) {
  while (!stop) {
    auto stored = state_.Offsets();
    if (!stored.ok()) return stored.status();
    auto next = consumer_.AssignFrom(stored.value(), milliseconds(5000));
    if (!next.ok()) {
      std::cerr << "sightline-watchdog: " << next.status().ToString() << "; retrying\n";
      std::this_thread::sleep_for(milliseconds(500));
      continue;
    }
    std::lock_guard lock(mu_);
    progress_.applied_next = next.value();
    return Status::Ok();
  }
  return Status::Ok();
}

void Service::Observe(const Change& change) {
  metrics_.events->Add({{"outcome", "applied"}}).Increment(static_cast<double>(change.applied));
  metrics_.events->Add({{"outcome", "duplicate"}})
      .Increment(static_cast<double>(change.duplicates));
  metrics_.events->Add({{"outcome", "dead_lettered"}})
      .Increment(static_cast<double>(change.dead.size()));
  for (const av::AlertEvent& e : change.emitted) {
    std::string step = av::Step_Name(e.step()).substr(5);
    metrics_.alert_events->Add({{"step", step}, {"rule", e.rule_id()}}).Increment();
    if (e.step() == av::STEP_RAISED || e.step() == av::STEP_ESCALATED) {
      metrics_.delay->Observe(std::max(
          0.0,
          std::chrono::duration<double>(ToInstant(e.emitted_at()) - ToInstant(e.at())).count()));
    }
  }
}

Status Service::ApplyRecords(const std::vector<kafka::Record>& records) {
  auto change = state_.ApplyBatch(records, std::chrono::system_clock::now(), clock_.Now());
  if (!change.ok()) return change.status();
  if (!change.value().dead.empty()) {
    std::vector<kafka::OutboundMessage> out;
    for (const DeadLetter& d : change.value().dead) {
      out.push_back(kafka::DeadLetterMessage(config_.dlq_topic, config_.topic, *d.record, d.reason,
                                             d.detail, "sightline-watchdog"));
    }
    for (const kafka::Delivery& delivery : producer_.SendAndWait(out)) {
      if (!delivery.status.ok())
        return Unavailable("dead-letter topic: " + delivery.status.message());
    }
  }
  if (Status s = state_.Commit(change.value()); !s.ok()) return s;
  Observe(change.value());
  {
    std::lock_guard lock(mu_);
    for (const auto& [p, next] : change.value().next_offsets) progress_.applied_next[p] = next;
  }
  consumer_.CommitAdvisory(change.value().next_offsets);
  return Status::Ok();
}

Status Service::MaybeTick() {
  Instant now = clock_.Now();  // Before the watermarks: what they cover happened by now.
  auto hw = consumer_.HighWatermarks(milliseconds(3000));
  bool caught_up = hw.ok();
  {
    std::lock_guard lock(mu_);
    progress_.clock_now = now;
    if (hw.ok()) {
      progress_.high_watermark = hw.value();
      for (const auto& [p, high] : hw.value()) {
        std::int64_t applied = progress_.applied_next[p];
        metrics_.lag->Add({{"partition", std::to_string(p)}})
            .Set(static_cast<double>(std::max<std::int64_t>(high - applied, 0)));
        caught_up = caught_up && applied >= high;
      }
    } else {
      progress_.last_error = hw.status().ToString();
    }
    progress_.caught_up = caught_up;
  }
  metrics_.caught_up->Set(caught_up ? 1 : 0);
  if (!caught_up) return Status::Ok();
  auto change = state_.Tick(now);
  if (!change.ok()) return change.status();
  if (Status s = state_.Commit(change.value()); !s.ok()) return s;
  Observe(change.value());
  ticked_ = now;  // Published once the outbox is drained (see Run).
  return Status::Ok();
}

void Service::RefreshOutboxDepth() {
  auto n = state_.OutboxDepth();
  if (!n.ok()) return;  // Only a gauge; the next drain tries again.
  metrics_.outbox->Set(static_cast<double>(n.value()));
  std::lock_guard lock(mu_);
  progress_.outbox_pending = n.value();
}

Status Service::Drain() {
  for (bool sent = false;; sent = true) {
    auto rows = state_.Outbox(500);
    if (!rows.ok()) return rows.status();
    if (rows.value().empty()) {
      if (sent) RefreshOutboxDepth();  // Now 0; an idle loop reads nothing more.
      break;
    }
    std::vector<kafka::OutboundMessage> out;
    std::vector<std::string> keys;
    for (const auto& [key, value] : rows.value()) {
      av::AlertEvent e;
      if (!e.ParseFromString(value)) return Internal("outbox row is not an AlertEvent");
      out.push_back({config_.alerts_topic,
                     e.child_id(),
                     value,
                     {{"sightline-alert-event-id", e.event_id()}}});
      keys.push_back(key);
    }
    for (const kafka::Delivery& d : producer_.SendAndWait(out)) {
      if (!d.status.ok()) {
        RefreshOutboxDepth();
        return Unavailable("alerts topic: " + d.status.message());
      }
    }
    if (Status s = state_.DeleteOutbox(keys); !s.ok()) return s;
  }
  return Status::Ok();
}

void Service::RefreshGauges() {
  auto open = state_.OpenClocks();
  if (!open.ok()) return;
  std::map<std::string, int> by_rule;
  std::map<std::pair<std::string, int>, int> alerts;
  for (const auto& r : rules_seen_) by_rule[r] = 0;
  std::optional<Instant> oldest;
  for (const wv::Deadline& d : open.value()) {
    ++by_rule[d.rule_id()];
    rules_seen_.insert(d.rule_id());
    if (!d.raised()) continue;
    ++alerts[{d.acknowledged() ? "acknowledged" : "unacknowledged", d.level()}];
    Instant due = ToInstant(d.due_at());
    if (!oldest || due < *oldest) oldest = due;
  }
  for (const auto& [rule, n] : by_rule) metrics_.open_clocks->Add({{"rule", rule}}).Set(n);
  for (auto& [key, n] : alert_levels_seen_) n = 0;
  for (const auto& [key, n] : alerts) alert_levels_seen_[key] = n;
  for (const auto& [key, n] : alert_levels_seen_) {
    metrics_.alerts->Add({{"state", key.first}, {"level", std::to_string(key.second)}}).Set(n);
  }
  metrics_.oldest_breach->Set(
      oldest ? std::max(0.0, std::chrono::duration<double>(clock_.Now() - *oldest).count()) : 0);
}

Status Service::Run(const std::atomic<bool>& stop) {
  if (Status s = Start(stop); !s.ok()) return s;
  auto last_tick = steady_clock::now() - std::chrono::hours(1);
  auto last_gauges = last_tick;
  milliseconds backoff(100);
  while (!stop) {
    Status s = Drain();
    if (s.ok() && steady_clock::now() - last_tick >= config_.tick) {
      s = MaybeTick();
      last_tick = steady_clock::now();
      if (s.ok()) s = Drain();
      if (s.ok() && ticked_) {
        std::lock_guard lock(mu_);
        progress_.horizon = ticked_;
      }
    }
    if (s.ok() && steady_clock::now() - last_gauges >= std::chrono::seconds(2)) {
      RefreshGauges();
      last_gauges = steady_clock::now();
    }
    if (s.ok()) {
      auto records = consumer_.Poll(config_.batch_max_events, config_.batch_wait);
      if (!records.ok()) {
        s = records.status();
      } else if (!records.value().empty()) {
        s = ApplyRecords(records.value());
        if (s.ok()) s = Drain();
      }
    }
    if (s.ok()) {
      backoff = milliseconds(100);
      std::lock_guard lock(mu_);
      progress_.last_error.clear();
      continue;
    }
    if (s.code() == StatusCode::kInternal) return s;
    std::cerr << "sightline-watchdog: " << s.ToString() << "; retrying in " << backoff.count()
              << " ms\n";
    {
      std::lock_guard lock(mu_);
      progress_.last_error = s.ToString();
    }
    auto until = steady_clock::now() + backoff;
    while (!stop && steady_clock::now() < until) std::this_thread::sleep_for(milliseconds(20));
    backoff = std::min(backoff * 2, milliseconds(5000));
    if (Status r = Start(stop); !r.ok() && r.code() == StatusCode::kInternal) return r;
  }
  return Status::Ok();
}

void Service::Register(http::Server& server) {
  server.Get("/healthz", [](const http::Request&) { return Json(200, {{"status", "ok"}}); });
  auto status_json = [this] {
    Progress p = Snapshot();
    json parts = json::array();
    for (const auto& [part, next] : p.applied_next) {
      auto hw = p.high_watermark.find(part);
      parts.push_back({{"partition", part},
                       {"applied_next", next},
                       {"high_watermark", hw == p.high_watermark.end() ? -1 : hw->second}});
    }
    return json{{"caught_up", p.caught_up},
                {"clock_now", Iso(p.clock_now)},
                {"horizon", p.horizon ? Iso(*p.horizon) : ""},
                {"horizon_unix", p.horizon ? std::chrono::duration_cast<std::chrono::seconds>(
                                                 p.horizon->time_since_epoch())
                                                 .count()
                                           : 0},
                {"outbox_pending", p.outbox_pending},
                {"partitions", parts},
                {"last_error", p.last_error}};
  };
  server.Get("/readyz", [status_json](const http::Request&) {
    json body = status_json();
    return Json(body["caught_up"].get<bool>() ? 200 : 503, body);
  });
  server.Get("/v1/status",
             [status_json](const http::Request&) { return Json(200, status_json()); });
  server.Get("/v1/alerts", [this](const http::Request&) {
    auto open = state_.OpenClocks();
    if (!open.ok()) return Json(503, {{"error", open.status().message()}});
    json alerts = json::array();
    for (const wv::Deadline& d : open.value()) {
      if (d.raised()) alerts.push_back(DeadlineJson(d));
    }
    return Json(200, {{"alerts", alerts}});
  });
  server.Get("/v1/children/:id/clocks", [this](const http::Request& req) {
    const std::string& child = req.path_params.at("id");
    if (!IsWellFormedId(child)) {
      return Json(400, {{"error", "id: not a well-formed child id"}});
    }
    auto open = state_.OpenClocks();
    if (!open.ok()) return Json(503, {{"error", open.status().message()}});
    json clocks = json::array();
    for (const wv::Deadline& d : open.value()) {
      if (d.child_id() == child) clocks.push_back(DeadlineJson(d));
    }
    return Json(200, {{"child_id", child}, {"clocks", clocks}});
  });
}

}  // namespace sightline::watchdog_service
