#include "sightline/kafka/reader.h"

#include <map>

#include "rdkafka_util.h"

namespace sightline::kafka {

StatusOr<std::vector<Record>> ReadTopic(const std::string& brokers, const Properties& properties,
                                        const std::string& topic, std::chrono::milliseconds timeout,
                                        int* partition_count) {
  internal::ConfHandle conf(rd_kafka_conf_new());
  Properties fixed = {{"bootstrap.servers", brokers},
                      {"group.id", "sightline-reader"},  // Required by librdkafka; never joined.
                      {"enable.auto.commit", "false"},
                      {"enable.partition.eof", "false"}};
  if (Status s = internal::SetAll(conf.get(), fixed); !s.ok()) return s;
  if (Status s = internal::SetAll(conf.get(), properties); !s.ok()) return s;
  auto client = internal::NewClient(RD_KAFKA_CONSUMER, std::move(conf));
  if (!client.ok()) return client.status();
  rd_kafka_t* rk = client.value().get();
  int timeout_ms = static_cast<int>(timeout.count());

  StatusOr<int> counted = internal::TopicPartitions(rk, topic, timeout_ms);
  if (!counted.ok()) return counted.status();
  int partitions = counted.value();
  if (partition_count != nullptr) *partition_count = partitions;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;

  // Read each partition up to where it ended when we started.
  std::map<std::int32_t, std::int64_t> end;
  rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(partitions);
  for (std::int32_t p = 0; p < partitions; ++p) {
    std::int64_t lo = 0, hi = 0;
    err = rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &lo, &hi, timeout_ms);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_topic_partition_list_destroy(assignment);
      return internal::FromError(err, "watermarks of " + topic);
    }
    if (hi > lo) {
      end[p] = hi;
      rd_kafka_topic_partition_list_add(assignment, topic.c_str(), p)->offset = lo;
    }
  }
  std::vector<Record> records;
  if (!end.empty()) {
    rd_kafka_assign(rk, assignment);
  }
  rd_kafka_topic_partition_list_destroy(assignment);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!end.empty()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return Unavailable("timed out reading " + topic + " (" + std::to_string(records.size()) +
                         " records read)");
    }
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
    if (m == nullptr) continue;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::string why = rd_kafka_message_errstr(m);
      rd_kafka_message_destroy(m);
      return Unavailable("reading " + topic + ": " + why);
    }
    Record r = internal::ToRecord(m);
    rd_kafka_message_destroy(m);
    auto it = end.find(r.partition);
    if (it != end.end() && r.offset + 1 >= it->second) end.erase(it);
    records.push_back(std::move(r));
  }
  rd_kafka_consumer_close(rk);
  return records;
}

}  // namespace sightline::kafka
