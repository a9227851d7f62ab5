// sightline-notifier's typed configuration: YAML (deploy/notifier.yaml, every key commented),
// then SIGHTLINE_* environment, then flags. Anything invalid stops start-up with key and reason.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "sightline/config/yaml_reader.h"
#include "sightline/consumer/service_config.h"
#include "sightline/domain/notify/notify.h"
#include "sightline/http/server.h"
#include "sightline/kafka/properties.h"

namespace sightline::notifier_service {

enum class ReceiverKind { kAlertmanager, kWebhook };

struct ReceiverConfig {
  std::string name;
  ReceiverKind kind = ReceiverKind::kWebhook;
  std::string url;          // Alertmanager: base URL; webhook: the full endpoint URL.
  std::string routing_key;  // Webhook: the PagerDuty Events v2 routing_key.
  std::chrono::seconds timeout{5};
  std::chrono::seconds resend_interval{60};  // Alertmanager: active alerts re-sent this often.
  std::string fallback;  // Told when this receiver cannot be reached; empty: nobody.
};

struct NotifierConfig : consumer::ServiceConfig {
  NotifierConfig();
  std::string alerts_topic = "sightline.alerts.v1";
  std::string triage_base_url = "http://127.0.0.1:8081/app";
  std::vector<ReceiverConfig> receivers;
  std::vector<domain::NotifyRoute> routes;
  std::vector<std::string> heartbeat_receivers;
  int heartbeat_missing_after = 2;              // Intervals without a beat before paging.
  std::chrono::seconds heartbeat_interval{30};  // Until the first beat says otherwise.
  std::size_t queue_max = 100000;               // Per receiver; consuming pauses when full.
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{60000};
  int circuit_open_after = 3;
  std::chrono::seconds undeliverable_after{900};
  consumer::LeaseConfig lease;  // Several instances: one delivers (ADR 0022).
};

Status ReadNotifierConfig(config::YamlReader& yaml, NotifierConfig& config);
const ReceiverConfig* FindReceiver(const NotifierConfig& config, const std::string& name);

using Overrides = consumer::ServiceOverrides;

}  // namespace sightline::notifier_service
