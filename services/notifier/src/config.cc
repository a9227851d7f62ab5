#include "config.h"

#include <set>

#include "sightline/core/ids.h"

namespace sightline::notifier_service {
namespace {

bool HttpUrl(const std::string& url) {
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

}  // namespace

const ReceiverConfig* FindReceiver(const NotifierConfig& c, const std::string& name) {
  for (const ReceiverConfig& r : c.receivers)
    if (r.name == name) return &r;
  return nullptr;
}

NotifierConfig::NotifierConfig() {
  http.port = 8083;
  group_id = "sightline-notifier";
  data_dir = "var/notifier";
  batch_max_events = 500;
}

Status ReadNotifierConfig(config::YamlReader& yaml, NotifierConfig& c) {
  consumer::ReadServiceConfig(yaml, c);
  consumer::ReadLeaseConfig(yaml, c, c.lease);
  c.alerts_topic = yaml.String("kafka.alerts_topic", c.alerts_topic);
  c.triage_base_url = yaml.String("links.triage_base_url", c.triage_base_url);
  if (!c.triage_base_url.empty() && !HttpUrl(c.triage_base_url))
    yaml.Fail("links.triage_base_url", "must start with http:// or https://");

  std::set<std::string> names;
  std::size_t n = yaml.ListSize("receivers");
  if (n == 0) yaml.Fail("receivers", "name at least one receiver");
  for (std::size_t i = 0; i < n; ++i) {
    std::string k = "receivers[" + std::to_string(i) + "].";
    ReceiverConfig r;
    r.name = yaml.String(k + "name", "");
    std::string kind = yaml.String(k + "kind", "");
    r.url = yaml.String(k + "url", "");
    r.routing_key = yaml.String(k + "routing_key", "");
    r.timeout = std::chrono::seconds(yaml.Int(k + "timeout_seconds", 5, 1, 120));
    r.resend_interval = std::chrono::seconds(yaml.Int(k + "resend_interval_seconds", 60, 1, 3600));
    r.fallback = yaml.String(k + "fallback", "");
    if (!IsWellFormedId(r.name)) yaml.Fail(k + "name", "required: an id like pager-mash");
    if (!names.insert(r.name).second) yaml.Fail(k + "name", "'" + r.name + "' is used twice");
    if (kind == "alertmanager") {
      r.kind = ReceiverKind::kAlertmanager;
    } else if (kind == "webhook") {
      r.kind = ReceiverKind::kWebhook;
      if (r.routing_key.empty()) yaml.Fail(k + "routing_key", "required for a webhook");
    } else {
      yaml.Fail(k + "kind", "must be alertmanager or webhook, got '" + kind + "'");
    }
    if (!HttpUrl(r.url)) yaml.Fail(k + "url", "required: http:// or https:// URL");
    c.receivers.push_back(std::move(r));
  }
  for (std::size_t i = 0; i < c.receivers.size(); ++i) {
    const ReceiverConfig& r = c.receivers[i];
    if (r.fallback.empty()) continue;
    std::string k = "receivers[" + std::to_string(i) + "].fallback";
    if (r.fallback == r.name) yaml.Fail(k, "cannot be the receiver itself");
    if (!names.count(r.fallback)) yaml.Fail(k, "no receiver named '" + r.fallback + "'");
  }
  auto receiver_list = [&](const std::string& key) {
    std::vector<std::string> out;
    std::size_t m = yaml.ListSize(key);
    for (std::size_t j = 0; j < m; ++j) {
      std::string item = key + "[" + std::to_string(j) + "]";
      std::string name = yaml.String(item, "");
      if (!names.count(name)) yaml.Fail(item, "no receiver named '" + name + "'");
      out.push_back(name);
    }
    return out;
  };
  std::size_t routes = yaml.ListSize("routes");
  if (routes == 0) yaml.Fail("routes", "name at least one route");
  for (std::size_t i = 0; i < routes; ++i) {
    std::string k = "routes[" + std::to_string(i) + "].";
    domain::NotifyRoute route;
    for (std::size_t j = 0; j < yaml.ListSize(k + "levels"); ++j)
      route.levels.insert(
          static_cast<int>(yaml.Int(k + "levels[" + std::to_string(j) + "]", 1, 1, 20)));
    for (std::size_t j = 0; j < yaml.ListSize(k + "teams"); ++j)
      route.teams.insert(yaml.String(k + "teams[" + std::to_string(j) + "]", ""));
    route.receivers = receiver_list(k + "receivers");
    if (route.receivers.empty()) yaml.Fail(k + "receivers", "name at least one receiver");
    c.routes.push_back(std::move(route));
  }
  c.heartbeat_receivers = receiver_list("heartbeat.receivers");
  c.heartbeat_missing_after = static_cast<int>(
      yaml.Int("heartbeat.missing_after_intervals", c.heartbeat_missing_after, 1, 100));
  c.heartbeat_interval = std::chrono::seconds(
      yaml.Int("heartbeat.expected_interval_seconds", c.heartbeat_interval.count(), 1, 3600));
  c.queue_max = static_cast<std::size_t>(
      yaml.Int("delivery.queue_max", static_cast<std::int64_t>(c.queue_max), 1, 10000000));
  c.backoff_initial = std::chrono::milliseconds(
      yaml.Int("delivery.backoff_initial_ms", c.backoff_initial.count(), 10, 600000));
  c.backoff_max = std::chrono::milliseconds(
      yaml.Int("delivery.backoff_max_ms", c.backoff_max.count(), 10, 3600000));
  if (c.backoff_max < c.backoff_initial)
    yaml.Fail("delivery.backoff_max_ms", "must not be below backoff_initial_ms");
  c.circuit_open_after =
      static_cast<int>(yaml.Int("delivery.circuit_open_after", c.circuit_open_after, 1, 1000));
  c.undeliverable_after = std::chrono::seconds(
      yaml.Int("delivery.undeliverable_after_seconds", c.undeliverable_after.count(), 1, 604800));
  return yaml.Finish();
}

}  // namespace sightline::notifier_service
