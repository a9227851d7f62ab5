#include "config.h"

#include "store_layout.h"

#include <algorithm>
#include <set>
#include <thread>

namespace sightline::projector {
namespace {

std::set<domain::UserRole> Roles(config::YamlReader& yaml, const std::string& key,
                                 std::set<domain::UserRole> fallback) {
  std::size_t n = yaml.ListSize(key);
  if (n == 0) return fallback;
  std::set<domain::UserRole> out;
  for (std::size_t i = 0; i < n; ++i) {
    std::string item = key + "[" + std::to_string(i) + "]";
    std::string name = yaml.String(item, "");
    if (auto role = domain::ParseUserRole(name)) {
      out.insert(*role);
    } else {
      yaml.Fail(item, "unknown role '" + name + "'");
    }
  }
  return out;
}

bool IsHex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// Handler threads: twice the cores, at least 4 (ADR 0024). A read is CPU work once its audit
// record is awaited without a thread (ADR 0017), and every idle thread that a request wakes costs
// two context switches. On two cores 4 threads answered 38-68% more child records a second than
// 16 with no ingest, and about 10% more under 10,000 events/s of ingest.
int DefaultHandlerThreads() {
  return std::clamp(2 * static_cast<int>(std::thread::hardware_concurrency()), 4, 64);
}

}  // namespace

ProjectorConfig::ProjectorConfig() {
  http = {.host = "127.0.0.1",
          .port = 8081,
          .max_body_bytes = 4096,
          .threads = DefaultHandlerThreads()};
  group_id = "sightline-projector";
  data_dir = "var/projector";
  // A child touched by several events in one batch is folded once for all of them, so a
  // projector behind the topic catches up faster in larger batches: 50,700 events/s against
  // 35,500 at 2,000 (bench, 1M events); 50,000 gave no more and took 100 MiB more.
  batch_max_events = 20000;
}

Status ReadProjectorConfig(config::YamlReader& yaml, ProjectorConfig& c) {
  consumer::ReadServiceConfig(yaml, c);
  c.web_root = yaml.String("http.web_root", c.web_root);
  c.kept_record_json = static_cast<std::size_t>(
      yaml.Int("http.kept_record_json", static_cast<std::int64_t>(c.kept_record_json), 0, 1000000));
  c.topic = yaml.String("kafka.topic", c.topic);
  c.alerts_topic = yaml.String("kafka.alerts_topic", c.alerts_topic);
  c.gateway_url = yaml.String("gateway.url", c.gateway_url);
  c.gateway_ca_file = yaml.String("gateway.ca_file", c.gateway_ca_file);
  if (!c.gateway_url.empty() && !c.gateway_url.starts_with("http://") &&
      !c.gateway_url.starts_with("https://"))
    yaml.Fail("gateway.url", "must start with http:// or https://, got '" + c.gateway_url + "'");
  c.block_cache_bytes =
      static_cast<std::size_t>(yaml.Int(
          "store.block_cache_mb", static_cast<std::int64_t>(c.block_cache_bytes >> 20), 8, 65536))
      << 20;
  c.write_buffer_bytes =
      static_cast<std::size_t>(yaml.Int(
          "store.write_buffer_mb", static_cast<std::int64_t>(c.write_buffer_bytes >> 20), 1, 4096))
      << 20;
  c.batch_wait =
      std::chrono::milliseconds(yaml.Int("apply.batch_wait_ms", c.batch_wait.count(), 1, 10000));
  c.ready_max_lag = yaml.Int("apply.ready_max_lag", c.ready_max_lag, 0, 1LL << 40);
  c.fold_cache_children = static_cast<std::size_t>(yaml.Int(
      "apply.fold_cache_children", static_cast<std::int64_t>(c.fold_cache_children), 0, 10000000));
  c.calendar_file = yaml.String("clocks.calendar_file", c.calendar_file);
  c.policy.decision_working_days = static_cast<int>(
      yaml.Int("clocks.decision_working_days", c.policy.decision_working_days, 0, 30));
  c.policy.assessment_working_days = static_cast<int>(
      yaml.Int("clocks.assessment_working_days", c.policy.assessment_working_days, 1, 200));
  c.policy.conference_working_days = static_cast<int>(
      yaml.Int("clocks.conference_working_days", c.policy.conference_working_days, 1, 100));
  c.policy.re_referral_months =
      static_cast<int>(yaml.Int("clocks.re_referral_months", c.policy.re_referral_months, 1, 60));
  c.access.restricted_roles = Roles(yaml, "access.restricted_roles", c.access.restricted_roles);
  c.access.service_wide_roles =
      Roles(yaml, "access.service_wide_roles", c.access.service_wide_roles);
  c.access.line_of_sight_roles =
      Roles(yaml, "access.line_of_sight_roles", c.access.line_of_sight_roles);
  c.rebuild_roles = Roles(yaml, "access.rebuild_roles", c.rebuild_roles);
  std::set<std::string> ids, tokens;
  std::size_t n = yaml.ListSize("access.users");
  for (std::size_t i = 0; i < n; ++i) {
    std::string at = "access.users[" + std::to_string(i) + "]";
    ApiUser u;
    u.user.id = yaml.String(at + ".id", "");
    std::string role = yaml.String(at + ".role", "");
    u.user.team_id = yaml.String(at + ".team", "");
    u.token_sha256 = yaml.String(at + ".token_sha256", "");
    if (u.user.id.empty()) yaml.Fail(at + ".id", "required");
    if (!ids.insert(u.user.id).second) yaml.Fail(at + ".id", "duplicate user '" + u.user.id + "'");
    if (auto r = domain::ParseUserRole(role)) {
      u.user.role = *r;
    } else {
      yaml.Fail(at + ".role", "unknown role '" + role + "'");
    }
    if (!IsHex64(u.token_sha256)) {
      yaml.Fail(at + ".token_sha256", "must be 64 lower-case hex digits (sha256sum of the token)");
    } else if (!tokens.insert(u.token_sha256).second) {
      yaml.Fail(at + ".token_sha256", "the same token is given to two users");
    }
    c.users.push_back(std::move(u));
  }
  return yaml.Finish();
}

StatusOr<consumer::KafkaHandles> ConnectKafka(const ProjectorConfig& c, const std::string& group,
                                              kafka::Properties consumer_properties) {
  return consumer::Connect({.brokers = c.brokers,
                            .properties = c.kafka_properties,
                            .topic = c.topic,
                            .group_id = group,
                            .client_id = "sightline-projector",
                            .consumer_properties = std::move(consumer_properties),
                            .producer_properties = ProjectorProducerProperties()});
}

kafka::Properties ProjectorProducerProperties() { return {{"linger.ms", "1"}}; }

kafka::Properties ReplayConsumerProperties() {
  return {{"queued.min.messages", "10000000"},
          {"queued.max.messages.kbytes", "32768"},
          {"max.partition.fetch.bytes", "8388608"}};
}

consumer::Options ReplayShellOptionsFor(const ProjectorConfig& c) {
  consumer::Options o = ShellOptionsFor(c);
  o.stop_when_caught_up = true;
  o.batch_max_records = std::max<std::size_t>(o.batch_max_records, 20000);
  return o;
}

consumer::Options ShellOptionsFor(const ProjectorConfig& c) {
  return {.service = "sightline-projector",
          .topic = c.topic,
          .dlq_topic = c.dlq_topic,
          .offsets_cf = cf::kMeta,
          .batch_max_records = c.batch_max_events,
          .batch_wait = c.batch_wait,
          .ready_max_lag = c.ready_max_lag};
}

}  // namespace sightline::projector
