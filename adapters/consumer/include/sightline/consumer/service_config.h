// What every consuming service (projector, watchdog, notifier) is configured with, read from the
// same YAML keys and overridden by the same environment and flags, so an operator learns them
// once. A service's config derives from ServiceConfig, sets its own defaults in its constructor
// and adds its own keys (every key is commented in deploy/<service>.yaml).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "sightline/config/yaml_reader.h"
#include "sightline/http/server.h"
#include "sightline/identity/authenticator.h"
#include "sightline/kafka/lease.h"
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

// Several instances of a service whose work must be done by one at a time (the watchdog's
// alerts, the notifier's deliveries): the instance holding the lease works, the others keep their
// stores warm and take over when it goes (kafka/lease.h, ADR 0022). No topic: one instance, which
// always works.
struct LeaseConfig {
  std::string topic;     // kafka.lease_topic: one partition; "" for no lease.
  std::string group_id;  // kafka.lease_group_id: default <kafka.group_id>.lease.
  std::chrono::milliseconds session_timeout{10000};  // kafka.lease_session_timeout_ms
};
void ReadLeaseConfig(config::YamlReader& yaml, const ServiceConfig& service, LeaseConfig& lease);
// Joins the lease's group; nullptr when no lease topic is configured.
StatusOr<std::unique_ptr<kafka::Lease>> OpenLease(const ServiceConfig& service,
                                                  const LeaseConfig& lease,
                                                  const std::string& client_id);

}  // namespace sightline::consumer
