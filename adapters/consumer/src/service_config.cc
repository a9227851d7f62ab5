#include "sightline/consumer/service_config.h"

#include "sightline/config/http_options.h"
#include "sightline/identity/config.h"

namespace sightline::consumer {

void ReadServiceConfig(config::YamlReader& yaml, ServiceConfig& c) {
  config::ReadHttpOptions(yaml, c.http);
  identity::ReadAuthOptions(yaml, c.auth);
  c.brokers = yaml.String("kafka.brokers", c.brokers);
  c.dlq_topic = yaml.String("kafka.dead_letter_topic", c.dlq_topic);
  c.audit_topic = yaml.String("kafka.audit_topic", c.audit_topic);
  c.group_id = yaml.String("kafka.group_id", c.group_id);
  for (const auto& [name, value] : yaml.StringMap("kafka.properties"))
    c.kafka_properties[name] = value;
  c.data_dir = yaml.String("store.data_dir", c.data_dir);
  c.sync_writes = yaml.Bool("store.sync_writes", c.sync_writes);
  c.batch_max_events = static_cast<std::size_t>(
      yaml.Int("apply.batch_max_events", static_cast<std::int64_t>(c.batch_max_events), 1, 100000));
  if (c.brokers.empty()) yaml.Fail("kafka.brokers", "must name at least one host:port");
  if (c.data_dir.empty()) yaml.Fail("store.data_dir", "must not be empty");
}

void ReadLeaseConfig(config::YamlReader& yaml, const ServiceConfig& service, LeaseConfig& lease) {
  lease.topic = yaml.String("kafka.lease_topic", lease.topic);
  lease.group_id = yaml.String("kafka.lease_group_id", service.group_id + ".lease");
  // The broker accepts 6 s to 30 s unless its group.{min,max}.session.timeout.ms say otherwise.
  lease.session_timeout = std::chrono::milliseconds(
      yaml.Int("kafka.lease_session_timeout_ms", lease.session_timeout.count(), 1000, 300000));
  if (!lease.topic.empty() && lease.group_id == service.group_id)
    yaml.Fail("kafka.lease_group_id", "must differ from kafka.group_id");
}

StatusOr<std::unique_ptr<kafka::Lease>> OpenLease(const ServiceConfig& service,
                                                  const LeaseConfig& lease,
                                                  const std::string& client_id) {
  if (lease.topic.empty()) return std::unique_ptr<kafka::Lease>();
  return kafka::Lease::Create({.brokers = service.brokers,
                               .properties = service.kafka_properties,
                               .topic = lease.topic,
                               .group_id = lease.group_id,
                               .client_id = client_id + "-lease",
                               .session_timeout = lease.session_timeout});
}

Status ApplyServiceOverrides(const ServiceOverrides& o, ServiceConfig& c) {
  if (Status s = kafka::ApplyKafkaOverrides(o.kafka, c.brokers, c.kafka_properties); !s.ok())
    return s;
  if (!o.data_dir.empty()) c.data_dir = o.data_dir;
  if (o.http_port >= 0) {
    if (o.http_port > 65535) return InvalidArgument("--http-port: must be 0..65535");
    c.http.port = o.http_port;
  }
  if (!o.port_file.empty()) c.port_file = o.port_file;
  if (!o.auth_tokens_file.empty()) c.auth.tokens_file = o.auth_tokens_file;
  return Status::Ok();
}

}  // namespace sightline::consumer
