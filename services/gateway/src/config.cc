#include "config.h"

#include <set>

#include "sightline/config/http_options.h"
#include "sightline/identity/config.h"

namespace sightline::gateway {

Status ReadGatewayConfig(config::YamlReader& yaml, GatewayConfig& c) {
  config::ReadHttpOptions(yaml, c.http);
  c.brokers = yaml.String("kafka.brokers", c.brokers);
  c.topic = yaml.String("kafka.topic", c.topic);
  c.produce_timeout = std::chrono::milliseconds(
      yaml.Int("kafka.produce_timeout_ms", c.produce_timeout.count(), 100, 600000));
  c.delivery_timeout = std::chrono::milliseconds(
      yaml.Int("kafka.delivery_timeout_ms", c.delivery_timeout.count(), 0, 86400000));
  if (c.delivery_timeout.count() != 0 && c.delivery_timeout < c.produce_timeout) {
    yaml.Fail("kafka.delivery_timeout_ms",
              "must be 0 (until acknowledged) or at least kafka.produce_timeout_ms");
  }
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
  identity::ReadAuthOptions(yaml, c.auth);
  if (c.auth.tokens.empty() && c.auth.tokens_file.empty() && !c.auth.jwt)
    yaml.Fail("auth", "no credential configured: add auth.tokens, auth.tokens_file or auth.jwt");
  c.audit_topic = yaml.String("kafka.audit_topic", c.audit_topic);
  c.data_dir = yaml.String("store.data_dir", c.data_dir);
  c.alerts_policy_file = yaml.String("alerts.policy_file", c.alerts_policy_file);
  if (c.data_dir.empty()) yaml.Fail("store.data_dir", "must not be empty");
  // writes.<event_type>: [role names, or "partner"] replaces that type's row of the matrix.
  for (const auto& [type, roles] : yaml.StringMap("writes")) {
    if (!c.writes.staff.contains(type) && type != "access_restricted") {
      yaml.Fail("writes." + type, "not an event type clients may send");
      continue;
    }
    std::set<domain::UserRole> staff;
    bool partner = false;
    std::size_t start = 0;
    while (start <= roles.size()) {
      std::size_t end = roles.find(',', start);
      if (end == std::string::npos) end = roles.size();
      std::string name = roles.substr(start, end - start);
      name.erase(0, name.find_first_not_of(' '));
      name.erase(name.find_last_not_of(' ') + 1);
      if (name == "partner") {
        partner = true;
      } else if (auto role = domain::ParseUserRole(name)) {
        staff.insert(*role);
      } else if (!name.empty()) {
        yaml.Fail("writes." + type, "not a role: '" + name + "'");
      }
      start = end + 1;
    }
    c.writes.staff[type] = staff;
    if (partner) {
      c.writes.partner.insert(type);
    } else {
      c.writes.partner.erase(type);
    }
  }
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
  if (!o.auth_tokens_file.empty()) c.auth.tokens_file = o.auth_tokens_file;
  if (!o.data_dir.empty()) c.data_dir = o.data_dir;
  return Status::Ok();
}

}  // namespace sightline::gateway
