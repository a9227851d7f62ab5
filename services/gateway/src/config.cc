#include "config.h"

#include "sightline/config/http_options.h"

namespace sightline::gateway {

Status ReadGatewayConfig(config::YamlReader& yaml, GatewayConfig& c) {
  config::ReadHttpOptions(yaml, c.http);
  c.brokers = yaml.String("kafka.brokers", c.brokers);
  c.topic = yaml.String("kafka.topic", c.topic);
  c.produce_timeout = std::chrono::milliseconds(
      yaml.Int("kafka.produce_timeout_ms", c.produce_timeout.count(), 100, 600000));
  for (const auto& [name, value] : yaml.StringMap("kafka.properties")) {
    c.kafka_properties[name] = value;
  }
  c.max_batch_events = static_cast<std::size_t>(yaml.Int(
      "validation.max_batch_events", static_cast<std::int64_t>(c.max_batch_events), 1, 100000));
  c.limits.max_future_skew = std::chrono::seconds(
      yaml.Int("validation.max_future_skew_seconds", c.limits.max_future_skew.count(), 0, 86400));
  c.limits.max_text_length = static_cast<std::size_t>(
      yaml.Int("validation.max_text_length", static_cast<std::int64_t>(c.limits.max_text_length), 1,
               1 << 20));
  int year = static_cast<int>(yaml.Int("validation.earliest_year", 1990, 1900, 2100));
  c.limits.earliest = std::chrono::sys_days{std::chrono::year(year) / std::chrono::January / 1};
  c.heartbeat_interval = std::chrono::seconds(
      yaml.Int("heartbeat.interval_seconds", c.heartbeat_interval.count(), 0, 3600));
  c.heartbeat_source = yaml.String("heartbeat.source", c.heartbeat_source);
  if (!IsWellFormedId(c.heartbeat_source) || c.heartbeat_source.size() > 64)
    yaml.Fail("heartbeat.source", "1-64 characters of A-Z a-z 0-9 . _ : -");
  if (c.brokers.empty()) yaml.Fail("kafka.brokers", "must name at least one host:port");
  if (c.topic.empty()) yaml.Fail("kafka.topic", "must not be empty");
  return yaml.Finish();
}

Status ApplyOverrides(const Overrides& o, GatewayConfig& c) {
  kafka::KafkaOverrides k{o.env, o.brokers, o.kafka_properties};
  if (Status s = kafka::ApplyKafkaOverrides(k, c.brokers, c.kafka_properties); !s.ok()) return s;
  if (o.http_port >= 0) {
    if (o.http_port > 65535) return InvalidArgument("--http-port: must be 0..65535");
    c.http.port = o.http_port;
  }
  if (!o.http_host.empty()) c.http.host = o.http_host;
  if (!o.port_file.empty()) c.port_file = o.port_file;
  return Status::Ok();
}

}  // namespace sightline::gateway
