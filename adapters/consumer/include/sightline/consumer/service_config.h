// What every consuming service (projector, watchdog, notifier) is configured with, read from the
// same YAML keys and overridden by the same environment and flags, so an operator learns them
// once. A service's config derives from ServiceConfig, sets its own defaults in its constructor
// and adds its own keys (every key is commented in deploy/<service>.yaml).
#pragma once

#include <cstddef>
#include <string>

#include "sightline/config/yaml_reader.h"
#include "sightline/http/server.h"
#include "sightline/identity/authenticator.h"
#include "sightline/kafka/properties.h"

namespace sightline::consumer {

struct ServiceConfig {
  http::ServerOptions http{.host = "127.0.0.1", .port = 0, .max_body_bytes = 1024, .threads = 4};
  std::string brokers = "127.0.0.1:9092";
  kafka::Properties kafka_properties;
  std::string dlq_topic = "sightline.dlq.v1";
  std::string audit_topic = "sightline.audit.v1";  // Every /v1 call is recorded here.
  std::string group_id;
  std::string data_dir;
  bool sync_writes = true;
  std::size_t batch_max_events = 2000;
  std::string port_file;  // --port-file only: where the bound port is written (tests, demos).
  identity::AuthOptions
      auth;  // Who may call the service's /v1 API (auth.tokens, tokens_file, jwt).
};

// Reads http.listen_address, http.port, kafka.brokers, kafka.dead_letter_topic,
// kafka.audit_topic, kafka.group_id,
// kafka.properties, store.data_dir, store.sync_writes and apply.batch_max_events; an empty broker
// list or data directory is reported through `yaml` with its key.
void ReadServiceConfig(config::YamlReader& yaml, ServiceConfig& config);

// Environment (SIGHTLINE_KAFKA_BROKERS, SIGHTLINE_KAFKA_PROPERTIES) and the flags --brokers,
// --kafka-property, --data-dir, --http-port and --port-file, over the file.
struct ServiceOverrides {
  kafka::KafkaOverrides kafka;
  std::string data_dir;
  int http_port = -1;
  std::string port_file;
  std::string auth_tokens_file;  // --auth-tokens-file
};
Status ApplyServiceOverrides(const ServiceOverrides& overrides, ServiceConfig& config);

}  // namespace sightline::consumer
