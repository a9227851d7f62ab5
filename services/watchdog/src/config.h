// sightline-watchdog's typed configuration: YAML (deploy/watchdog.yaml, every key commented),
// then SIGHTLINE_* environment, then flags. Anything invalid stops start-up with key and reason.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "sightline/config/yaml_reader.h"
#include "sightline/consumer/service_config.h"
#include "sightline/http/server.h"
#include "sightline/kafka/properties.h"

namespace sightline::watchdog_service {

struct WatchdogConfig : consumer::ServiceConfig {
  WatchdogConfig();
  std::string topic = "sightline.events.v1";
  std::string alerts_topic = "sightline.alerts.v1";
  std::string policy_file = "deploy/watchdog-policy.yaml";
  std::chrono::milliseconds batch_wait{100};
  // How often the clock is compared with the horizon when nothing falls due (heartbeats, the
  // published horizon); a deadline that falls due is reconciled at the next turn, not the tick.
  std::chrono::milliseconds tick{1000};
  // Streams reconciled per committed slice of a tick: bounds memory when much falls due at once.
  std::size_t tick_max_streams = 1000;
  std::string clock_file;       // --simulated-clock-file: tests and demos only.
  consumer::LeaseConfig lease;  // Several instances: one raises alerts (ADR 0022).
};

Status ReadWatchdogConfig(config::YamlReader& yaml, WatchdogConfig& config);

struct Overrides : consumer::ServiceOverrides {
  std::string policy_file;
  std::string clock_file;
};
Status ApplyOverrides(const Overrides& overrides, WatchdogConfig& config);

}  // namespace sightline::watchdog_service
