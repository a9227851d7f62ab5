// The gateway's typed configuration: loaded once at start-up from the YAML file (see
// deploy/gateway.yaml for every key, commented), then overridden by environment variables and
// then by flags. Anything invalid stops start-up with the key and the reason.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>

#include "sightline/config/yaml_reader.h"
#include "sightline/domain/access/write.h"
#include "sightline/domain/events/validation.h"
#include "sightline/http/server.h"
#include "sightline/identity/authenticator.h"
#include "sightline/kafka/properties.h"

namespace sightline::gateway {

struct GatewayConfig {
  http::ServerOptions http{
      .host = "127.0.0.1", .port = 8080, .max_body_bytes = 1 << 20, .threads = 8};
  std::string brokers = "127.0.0.1:9092";
  std::string topic = "sightline.events.v1";
  kafka::Properties kafka_properties;
  // How long a request waits for Kafka's acknowledgement before answering 503.
  std::chrono::milliseconds produce_timeout{10000};
  // How long librdkafka keeps trying an event after that (message.timeout.ms of the events
  // topic); 0: until the broker acknowledges or refuses it for good. Its id stays held meanwhile.
  std::chrono::milliseconds delivery_timeout{0};
  std::size_t max_batch_events = 1000;
  domain::ValidationLimits limits;
  std::string port_file;  // Where to write the bound port (for tests and scripts); optional.
  std::chrono::seconds heartbeat_interval{30};  // 0: no pipeline heartbeat.
  std::string heartbeat_source = "gateway";
  identity::AuthOptions auth;  // Who may call (auth.tokens, auth.jwt); at least one credential.
  domain::WritePolicy writes = domain::DefaultWritePolicy();  // writes.<event_type>: [roles]
  std::string audit_topic = "sightline.audit.v1";             // Refused calls are audited here.
  std::string data_dir = "var/gateway";  // RocksDB: which client owns which event id.
  // The watchdog's policy, for who may acknowledge which alert level (alerts.policy_file).
  std::string alerts_policy_file;
};

// Reads every gateway key from `yaml` into `config` (keys absent keep their defaults).
Status ReadGatewayConfig(config::YamlReader& yaml, GatewayConfig& config);

// Command-line and environment overrides, already split out by main.
struct Overrides {
  std::map<std::string, std::string> env;     // SIGHTLINE_KAFKA_BROKERS, SIGHTLINE_KAFKA_PROPERTIES
  std::string brokers;                        // --brokers
  int http_port = -1;                         // --http-port
  std::string http_host;                      // --http-host
  std::vector<std::string> kafka_properties;  // --kafka-property name=value (repeatable)
  std::string port_file;                      // --port-file
  std::string auth_tokens_file;               // --auth-tokens-file
  std::string data_dir;                       // --data-dir
};
Status ApplyOverrides(const Overrides& overrides, GatewayConfig& config);

}  // namespace sightline::gateway
