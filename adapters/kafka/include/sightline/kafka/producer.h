// A Kafka producer that answers only once the broker has acknowledged.
//
// It is idempotent (enable.idempotence, acks=all): librdkafka's own retries never duplicate or
// reorder a message within a partition. Keys are hashed with murmur2 like the Java client, so every
// client puts a child's events on the same partition. SendAndWait blocks until each message has
// a delivery report: success with its partition and offset, or failure (Unavailable once
// delivery_timeout has passed with the broker unreachable). A background thread serves delivery
// reports. Thread-safe. Destruction flushes what is still in flight for up to 10 s, then purges
// the rest (each is reported failed, so no waiter is left waiting).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "sightline/core/status.h"
#include "sightline/kafka/properties.h"

namespace sightline::kafka {

// The partition chosen by the key (murmur2), unless a message names one (tools and tests only).
inline constexpr std::int32_t kPartitionByKey = -1;

struct OutboundMessage {
  std::string topic;
  std::string key;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
  std::int32_t partition = kPartitionByKey;
};

struct Delivery {
  Status status;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
};

struct ProducerOptions {
  std::string brokers;
  Properties properties;  // Pass-through, applied after Sightline's own settings.
  std::chrono::milliseconds delivery_timeout{10000};
  std::string client_id = "sightline";
  // Topics whose messages are given longer than delivery_timeout; 0 means until the broker
  // acknowledges them or refuses them for good. A message that times out after it was sent may
  // still have been written ("possibly persisted"), so a caller that frees its id and resends
  // can write it twice; giving the event log no timeout closes that window (ADR 0022).
  std::map<std::string, std::chrono::milliseconds> topic_delivery_timeouts{};
};

class Producer {
 public:
  static StatusOr<std::unique_ptr<Producer>> Create(const ProducerOptions& options);
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  std::vector<Delivery> SendAndWait(std::span<const OutboundMessage> messages);
  // Like SendAndWait, without waiting: `then` gets the deliveries, in order, once each has been
  // acknowledged or has failed. It runs once, on the producer's delivery thread (or on this one,
  // when nothing could be enqueued), so it must be quick and must not call SendAndWait.
  void Send(std::span<const OutboundMessage> messages,
            std::function<void(std::vector<Delivery>)> then);

  // OK when a broker answers a metadata request for `topic` within `timeout` and the topic exists.
  Status Ping(const std::string& topic, std::chrono::milliseconds timeout);
  // Makes `topic` known to the producer for its lifetime and waits for its metadata, so that
  // the first message to it (a deadline's alert, perhaps long after start-up) does not wait for
  // a metadata round trip and a leader lookup first.
  Status Warm(const std::string& topic, std::chrono::milliseconds timeout);

  // A fatal producer error (e.g. the idempotence guarantee was lost): the producer must not be
  // used again; the service should stop and be restarted.
  bool HasFatalError() const;

 private:
  struct Impl;
  explicit Producer(std::unique_ptr<Impl> impl);
  // Enqueues `messages` for the batch behind `opaque` (producer.cc's Batch).
  void Enqueue(const std::shared_ptr<void>& opaque, std::span<const OutboundMessage> messages);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sightline::kafka
