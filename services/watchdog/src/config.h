// sightline-watchdog's typed configuration: YAML (deploy/watchdog.yaml, every key commented),
// then SIGHTLINE_* environment, then flags. Anything invalid stops start-up with key and reason.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "sightline/config/yaml_reader.h"
#include "sightline/http/server.h"
#include "sightline/kafka/properties.h"

namespace sightline::watchdog_service {

struct WatchdogConfig {
  http::ServerOptions http{.host = "127.0.0.1", .port = 8082, .max_body_bytes = 1024, .threads = 4};
  std::string brokers = "127.0.0.1:9092";
  kafka::Properties kafka_properties;
  std::string topic = "sightline.events.v1";
  std::string alerts_topic = "sightline.alerts.v1";
  std::string dlq_topic = "sightline.dlq.v1";
  std::string group_id = "sightline-watchdog";
  std::string data_dir = "var/watchdog";
  bool sync_writes = true;
  std::string policy_file = "deploy/watchdog-policy.yaml";
  std::size_t batch_max_events = 2000;
  std::chrono::milliseconds batch_wait{100};
  std::chrono::milliseconds tick{1000};  // How often deadlines are checked against the clock.
  std::string port_file;
  std::string clock_file;  // --simulated-clock-file: tests and demos only.
};

Status ReadWatchdogConfig(config::YamlReader& yaml, WatchdogConfig& config);

struct Overrides {
  kafka::KafkaOverrides kafka;
  std::string data_dir;
  std::string policy_file;
  int http_port = -1;
  std::string port_file;
  std::string clock_file;
};
Status ApplyOverrides(const Overrides& overrides, WatchdogConfig& config);

}  // namespace sightline::watchdog_service
