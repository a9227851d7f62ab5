#include "deliverer.h"

#include <iostream>

#include "payloads.h"
#include "sightline/http/client.h"

namespace sightline::notifier_service {
namespace {

using std::chrono::steady_clock;
namespace nv = notifier::v1;

constexpr std::size_t kWebhookBatch = 20;
constexpr std::size_t kAlertmanagerBatch = 200;

double Seconds(Instant::duration d) { return std::chrono::duration<double>(d).count(); }

bool Permanent(int code) { return code >= 400 && code < 500 && code != 408 && code != 429; }

std::string Answer(const http::ClientResponse& r) {
  return "HTTP " + std::to_string(r.status) + (r.body.empty() ? "" : ": " + r.body.substr(0, 300));
}

}  // namespace

Deliverer::Deliverer(const NotifierConfig& config, NotifierState& state, const Clock& clock,
                     NotifierMetrics& metrics)
    : config_(config), state_(state), clock_(clock), metrics_(metrics) {
  for (const ReceiverConfig& r : config_.receivers) receivers_[r.name];
}

std::map<std::string, ReceiverStatus> Deliverer::Snapshot() const {
  std::lock_guard lock(mu_);
  return receivers_;
}

bool Deliverer::CircuitOpen(const ReceiverStatus& status) const {
  return status.failures >= config_.circuit_open_after;
}

void Deliverer::Failed(const ReceiverConfig& r, const std::string& why) {
  metrics_.Delivery(r.name, "failed");
  std::lock_guard lock(mu_);
  ReceiverStatus& st = receivers_[r.name];
  ++st.failures;
  double unit = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  auto delay = domain::RetryDelay(st.failures, config_.backoff_initial, config_.backoff_max, unit);
  st.next_attempt = steady_clock::now() + delay;
  if (st.last_error != why || st.failures == config_.circuit_open_after)
    std::cerr << "sightline-notifier: delivery to receiver " << r.name << " failed: " << why
              << " (failure " << st.failures << " in a row"
              << (CircuitOpen(st) ? ", circuit open" : "") << "; next attempt in "
              << std::chrono::duration_cast<std::chrono::milliseconds>(delay).count() << " ms)\n";
  st.last_error = why;
}

void Deliverer::Succeeded(const ReceiverConfig& r, std::size_t delivered) {
  std::lock_guard lock(mu_);
  ReceiverStatus& st = receivers_[r.name];
  if (st.failures >= config_.circuit_open_after)
    std::cerr << "sightline-notifier: receiver " << r.name << " answers again after " << st.failures
              << " failures\n";
  st.failures = 0;
  st.last_error.clear();
  st.delivered += delivered;
}

Status Deliverer::Deliver(const ReceiverConfig& r) {
  {
    std::lock_guard lock(mu_);
    if (steady_clock::now() < receivers_[r.name].next_attempt) return Status::Ok();
  }
  return r.kind == ReceiverKind::kWebhook ? DeliverWebhook(r) : DeliverAlertmanager(r);
}

Status Deliverer::DeliverWebhook(const ReceiverConfig& r) {
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

Status Deliverer::DeliverWebhookRows(const ReceiverConfig& r,
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
      metrics_.Delivery(r.name, "delivered");
      if (d.action() == nv::ACTION_TRIGGER && d.alert().has_emitted_at())
        metrics_.Latency(r.name,
                         std::max(0.0, Seconds(clock_.Now() - ToInstant(d.alert().emitted_at()))));
      Succeeded(r, 1);
    } else if (Permanent(code)) {
      std::cerr << "sightline-notifier: receiver " << r.name << " rejected " << d.alert().alert_id()
                << " with " << Answer(res.value()) << "; kept in `rejected`, not retried\n";
      if (Status s = state_.Reject(r.name, key, d); !s.ok()) return s;
      metrics_.Delivery(r.name, "rejected");
    } else {
      Failed(r, "POST " + r.url + " answered " + Answer(res.value()));
      failed = true;
      return Status::Ok();
    }
  }
  return Status::Ok();
}

Status Deliverer::DeliverAlertmanager(const ReceiverConfig& r) {
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
                << " alerts with " << Answer(res.value()) << "; not retried\n";
      metrics_.Delivery(r.name, "rejected", static_cast<double>(chunk.size()));
    } else if (code < 200 || code >= 300) {
      Failed(r, "POST " + base + path + " answered " + Answer(res.value()));
      return Status::Ok();
    } else {
      metrics_.Delivery(r.name, "delivered", static_cast<double>(chunk.size()));
      for (const nv::AlertmanagerRow& row : chunk) {
        if (row.delivered_version() == 0 && row.alert().state() == nv::ALERT_STATE_FIRING &&
            row.alert().alertname() == "SightlineClockOverdue")
          metrics_.Latency(r.name,
                           std::max(0.0, Seconds(now - ToInstant(row.alert().emitted_at()))));
      }
    }
    // A rejected row is marked as sent too: resending the same body cannot succeed.
    if (Status s = state_.AlertmanagerDelivered(r.name, chunk, now); !s.ok()) return s;
    Succeeded(r, chunk.size());
  }
  if (resend) {
    std::lock_guard lock(mu_);
    receivers_[r.name].last_resend = steady_clock::now();
  }
  return Status::Ok();
}

Status Deliverer::CheckBacklogs() {
  Instant now = clock_.Now();
  for (const ReceiverConfig& r : config_.receivers) {
    auto backlog = state_.BacklogOf(r);
    if (!backlog.ok()) return backlog.status();
    const auto& oldest = backlog.value().oldest;
    bool open;
    {
      std::lock_guard lock(mu_);
      ReceiverStatus& st = receivers_[r.name];
      st.backlog = backlog.value();
      open = CircuitOpen(st);
    }
    metrics_.Receiver(r.name, static_cast<double>(backlog.value().rows),
                      oldest ? std::max(0.0, Seconds(now - *oldest)) : 0, open);
    if (r.fallback.empty()) continue;
    // A receiver that has not taken anything for `undeliverable_after`: tell its fallback.
    const std::string id = "sightline/undeliverable/" + r.name;
    auto flag = state_.FlagSet(id);
    if (!flag.ok()) return flag.status();
    bool stuck = oldest && now - *oldest >= config_.undeliverable_after;
    bool drained = !oldest;
    if ((stuck && !flag.value()) || (drained && flag.value())) {
      nv::LevelAlert a =
          domain::UndeliverableAlert(r.name, oldest.value_or(now), now, backlog.value().rows);
      if (drained) a.set_state(nv::ALERT_STATE_RESOLVED);
      auto action = drained ? nv::ACTION_RESOLVE : nv::ACTION_TRIGGER;
      if (Status s = state_.RaiseOwn(id, stuck, {{r.fallback, action, a}}, now); !s.ok()) return s;
      std::cerr << "sightline-notifier: receiver " << r.name
                << (stuck ? " undeliverable; told " : " recovered; told ") << r.fallback << "\n";
    }
  }
  return Status::Ok();
}

}  // namespace sightline::notifier_service
