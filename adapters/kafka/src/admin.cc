#include "sightline/kafka/admin.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "rdkafka_util.h"

namespace sightline::kafka {

namespace {

// The partition count of a topic the controller says exists. Under KRaft the broker answering
// metadata may not have applied the topic's creation yet (another client created it a moment
// ago) and says "unknown topic or partition" or "leader not available" for a while: asked
// again until `timeout`.
StatusOr<int> PartitionsOfExisting(rd_kafka_t* rk, const std::string& topic,
                                   std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    rd_kafka_resp_err_t topic_error = RD_KAFKA_RESP_ERR_NO_ERROR;
    StatusOr<int> count = internal::TopicPartitions(
        rk, topic, static_cast<int>(std::max<std::int64_t>(left.count(), 1)), &topic_error);
    if (count.ok() || left <= std::chrono::milliseconds(200)) return count;
    if (topic_error != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART &&
        topic_error != RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE) {
      return count;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace

StatusOr<std::map<std::string, std::string>> EnsureTopics(const std::string& brokers,
                                                          const Properties& properties,
                                                          const std::vector<TopicSpec>& topics,
                                                          std::chrono::milliseconds timeout) {
  internal::ConfHandle conf(rd_kafka_conf_new());
  if (Status s = internal::SetAll(conf.get(), {{"bootstrap.servers", brokers}}); !s.ok()) return s;
  if (Status s = internal::SetAll(conf.get(), properties); !s.ok()) return s;
  auto client = internal::NewClient(RD_KAFKA_PRODUCER, std::move(conf));
  if (!client.ok()) return client.status();
  rd_kafka_t* rk = client.value().get();
  int timeout_ms = static_cast<int>(timeout.count());

  std::vector<rd_kafka_NewTopic_t*> specs;
  char err[512];
  Status failure = Status::Ok();
  for (const TopicSpec& t : topics) {
    rd_kafka_NewTopic_t* nt =
        rd_kafka_NewTopic_new(t.name.c_str(), t.partitions, t.replication_factor, err, sizeof err);
    if (nt == nullptr) {
      failure = InvalidArgument("topic " + t.name + ": " + err);
      break;
    }
    specs.push_back(nt);
    for (const auto& [name, value] : t.config) {
      if (rd_kafka_NewTopic_set_config(nt, name.c_str(), value.c_str()) !=
          RD_KAFKA_RESP_ERR_NO_ERROR) {
        failure = InvalidArgument("topic " + t.name + ": config " + name);
      }
    }
  }
  std::map<std::string, std::string> outcome;
  if (failure.ok()) {
    rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t* options =
        rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_operation_timeout(options, timeout_ms, err, sizeof err);
    rd_kafka_AdminOptions_set_request_timeout(options, timeout_ms, err, sizeof err);
    rd_kafka_CreateTopics(rk, specs.data(), specs.size(), options, queue);
    rd_kafka_event_t* event = rd_kafka_queue_poll(queue, timeout_ms + 2000);
    if (event == nullptr) {
      failure = Unavailable("CreateTopics: no answer from Kafka in time");
    } else if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      failure = Unavailable(std::string("CreateTopics: ") + rd_kafka_event_error_string(event));
    } else {
      std::size_t n = 0;
      const rd_kafka_topic_result_t** results =
          rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &n);
      for (std::size_t i = 0; i < n && failure.ok(); ++i) {
        std::string name = rd_kafka_topic_result_name(results[i]);
        rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
          outcome[name] = "created";
        } else if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
          outcome[name] = "exists";
        } else {
          const char* why = rd_kafka_topic_result_error_string(results[i]);
          failure = Unavailable("topic " + name + ": " + (why ? why : rd_kafka_err2str(e)));
        }
      }
    }
    if (event != nullptr) rd_kafka_event_destroy(event);
    rd_kafka_AdminOptions_destroy(options);
    rd_kafka_queue_destroy(queue);
  }
  rd_kafka_NewTopic_destroy_array(specs.data(), specs.size());
  if (!failure.ok()) return failure;
  // An existing topic must have the partitions we expect: they decide where each child's events go.
  for (const TopicSpec& t : topics) {
    if (outcome[t.name] != "exists") continue;
    StatusOr<int> count = PartitionsOfExisting(rk, t.name, timeout);
    if (!count.ok()) return count.status();
    if (count.value() != t.partitions) {
      return InvalidArgument("topic " + t.name + " exists with " + std::to_string(count.value()) +
                             " partitions, configured " + std::to_string(t.partitions) +
                             " (repartitioning moves children between partitions: plan it)");
    }
  }
  return outcome;
}

}  // namespace sightline::kafka
