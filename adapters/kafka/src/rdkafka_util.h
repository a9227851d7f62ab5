// Shared helpers for the librdkafka wrappers (internal to the Kafka adapter).
#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>

#include "sightline/core/status.h"
#include "sightline/kafka/properties.h"
#include "sightline/kafka/record.h"

namespace sightline::kafka::internal {

struct KafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using KafkaHandle = std::unique_ptr<rd_kafka_t, KafkaDeleter>;

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
using ConfHandle = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

// Sets each property; the error names the property and librdkafka's reason.
inline Status SetAll(rd_kafka_conf_t* conf, const Properties& props) {
  char err[512];
  for (const auto& [name, value] : props) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      return InvalidArgument("kafka property '" + name + "': " + err);
    }
  }
  return Status::Ok();
}

// Creates a client of the given type; on success librdkafka owns conf.
inline StatusOr<KafkaHandle> NewClient(rd_kafka_type_t type, ConfHandle conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), err, sizeof err);
  if (rk == nullptr) return InvalidArgument(std::string("cannot create Kafka client: ") + err);
  static_cast<void>(conf.release());
  return KafkaHandle(rk);
}

inline Status FromError(rd_kafka_resp_err_t err, const std::string& what) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
  return Unavailable(what + ": " + rd_kafka_err2str(err));
}

// Partition count of `topic` from the broker's metadata. Unavailable when no broker answers in
// time or the topic does not exist (or is otherwise unusable); then `topic_error`, if given,
// holds the broker's error for the topic.
inline StatusOr<int> TopicPartitions(rd_kafka_t* rk, const std::string& topic, int timeout_ms,
                                     rd_kafka_resp_err_t* topic_error = nullptr) {
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms);
  rd_kafka_topic_destroy(rkt);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return FromError(err, "metadata of " + topic);
  StatusOr<int> result = Unavailable("topic " + topic + ": no answer in metadata");
  if (md->broker_cnt == 0) {
    result = Unavailable("no Kafka broker in metadata");
  } else if (md->topic_cnt == 1 && md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    result = Unavailable("topic " + topic + ": " + rd_kafka_err2str(md->topics[0].err));
    if (topic_error != nullptr) *topic_error = md->topics[0].err;
  } else if (md->topic_cnt == 1) {
    result = md->topics[0].partition_cnt;
  }
  rd_kafka_metadata_destroy(md);
  return result;
}

// Copies a fetched message (key, value, headers) into a Record.
inline Record ToRecord(const rd_kafka_message_t* m) {
  Record r;
  r.partition = m->partition;
  r.offset = m->offset;
  r.timestamp_ms = rd_kafka_message_timestamp(m, nullptr);
  if (m->key) r.key.assign(static_cast<const char*>(m->key), m->key_len);
  if (m->payload) r.value.assign(static_cast<const char*>(m->payload), m->len);
  rd_kafka_headers_t* headers = nullptr;
  // rd_kafka_message_headers takes a non-const message but only reads it.
  if (rd_kafka_message_headers(const_cast<rd_kafka_message_t*>(m), &headers) ==
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name;
    const void* value;
    std::size_t size;
    for (std::size_t i = 0; !rd_kafka_header_get_all(headers, i, &name, &value, &size); ++i) {
      r.headers.emplace_back(name, std::string(static_cast<const char*>(value), size));
    }
  }
  return r;
}

}  // namespace sightline::kafka::internal
