// sightline-projector's typed configuration: loaded once from YAML (deploy/projector.yaml has
// every key, commented), then environment, then flags. Anything invalid stops start-up with the
// key and the reason.
#pragma once

#include <chrono>
#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include "sightline/config/yaml_reader.h"
#include "sightline/consumer/connect.h"
#include "sightline/consumer/service_config.h"
#include "sightline/consumer/shell.h"
#include "sightline/domain/access/access.h"
#include "sightline/domain/projection/projection.h"
#include "sightline/http/server.h"
#include "sightline/kafka/properties.h"

namespace sightline::projector {

// A user of the triage API. The config holds the SHA-256 of each bearer token, never the token.
struct ApiUser {
  domain::User user;
  std::string token_sha256;
};

struct ProjectorConfig : consumer::ServiceConfig {
  ProjectorConfig();
  std::string web_root = "web";  // Directory of the triage screen; empty serves no page.
  // Children whose record the API keeps written as JSON for its stored bytes (ADR 0026).
  std::size_t kept_record_json = 2000;
  std::string topic = "sightline.events.v1";
  std::size_t block_cache_bytes = 64 << 20;
  std::size_t write_buffer_bytes = 16 << 20;
  std::chrono::milliseconds batch_wait{100};
  std::int64_t ready_max_lag = 1000;  // /readyz fails while any partition lags by more.
  // The folds of this many recently changed children are kept between batches (ADR 0023).
  std::size_t fold_cache_children = 5000;
  std::string calendar_file = "deploy/calendar/england-and-wales.txt";
  domain::ProjectionPolicy policy;
  domain::AccessPolicy access;
  std::vector<ApiUser> users;
  // Who may rebuild the projection while it serves (POST /v1/admin/rebuild; ADR 0016).
  std::set<domain::UserRole> rebuild_roles = {domain::UserRole::kHeadOfService};
  // The alert board (issue 14): the watchdog's alert topic, consumed into <data_dir>/alerts.
  // Empty: no alerts are shown.
  std::string alerts_topic = "sightline.alerts.v1";
  // Where acknowledgements from the screen are written, as the signed-in user (their token is
  // passed on): the gateway's base URL, and the CA for https. Empty: acknowledging is off.
  std::string gateway_url;
  std::string gateway_ca_file;
};

Status ReadProjectorConfig(config::YamlReader& yaml, ProjectorConfig& config);

using Overrides = consumer::ServiceOverrides;

// The projector's producer and consumer of `topic`, in consumer group `group`. A rebuild's
// replay passes ReplayConsumerProperties(); the producer starts from
// ProjectorProducerProperties(); the configuration's kafka properties win over all of these.
StatusOr<consumer::KafkaHandles> ConnectKafka(const ProjectorConfig& config,
                                              const std::string& group,
                                              kafka::Properties consumer_properties = {});
// librdkafka 2.0 stops fetching a partition for a whole second once its prefetch queue holds
// queued.min.messages (100,000 by default); a replay drained that in less, and waited out the
// rest (a third of a 1M-event rebuild's time). The queue is bounded by bytes instead, deep
// enough to outlast that second: at most partitions x 32 MiB.
kafka::Properties ReplayConsumerProperties();
// The producer writes the audit records every read's answer waits for (ADR 0017), so it lingers
// 1 ms, not the 5 ms the writers' producers batch for: a single read's p50 went from 7.2 ms to
// 1.8 ms, and 64 connections' child reads from 5,900/s to 8,750/s, on the bench machine.
kafka::Properties ProjectorProducerProperties();
// The consumer shell's options for the events topic.
consumer::Options ShellOptionsFor(const ProjectorConfig& config);
// A rebuild's replay of the topic (ADR 0015): until the watermarks seen at start, in batches of
// at least 20,000 (a child whose events fall in one batch is folded once for all of them).
consumer::Options ReplayShellOptionsFor(const ProjectorConfig& config);

}  // namespace sightline::projector
