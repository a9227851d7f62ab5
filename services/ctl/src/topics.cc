#include <iostream>

#include "commands.h"
#include "sightline/config/yaml_reader.h"
#include "sightline/kafka/admin.h"

namespace sightline::ctl {

StatusOr<std::vector<kafka::TopicSpec>> LoadTopics(const std::string& path) {
  auto yaml = config::YamlReader::FromFile(path);
  if (!yaml.ok()) return yaml.status();
  config::YamlReader& y = yaml.value();
  std::vector<kafka::TopicSpec> topics;
  std::size_t n = y.ListSize("topics");
  if (n == 0) y.Fail("topics", "must list at least one topic");
  for (std::size_t i = 0; i < n; ++i) {
    std::string at = "topics[" + std::to_string(i) + "]";
    kafka::TopicSpec t;
    t.name = y.String(at + ".name", "");
    t.partitions = static_cast<int>(y.Int(at + ".partitions", 0, 1, 10000));
    t.replication_factor = static_cast<int>(y.Int(at + ".replication_factor", 1, 1, 16));
    t.config = y.StringMap(at + ".config");
    if (t.name.empty()) y.Fail(at + ".name", "required");
    if (t.partitions == 0) y.Fail(at + ".partitions", "required (explicit, never a default)");
    topics.push_back(std::move(t));
  }
  if (Status s = y.Finish(); !s.ok()) return s;
  return topics;
}

int EnsureTopics(const KafkaOptions& kafka, const TopicsOptions& options) {
  auto topics = LoadTopics(options.file);
  if (!topics.ok()) {
    std::cerr << "topics: " << topics.status().message() << "\n";
    return 1;
  }
  // A replicated cluster's settings over the file's (deploy/topics.yaml keeps one node's).
  for (kafka::TopicSpec& t : topics.value()) {
    if (options.replication_factor > 0) t.replication_factor = options.replication_factor;
    if (options.min_insync_replicas > 0) {
      if (options.min_insync_replicas > t.replication_factor) {
        std::cerr << "topics: --min-insync-replicas " << options.min_insync_replicas
                  << " is more than topic " << t.name << "'s replication factor "
                  << t.replication_factor << "\n";
        return 1;
      }
      t.config["min.insync.replicas"] = std::to_string(options.min_insync_replicas);
    }
  }
  auto outcome = kafka::EnsureTopics(kafka.brokers, kafka.properties, topics.value(),
                                     std::chrono::seconds(30));
  if (!outcome.ok()) {
    std::cerr << "topics: " << outcome.status().message() << "\n";
    return outcome.status().code() == StatusCode::kUnavailable ? 2 : 1;
  }
  for (const auto& t : topics.value()) {
    std::cout << "topic " << t.name << " (" << t.partitions << " partitions, replication "
              << t.replication_factor << "): " << outcome.value().at(t.name) << "\n";
  }
  return 0;
}

}  // namespace sightline::ctl
