// sightlinectl's subcommands. Each returns the process exit code: 0 done, 1 bad input or a
// failure worth a human's look, 2 a dependency (gateway, Kafka) unavailable.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sightline/kafka/admin.h"
#include "sightline/kafka/properties.h"
#include "sightline/simulator/simulate.h"

namespace sightline::ctl {

struct EmitOptions {
  std::string file;
  std::string gateway = "http://127.0.0.1:8080";
  int batch = 500;
  int retries = 5;  // Times to resend a batch the gateway answered 503 (same event_ids: safe).
  std::string token_file;  // The bearer token to send (a file, so it never shows in `ps`).
  std::string token;       // Read from token_file by Emit.
};
int Emit(EmitOptions options);

struct SimulateOptions {
  domain::SimulationParams params;
  std::string start;  // YYYY-MM-DD, overrides params.start_day when set.
  std::string out;    // File; "-" or empty for standard output.
};
int Simulate(const SimulateOptions& options);

struct KafkaOptions {
  std::string brokers = "127.0.0.1:9092";
  kafka::Properties properties;
};

// Reads deploy/topics.yaml (or another file) into topic specs; errors name the key.
StatusOr<std::vector<kafka::TopicSpec>> LoadTopics(const std::string& path);
int EnsureTopics(const KafkaOptions& kafka, const std::string& topics_file);

struct SummaryOptions {
  std::string topic = "sightline.events.v1";
  bool json = false;
  int samples = 3;  // Events shown decoded, as examples.
};
int Summary(const KafkaOptions& kafka, const SummaryOptions& options);

struct BacktestOptions {
  std::string policy_file = "deploy/watchdog-policy.yaml";
  std::string events_file;  // NDJSON, one event per line (as `simulate` writes).
  std::string until;        // YYYY-MM-DD or RFC 3339: simulated time stops here.
  std::string tick = "1m";  // Simulated clock step.
};
// Prints every alert lifecycle event the policy would have emitted, as JSON lines.
int Backtest(const BacktestOptions& options);
// Loads and validates a policy; prints its rules.
int CheckPolicy(const std::string& policy_file);

}  // namespace sightline::ctl
