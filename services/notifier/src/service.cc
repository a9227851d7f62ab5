#include "service.h"

#include <google/protobuf/util/time_util.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "payloads.h"
#include "sightline/domain/events/validation.h"
#include "sightline/http/client.h"
#include "sightline/kafka/dead_letter.h"

namespace sightline::notifier_service {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;
namespace nv = notifier::v1;

constexpr std::size_t kWebhookBatch = 20;
constexpr std::size_t kAlertmanagerBatch = 200;

std::string Iso(Instant t) { return google::protobuf::util::TimeUtil::ToString(ToTimestamp(t)); }

double Seconds(Instant::duration d) { return std::chrono::duration<double>(d).count(); }

bool Permanent(int code) { return code >= 400 && code < 500 && code != 408 && code != 429; }

}  // namespace

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  auto& r = *registry_;
  alert_events = &prometheus::BuildCounter()
                      .Name("sightline_notifier_alert_events_total")
                      .Help(
                          "Consumed alert events by outcome (applied, duplicate, heartbeat, "
                          "dead_lettered)")
                      .Register(r);
  deliveries = &prometheus::BuildCounter()
                    .Name("sightline_notifier_deliveries_total")
                    .Help("Deliveries by receiver and outcome (delivered, failed, rejected)")
                    .Register(r);
  latency = &prometheus::BuildHistogram()
                 .Name("sightline_notifier_delivery_latency_seconds")
                 .Help("From the watchdog emitting a raise or escalation to the receiver's 2xx")
                 .Register(r);
  queue_depth = &prometheus::BuildGauge()
                     .Name("sightline_notifier_queue_depth")
                     .Help("Notifications waiting for the receiver (the retry queue)")
                     .Register(r);
  oldest = &prometheus::BuildGauge()
                .Name("sightline_notifier_oldest_undelivered_seconds")
                .Help("How long the oldest notification waiting for the receiver has waited")
                .Register(r);
  circuit_open = &prometheus::BuildGauge()
                      .Name("sightline_notifier_circuit_open")
                      .Help("1 while the receiver's circuit is open (consecutive failures)")
                      .Register(r);
  lag = &prometheus::BuildGauge()
             .Name("sightline_notifier_consumer_lag")
             .Help("High watermark minus the next offset applied, per partition")
             .Register(r);
  heartbeat_age = &prometheus::BuildGauge()
                       .Name("sightline_notifier_heartbeat_age_seconds")
                       .Help(
                           "Age of the newest pipeline heartbeat (since the notifier started "
                           "when none has arrived)")
                       .Register(r)
                       .Add({});
  heartbeat_last = &prometheus::BuildGauge()
                        .Name("sightline_notifier_last_heartbeat_timestamp_seconds")
                        .Help("Unix time of the newest pipeline heartbeat (0: none yet)")
                        .Register(r)
                        .Add({});
}

Service::Service(const NotifierConfig& config, NotifierState& state, kafka::Consumer& consumer,
                 kafka::Producer& producer, const Clock& clock, Metrics& metrics)
    : config_(config),
      state_(state),
      consumer_(consumer),
      producer_(producer),
      clock_(clock),
      metrics_(metrics) {
  for (const ReceiverConfig& r : config_.receivers) {
    receivers_[r.name];
    latency_[r.name] = &metrics_.latency->Add(
        {{"receiver", r.name}},
        prometheus::Histogram::BucketBoundaries{0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600});
    for (const char* outcome : {"delivered", "failed", "rejected"})
      metrics_.deliveries->Add({{"receiver", r.name}, {"outcome", outcome}});
  }
}

Status Service::Start(const std::atomic<bool>& stop) {
  while (!stop) {
    auto stored = state_.Offsets();
    if (!stored.ok()) return stored.status();
    auto next = consumer_.AssignFrom(stored.value(), milliseconds(5000));
    if (!next.ok()) {
      std::cerr << "sightline-notifier: " << next.status().ToString() << "; retrying\n";
      std::this_thread::sleep_for(milliseconds(500));
      continue;
    }
    std::lock_guard lock(mu_);
    applied_next_ = next.value();
    return Status::Ok();
  }
  return Status::Ok();
}

Status Service::Consume() {
  bool full = false;
  for (const ReceiverConfig& r : config_.receivers)
    full = full || state_.QueuedRows(r.name) >= config_.queue_max;
  {
    std::lock_guard lock(mu_);
    paused_ = full;
  }
  if (full) {  // Back-pressure: the alerts wait in Kafka, nothing is dropped.
    std::this_thread::sleep_for(milliseconds(100));
    return Status::Ok();
  }
  auto records = consumer_.Poll(config_.batch_max_events, milliseconds(100));
  if (!records.ok()) return records.status();
  if (records.value().empty()) return Status::Ok();
  auto change = state_.ApplyBatch(records.value(), clock_.Now());
  if (!change.ok()) return change.status();
  if (!change.value().dead.empty()) {
    std::vector<kafka::OutboundMessage> out;
    for (const DeadLetter& d : change.value().dead)
      out.push_back(kafka::DeadLetterMessage(config_.dlq_topic, config_.alerts_topic, *d.record,
                                             d.reason, d.detail, "sightline-notifier"));
    for (const kafka::Delivery& delivery : producer_.SendAndWait(out)) {
      if (!delivery.status.ok())
        return Unavailable("dead-letter topic: " + delivery.status.message());
    }
  }
  if (Status s = state_.Commit(change.value()); !s.ok()) return s;
  const Change& c = change.value();
  metrics_.alert_events->Add({{"outcome", "applied"}}).Increment(static_cast<double>(c.applied));
  metrics_.alert_events->Add({{"outcome", "duplicate"}})
      .Increment(static_cast<double>(c.duplicates));
  metrics_.alert_events->Add({{"outcome", "heartbeat"}})
      .Increment(static_cast<double>(c.heartbeats));
  metrics_.alert_events->Add({{"outcome", "dead_lettered"}})
      .Increment(static_cast<double>(c.dead.size()));
  {
    std::lock_guard lock(mu_);
    for (const auto& [p, next] : c.next_offsets) applied_next_[p] = next;
  }
  consumer_.CommitAdvisory(c.next_offsets);
  return Status::Ok();
}

void Service::Failed(const ReceiverConfig& r, const std::string& why) {
  metrics_.deliveries->Add({{"receiver", r.name}, {"outcome", "failed"}}).Increment();
  std::lock_guard lock(mu_);
  ReceiverStatus& st = receivers_[r.name];
  ++st.failures;
  double unit = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  st.next_attempt = steady_clock::now() + domain::RetryDelay(st.failures, config_.backoff_initial,
                                                             config_.backoff_max, unit);
  if (st.last_error != why || st.failures == config_.circuit_open_after)
    std::cerr << "sightline-notifier: receiver " << r.name << ": " << why << " (failure "
              << st.failures << ")\n";
  st.last_error = why;
}

Status Service::Deliver(const ReceiverConfig& r) {
  {
    std::lock_guard lock(mu_);
    if (steady_clock::now() < receivers_[r.name].next_attempt) return Status::Ok();
  }
  return r.kind == ReceiverKind::kWebhook ? DeliverWebhook(r) : DeliverAlertmanager(r);
}

Status Service::DeliverWebhook(const ReceiverConfig& r) {
  // Batches until the queue is empty, a failure, or a second has passed (then consuming and the
  // other receivers get their turn).
  auto until = steady_clock::now() + std::chrono::seconds(1);
  while (steady_clock::now() < until) {
    auto rows = state_.Queue(r.name, kWebhookBatch);
    if (!rows.ok()) return rows.status();
    if (rows.value().empty()) return Status::Ok();
    bool failed = false;
    if (Status s = DeliverWebhookRows(r, rows.value(), failed); !s.ok() || failed) return s;
  }
  return Status::Ok();
}

Status Service::DeliverWebhookRows(const ReceiverConfig& r,
                                   const std::vector<std::pair<std::string, nv::Delivery>>& rows,
                                   bool& failed) {
  auto [base, path] = SplitUrl(r.url);
  for (const auto& [key, d] : rows) {
    auto res = http::Post(base, path, WebhookBody(d, r, config_.triage_base_url),
                          "application/json", r.timeout);
    if (!res.ok()) {
      Failed(r, res.status().message());
      failed = true;
      return Status::Ok();
    }
    int code = res.value().status;
    if (code >= 200 && code < 300) {
      if (Status s = state_.Delivered(r.name, key); !s.ok()) return s;
      metrics_.deliveries->Add({{"receiver", r.name}, {"outcome", "delivered"}}).Increment();
      if (d.action() == nv::ACTION_TRIGGER && d.alert().has_emitted_at())
        latency_.at(r.name)->Observe(
            std::max(0.0, Seconds(clock_.Now() - ToInstant(d.alert().emitted_at()))));
      std::lock_guard lock(mu_);
      ReceiverStatus& st = receivers_[r.name];
      st.failures = 0;
      st.last_error.clear();
      ++st.delivered;
    } else if (Permanent(code)) {
      std::cerr << "sightline-notifier: receiver " << r.name << " rejected " << d.alert().alert_id()
                << " with HTTP " << code << ": " << res.value().body.substr(0, 300) << "\n";
      if (Status s = state_.Reject(r.name, key, d); !s.ok()) return s;
      metrics_.deliveries->Add({{"receiver", r.name}, {"outcome", "rejected"}}).Increment();
    } else {
      Failed(r, "HTTP " + std::to_string(code));
      failed = true;
      return Status::Ok();
    }
  }
  return Status::Ok();
}

Status Service::DeliverAlertmanager(const ReceiverConfig& r) {
  bool resend;
  {
    std::lock_guard lock(mu_);
    resend = steady_clock::now() - receivers_[r.name].last_resend >= r.resend_interval;
  }
  if (!resend && !state_.AlertmanagerPending(r.name)) return Status::Ok();
  auto rows = state_.AlertmanagerRows(r.name, !resend);
  if (!rows.ok()) return rows.status();
  if (!resend && rows.value().empty()) state_.AlertmanagerSettled(r.name);
  auto [base, prefix] = SplitUrl(r.url);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  const std::string path = prefix + "/api/v2/alerts";
  const auto& all = rows.value();
  for (std::size_t i = 0; i < all.size(); i += kAlertmanagerBatch) {
    std::vector<nv::AlertmanagerRow> chunk(
        all.begin() + static_cast<std::ptrdiff_t>(i),
        all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), i + kAlertmanagerBatch)));
    Instant now = clock_.Now();
    auto res = http::Post(base, path, AlertmanagerBody(chunk, now, r, config_.triage_base_url),
                          "application/json", r.timeout);
    if (!res.ok()) {
      Failed(r, res.status().message());
      return Status::Ok();
    }
    int code = res.value().status;
    if (Permanent(code)) {
      std::cerr << "sightline-notifier: receiver " << r.name << " rejected " << chunk.size()
                << " alerts with HTTP " << code << ": " << res.value().body.substr(0, 300) << "\n";
      metrics_.deliveries->Add({{"receiver", r.name}, {"outcome", "rejected"}})
          .Increment(static_cast<double>(chunk.size()));
    } else if (code < 200 || code >= 300) {
      Failed(r, "HTTP " + std::to_string(code));
      return Status::Ok();
    } else {
      metrics_.deliveries->Add({{"receiver", r.name}, {"outcome", "delivered"}})
          .Increment(static_cast<double>(chunk.size()));
      for (const nv::AlertmanagerRow& row : chunk) {
        if (row.delivered_version() == 0 && row.alert().state() == nv::ALERT_STATE_FIRING &&
            row.alert().alertname() == "SightlineClockOverdue")
          latency_.at(r.name)->Observe(
              std::max(0.0, Seconds(now - ToInstant(row.alert().emitted_at()))));
      }
    }
    // A rejected row is marked as sent too: resending the same body cannot succeed.
    if (Status s = state_.AlertmanagerDelivered(r.name, chunk, now); !s.ok()) return s;
    std::lock_guard lock(mu_);
    ReceiverStatus& st = receivers_[r.name];
    st.failures = 0;
    st.last_error.clear();
    st.delivered += chunk.size();
  }
  if (resend) {
    std::lock_guard lock(mu_);
    receivers_[r.name].last_resend = steady_clock::now();
  }
  return Status::Ok();
}

Status Service::CheckOwnAlerts() {
  Instant now = clock_.Now();
  // The pipeline heartbeat: page when none has arrived for `missing_after` intervals.
  if (!config_.heartbeat_receivers.empty()) {
    auto beat = state_.LastHeartbeat();
    if (!beat.ok()) return beat.status();
    std::chrono::seconds interval =
        beat.value() ? std::chrono::seconds(beat.value()->heartbeat_interval_seconds())
                     : config_.heartbeat_interval;
    Instant last = beat.value() ? ToInstant(beat.value()->at()) : started_at_;
    Instant missing_since = last + config_.heartbeat_missing_after * interval;
    const std::string id = "sightline/heartbeat-missing";
    auto flag = state_.FlagSet(id);
    if (!flag.ok()) return flag.status();
    bool missing = now >= missing_since;
    {
      std::lock_guard lock(mu_);
      last_beat_ = beat.value() ? std::optional(last) : std::nullopt;
      heartbeat_missing_ = missing;
    }
    if (missing != flag.value()) {
      nv::LevelAlert a = domain::HeartbeatMissingAlert(last, missing_since, interval);
      if (!missing) {
        a.set_state(nv::ALERT_STATE_RESOLVED);
        *a.mutable_state_since() = ToTimestamp(std::max(now, missing_since));
      }
      std::vector<domain::Notice> notices;
      for (const std::string& r : config_.heartbeat_receivers)
        notices.push_back({r, missing ? nv::ACTION_TRIGGER : nv::ACTION_RESOLVE, a});
      auto change = state_.Prepare(notices, now);
      if (!change.ok()) return change.status();
      state_.SetFlag(change.value(), id, missing);
      if (Status s = state_.Commit(change.value()); !s.ok()) return s;
      std::cerr << "sightline-notifier: pipeline heartbeat "
                << (missing ? "MISSING since " + Iso(missing_since) : "back") << "\n";
    }
  }
  // A receiver that has not taken anything for `undeliverable_after`: tell its fallback.
  for (const ReceiverConfig& r : config_.receivers) {
    auto backlog = state_.BacklogOf(r);
    if (!backlog.ok()) return backlog.status();
    {
      std::lock_guard lock(mu_);
      backlog_[r.name] = backlog.value();
    }
    if (r.fallback.empty()) continue;
    const std::string id = "sightline/undeliverable/" + r.name;
    auto flag = state_.FlagSet(id);
    if (!flag.ok()) return flag.status();
    const auto& oldest = backlog.value().oldest;
    bool stuck = oldest && now - *oldest >= config_.undeliverable_after;
    bool drained = !oldest;
    if ((stuck && !flag.value()) || (drained && flag.value())) {
      nv::LevelAlert a =
          domain::UndeliverableAlert(r.name, oldest.value_or(now), now, backlog.value().rows);
      if (drained) a.set_state(nv::ALERT_STATE_RESOLVED);
      auto change =
          state_.Prepare({{r.fallback, drained ? nv::ACTION_RESOLVE : nv::ACTION_TRIGGER, a}}, now);
      if (!change.ok()) return change.status();
      state_.SetFlag(change.value(), id, stuck);
      if (Status s = state_.Commit(change.value()); !s.ok()) return s;
      std::cerr << "sightline-notifier: receiver " << r.name
                << (stuck ? " undeliverable; told " : " recovered; told ") << r.fallback << "\n";
    }
  }
  return Status::Ok();
}

void Service::RefreshGauges() {
  Instant now = clock_.Now();
  std::lock_guard lock(mu_);
  for (const ReceiverConfig& r : config_.receivers) {
    const Backlog& b = backlog_[r.name];
    metrics_.queue_depth->Add({{"receiver", r.name}}).Set(static_cast<double>(b.rows));
    metrics_.oldest->Add({{"receiver", r.name}})
        .Set(b.oldest ? std::max(0.0, Seconds(now - *b.oldest)) : 0);
    metrics_.circuit_open->Add({{"receiver", r.name}})
        .Set(receivers_[r.name].failures >= config_.circuit_open_after ? 1 : 0);
  }
  Instant last = last_beat_.value_or(started_at_);
  metrics_.heartbeat_age->Set(std::max(0.0, Seconds(now - last)));
  metrics_.heartbeat_last->Set(
      last_beat_ ? std::chrono::duration<double>(last_beat_->time_since_epoch()).count() : 0);
  for (const auto& [p, high] : high_watermark_)
    metrics_.lag->Add({{"partition", std::to_string(p)}})
        .Set(static_cast<double>(std::max<std::int64_t>(high - applied_next_[p], 0)));
}

Status Service::Run(const std::atomic<bool>& stop) {
  started_at_ = clock_.Now();
  if (Status s = Start(stop); !s.ok()) return s;
  auto last_check = steady_clock::now() - std::chrono::hours(1);
  auto last_watermarks = last_check;
  milliseconds backoff(100);
  while (!stop) {
    Status s = Consume();
    for (const ReceiverConfig& r : config_.receivers)
      if (s.ok()) s = Deliver(r);
    if (s.ok() && steady_clock::now() - last_check >= milliseconds(250)) {
      s = CheckOwnAlerts();
      RefreshGauges();
      last_check = steady_clock::now();
    }
    if (s.ok() && steady_clock::now() - last_watermarks >= std::chrono::seconds(5)) {
      auto hw = consumer_.HighWatermarks(milliseconds(2000));
      last_watermarks = steady_clock::now();
      if (hw.ok()) {
        std::lock_guard lock(mu_);
        high_watermark_ = hw.value();
      }
    }
    if (s.ok()) {
      backoff = milliseconds(100);
      std::lock_guard lock(mu_);
      last_error_.clear();
      continue;
    }
    if (s.code() == StatusCode::kInternal) return s;
    std::cerr << "sightline-notifier: " << s.ToString() << "; retrying in " << backoff.count()
              << " ms\n";
    {
      std::lock_guard lock(mu_);
      last_error_ = s.ToString();
    }
    auto until = steady_clock::now() + backoff;
    while (!stop && steady_clock::now() < until) std::this_thread::sleep_for(milliseconds(20));
    backoff = std::min(backoff * 2, milliseconds(5000));
    if (Status r = Start(stop); !r.ok() && r.code() == StatusCode::kInternal) return r;
  }
  return Status::Ok();
}

http::Response Service::Status_() const {
  Instant now = clock_.Now();
  std::lock_guard lock(mu_);
  json receivers = json::array();
  for (const ReceiverConfig& r : config_.receivers) {
    const ReceiverStatus& st = receivers_.at(r.name);
    auto b = backlog_.find(r.name);
    Backlog backlog = b == backlog_.end() ? Backlog{} : b->second;
    receivers.push_back(
        {{"name", r.name},
         {"kind", r.kind == ReceiverKind::kWebhook ? "webhook" : "alertmanager"},
         {"waiting", backlog.rows},
         {"oldest_waiting_seconds", backlog.oldest ? Seconds(now - *backlog.oldest) : 0.0},
         {"consecutive_failures", st.failures},
         {"circuit", st.failures >= config_.circuit_open_after ? "open" : "closed"},
         {"last_error", st.last_error},
         {"delivered", st.delivered}});
  }
  json partitions = json::array();
  for (const auto& [p, next] : applied_next_) {
    auto hw = high_watermark_.find(p);
    partitions.push_back({{"partition", p},
                          {"applied_next", next},
                          {"high_watermark", hw == high_watermark_.end() ? -1 : hw->second}});
  }
  json body = {{"receivers", receivers},
               {"heartbeat",
                {{"last_at", last_beat_ ? Iso(*last_beat_) : ""},
                 {"missing", heartbeat_missing_},
                 {"watched", !config_.heartbeat_receivers.empty()}}},
               {"consuming_paused", paused_},
               {"partitions", partitions},
               {"last_error", last_error_}};
  return http::Response{
      .status = 200, .content_type = "application/json", .body = body.dump() + "\n", .headers = {}};
}

void Service::Register(http::Server& server) {
  server.Get("/healthz", [](const http::Request&) {
    return http::Response{.status = 200,
                          .content_type = "application/json",
                          .body = R"({"status":"alive"})",
                          .headers = {}};
  });
  server.Get("/readyz", [this](const http::Request&) {
    std::lock_guard lock(mu_);
    bool ready = !applied_next_.empty() && last_error_.empty();
    return http::Response{.status = ready ? 200 : 503,
                          .content_type = "application/json",
                          .body = ready ? R"({"status":"ready"})" : R"({"status":"starting"})",
                          .headers = {}};
  });
  server.Get("/v1/status", [this](const http::Request&) { return Status_(); });
}

}  // namespace sightline::notifier_service
