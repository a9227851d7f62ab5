// Creates Sightline's topics with explicit partition counts and configs (never auto-create).
// Idempotent: a topic that exists with the same partition count is fine; one with a different
// count is an error (partition count decides which partition a child's events land on).
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "sightline/core/status.h"
#include "sightline/kafka/properties.h"

namespace sightline::kafka {

struct TopicSpec {
  std::string name;
  int partitions = 1;
  int replication_factor = 1;
  std::map<std::string, std::string> config;  // Topic-level configs, e.g. retention.ms.
};

// Returns, for each topic, "created" or "exists".
StatusOr<std::map<std::string, std::string>> EnsureTopics(const std::string& brokers,
                                                          const Properties& properties,
                                                          const std::vector<TopicSpec>& topics,
                                                          std::chrono::milliseconds timeout);

}  // namespace sightline::kafka
