#include "sightline/kafka/consumer.h"

#include <condition_variable>
#include <mutex>
#include <thread>

#include "rdkafka_util.h"

namespace sightline::kafka {

// Watermark queries go through a client handle of their own: on the consuming handle's
// connection each ListOffsets request waits behind the fetch long-poll in flight (up to
// fetch.wait.max.ms, 500 ms), and a query makes two requests per partition, so three partitions
// cost about 3 s per query and stalled the consume loop that asks after every tick.
//
// librdkafka 2.0 (Debian 12) also ignores the timeout of rd_kafka_query_watermark_offsets while
// the broker is down and blocks until it is back (fixed upstream in 2.3.0). So the query runs on
// a thread of its own and the caller waits at most its timeout; a query still stuck makes the
// next calls answer Unavailable at once instead of starting another.
struct WatermarkQuery {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  StatusOr<std::map<std::int32_t, std::int64_t>> result = Unavailable("watermark query pending");
};

struct Consumer::Impl {
  ConsumerOptions options;
  internal::KafkaHandle rk;
  internal::KafkaHandle query_rk;  // Watermark queries only: never fetches, never blocked by it.
  int partitions = 0;
  std::shared_ptr<WatermarkQuery> in_flight;  // Set while a query has not returned.
};

namespace {

using PartitionList =
    std::unique_ptr<rd_kafka_topic_partition_list_t, void (*)(rd_kafka_topic_partition_list_t*)>;

PartitionList ToList(const std::string& topic,
                     const std::map<std::int32_t, std::int64_t>& offsets) {
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())),
                     rd_kafka_topic_partition_list_destroy);
  for (const auto& [p, offset] : offsets)
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset = offset;
  return list;
}

}  // namespace

Consumer::Consumer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Consumer::~Consumer() {
  if (impl_->in_flight) {
    std::lock_guard lock(impl_->in_flight->mu);
    if (!impl_->in_flight->done) {
      // A query thread still uses its handle: leave it to the process exit rather than free
      // it under that thread.
      static_cast<void>(impl_->query_rk.release());
    }
  }
  if (impl_->rk) rd_kafka_consumer_close(impl_->rk.get());
}

StatusOr<std::unique_ptr<Consumer>> Consumer::Create(const ConsumerOptions& o) {
  if (o.topic.empty()) return InvalidArgument("consumer: topic is required");
  if (o.group_id.empty()) return InvalidArgument("consumer: group_id is required");
  internal::ConfHandle conf(rd_kafka_conf_new());
  Properties fixed = {{"bootstrap.servers", o.brokers},
                      {"group.id", o.group_id},
                      {"client.id", o.client_id},
                      {"enable.auto.commit", "false"},
                      {"enable.auto.offset.store", "false"},
                      {"enable.partition.eof", "false"},
                      {"allow.auto.create.topics", "false"},
                      // Bounds prefetch memory per partition (the projector's batches are small).
                      {"queued.max.messages.kbytes", "65536"}};
  if (Status s = internal::SetAll(conf.get(), fixed); !s.ok()) return s;
  if (Status s = internal::SetAll(conf.get(), o.properties); !s.ok()) return s;
  auto client = internal::NewClient(RD_KAFKA_CONSUMER, std::move(conf));
  if (!client.ok()) return client.status();
  // The query handle: same brokers and security settings, no group.
  internal::ConfHandle query_conf(rd_kafka_conf_new());
  Properties query_fixed = {{"bootstrap.servers", o.brokers},
                            {"client.id", o.client_id + "-watermarks"},
                            {"enable.auto.commit", "false"},
                            {"allow.auto.create.topics", "false"}};
  if (Status s = internal::SetAll(query_conf.get(), query_fixed); !s.ok()) return s;
  if (Status s = internal::SetAll(query_conf.get(), o.properties); !s.ok()) return s;
  auto query_client = internal::NewClient(RD_KAFKA_CONSUMER, std::move(query_conf));
  if (!query_client.ok()) return query_client.status();
  auto impl = std::make_unique<Impl>();
  impl->options = o;
  impl->rk = std::move(client).value();
  impl->query_rk = std::move(query_client).value();
  return std::unique_ptr<Consumer>(new Consumer(std::move(impl)));
}

StatusOr<int> Consumer::Partitions(std::chrono::milliseconds timeout) {
  auto n = internal::TopicPartitions(impl_->rk.get(), impl_->options.topic,
                                     static_cast<int>(timeout.count()));
  if (n.ok()) impl_->partitions = n.value();
  return n;
}

Status Consumer::Assign(const std::map<std::int32_t, std::int64_t>& next_offsets) {
  PartitionList list = ToList(impl_->options.topic, next_offsets);
  return internal::FromError(rd_kafka_assign(impl_->rk.get(), list.get()),
                             "assign " + impl_->options.topic);
}

StatusOr<std::map<std::int32_t, std::int64_t>> Consumer::AssignFrom(
    const std::map<std::int32_t, std::int64_t>& stored, std::chrono::milliseconds timeout) {
  auto n = Partitions(timeout);
  if (!n.ok()) return n.status();
  std::map<std::int32_t, std::int64_t> start, next;
  for (std::int32_t p = 0; p < n.value(); ++p) {
    auto it = stored.find(p);
    start[p] = it == stored.end() ? kOffsetBeginning : it->second;
    next[p] = it == stored.end() ? 0 : it->second;
  }
  if (Status s = Assign(start); !s.ok()) return s;
  return next;
}

StatusOr<std::vector<Record>> Consumer::Poll(std::size_t max_records,
                                             std::chrono::milliseconds wait) {
  std::vector<Record> out;
  int timeout = static_cast<int>(wait.count());
  while (out.size() < max_records) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(impl_->rk.get(), out.empty() ? timeout : 0);
    if (m == nullptr) break;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      out.push_back(internal::ToRecord(m));
    } else if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
      char why[512];
      rd_kafka_fatal_error(impl_->rk.get(), why, sizeof why);
      rd_kafka_message_destroy(m);
      return Internal(std::string("fatal consumer error: ") + why);
    } else if (m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
               m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
      std::string why = rd_kafka_message_errstr(m);
      rd_kafka_message_destroy(m);
      return Unavailable("consume " + impl_->options.topic + ": " + why);
    }
    // Other errors (broker down, rebalancing) are transient: librdkafka retries by itself.
    rd_kafka_message_destroy(m);
  }
  return out;
}

StatusOr<std::map<std::int32_t, std::int64_t>> Consumer::HighWatermarks(
    std::chrono::milliseconds timeout) {
  if (impl_->in_flight) {
    std::lock_guard lock(impl_->in_flight->mu);
    if (!impl_->in_flight->done) {
      return Unavailable("watermarks of " + impl_->options.topic +
                         ": an earlier query is still waiting for the broker");
    }
  }
  auto query = std::make_shared<WatermarkQuery>();
  impl_->in_flight = query;
  std::thread([query, rk = impl_->query_rk.get(), topic = impl_->options.topic,
               partitions = impl_->partitions, ms = static_cast<int>(timeout.count())] {
    std::map<std::int32_t, std::int64_t> out;
    StatusOr<std::map<std::int32_t, std::int64_t>> result = out;
    for (std::int32_t p = 0; p < partitions; ++p) {
      std::int64_t lo = 0, hi = 0;
      rd_kafka_resp_err_t err =
          rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &lo, &hi, ms);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        result = internal::FromError(err, "watermarks of " + topic);
        break;
      }
      out[p] = hi;
      result = out;
    }
    std::lock_guard lock(query->mu);
    query->result = std::move(result);
    query->done = true;
    query->cv.notify_all();
  }).detach();
  std::unique_lock lock(query->mu);
  if (!query->cv.wait_for(lock, timeout + std::chrono::milliseconds(500),
                          [&] { return query->done; })) {
    return Unavailable("watermarks of " + impl_->options.topic + ": no answer in " +
                       std::to_string(timeout.count()) + " ms");
  }
  impl_->in_flight.reset();
  return query->result;
}

void Consumer::CommitAdvisory(const std::map<std::int32_t, std::int64_t>& next_offsets) {
  if (next_offsets.empty()) return;
  PartitionList list = ToList(impl_->options.topic, next_offsets);
  // Async: the result only feeds lag dashboards, so a failure is deliberately not acted on.
  static_cast<void>(rd_kafka_commit(impl_->rk.get(), list.get(), 1));
}

}  // namespace sightline::kafka
