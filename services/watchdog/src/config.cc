#include "config.h"

namespace sightline::watchdog_service {

WatchdogConfig::WatchdogConfig() {
  http.port = 8082;
  group_id = "sightline-watchdog";
  data_dir = "var/watchdog";
}

Status ReadWatchdogConfig(config::YamlReader& yaml, WatchdogConfig& c) {
  consumer::ReadServiceConfig(yaml, c);
  c.topic = yaml.String("kafka.topic", c.topic);
  c.alerts_topic = yaml.String("kafka.alerts_topic", c.alerts_topic);
  c.policy_file = yaml.String("policy_file", c.policy_file);
  c.batch_wait =
      std::chrono::milliseconds(yaml.Int("apply.batch_wait_ms", c.batch_wait.count(), 1, 10000));
  c.tick = std::chrono::milliseconds(yaml.Int("apply.tick_ms", c.tick.count(), 50, 60000));
  c.tick_max_streams = static_cast<std::size_t>(yaml.Int(
      "apply.tick_max_children", static_cast<std::int64_t>(c.tick_max_streams), 1, 100000));
  consumer::ReadLeaseConfig(yaml, c, c.lease);
  if (c.policy_file.empty()) yaml.Fail("policy_file", "must not be empty");
  return yaml.Finish();
}

Status ApplyOverrides(const Overrides& o, WatchdogConfig& c) {
  if (Status s = consumer::ApplyServiceOverrides(o, c); !s.ok()) return s;
  if (!o.policy_file.empty()) c.policy_file = o.policy_file;
  if (!o.clock_file.empty()) c.clock_file = o.clock_file;
  return Status::Ok();
}

}  // namespace sightline::watchdog_service
