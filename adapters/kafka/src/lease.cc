#include "sightline/kafka/lease.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <thread>

#include "rdkafka_util.h"

namespace sightline::kafka {

struct Lease::Impl {
  internal::KafkaHandle rk;
  std::atomic<bool> stop{false};
  std::thread poller;
  std::string topic;
};

struct LeaseCallbacks {
  // Incremental (cooperative-sticky) or eager, as the group's protocol says: the partition is
  // taken or given back here, and Held() follows at once.
  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    auto* lease = static_cast<Lease*>(opaque);
    const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      rd_kafka_error_t* e = nullptr;
      if (cooperative) {
        e = rd_kafka_incremental_assign(rk, partitions);
      } else {
        rd_kafka_assign(rk, partitions);
      }
      if (e != nullptr) {
        std::fprintf(stderr, "kafka lease: assign: %s\n", rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
        return;
      }
      if (partitions->cnt > 0) {
        ++lease->generation_;
        lease->held_ = true;
      }
      return;
    }
    // Revoked, or lost (the session expired): the lease is gone before anything else happens.
    if (partitions->cnt > 0) lease->held_ = false;
    if (cooperative) {
      if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, partitions)) {
        rd_kafka_error_destroy(e);
      }
    } else {
      rd_kafka_assign(rk, nullptr);
    }
  }
};

Lease::Lease(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Lease::~Lease() {
  impl_->stop = true;
  if (impl_->poller.joinable()) impl_->poller.join();
  held_ = false;
  if (impl_->rk) rd_kafka_consumer_close(impl_->rk.get());  // Leave the group now.
}

Status Lease::Commit(const std::string& topic,
                     const std::map<std::int32_t, std::int64_t>& offsets) {
  if (offsets.empty()) return Status::Ok();
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()));
  for (const auto& [partition, offset] : offsets)
    rd_kafka_topic_partition_list_add(list, topic.c_str(), partition)->offset = offset;
  rd_kafka_resp_err_t err = rd_kafka_commit(impl_->rk.get(), list, 1);
  rd_kafka_topic_partition_list_destroy(list);
  return internal::FromError(err, "commit to the lease's group");
}

StatusOr<std::map<std::int32_t, std::int64_t>> Lease::Committed(
    const std::string& topic, const std::vector<std::int32_t>& partitions,
    std::chrono::milliseconds timeout) {
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size()));
  for (std::int32_t p : partitions) rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
  rd_kafka_resp_err_t err =
      rd_kafka_committed(impl_->rk.get(), list, static_cast<int>(timeout.count()));
  std::map<std::int32_t, std::int64_t> out;
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < list->cnt; ++i) {
      const rd_kafka_topic_partition_t& tp = list->elems[i];
      if (tp.err == RD_KAFKA_RESP_ERR_NO_ERROR && tp.offset >= 0) out[tp.partition] = tp.offset;
    }
  }
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return internal::FromError(err, "offsets committed in the lease's group");
  return out;
}

StatusOr<std::unique_ptr<Lease>> Lease::Create(const LeaseOptions& options) {
  if (options.topic.empty() || options.group_id.empty())
    return InvalidArgument("a lease needs a topic and a group id");
  internal::ConfHandle conf(rd_kafka_conf_new());
  const auto ms = [](std::chrono::milliseconds d) { return std::to_string(d.count()); };
  Properties fixed = {
      {"bootstrap.servers", options.brokers},
      {"client.id", options.client_id},
      {"group.id", options.group_id},
      {"partition.assignment.strategy", "cooperative-sticky"},
      {"session.timeout.ms", ms(options.session_timeout)},
      {"heartbeat.interval.ms",
       ms(std::max(std::chrono::milliseconds(100), options.session_timeout / 5))},
      {"enable.auto.commit", "false"},
      {"auto.offset.reset", "latest"},
      {"allow.auto.create.topics", "false"},
  };
  if (Status s = internal::SetAll(conf.get(), fixed); !s.ok()) return s;
  if (Status s = internal::SetAll(conf.get(), options.properties); !s.ok()) return s;
  std::unique_ptr<Lease> lease(new Lease(std::make_unique<Impl>()));
  rd_kafka_conf_set_rebalance_cb(conf.get(), LeaseCallbacks::OnRebalance);
  rd_kafka_conf_set_opaque(conf.get(), lease.get());
  auto rk = internal::NewClient(RD_KAFKA_CONSUMER, std::move(conf));
  if (!rk.ok()) return rk.status();
  lease->impl_->rk = std::move(rk).value();
  lease->impl_->topic = options.topic;
  rd_kafka_poll_set_consumer(lease->impl_->rk.get());
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, options.topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t err = rd_kafka_subscribe(lease->impl_->rk.get(), topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return internal::FromError(err, "subscribe to lease topic " + options.topic);
  Impl* impl = lease->impl_.get();
  impl->poller = std::thread([impl] {
    while (!impl->stop) {
      // Serves the group protocol's callbacks; the topic carries no records.
      if (rd_kafka_message_t* m = rd_kafka_consumer_poll(impl->rk.get(), 100)) {
        if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          std::fprintf(stderr, "kafka lease on %s: %s\n", impl->topic.c_str(),
                       rd_kafka_message_errstr(m));
        }
        rd_kafka_message_destroy(m);
      }
    }
  });
  return lease;
}

}  // namespace sightline::kafka
