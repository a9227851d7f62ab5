// The two Kafka handles every consuming service opens: a consumer of its topic (offsets come
// from its store, the group commit is advisory) and an idempotent producer for its dead letters
// and whatever it emits. Both carry the service's name as client id, so broker logs and quotas
// can tell the services apart.
#pragma once

#include <memory>
#include <string>

#include "sightline/core/status.h"
#include "sightline/kafka/consumer.h"
#include "sightline/kafka/producer.h"
#include "sightline/kafka/properties.h"

namespace sightline::consumer {

struct KafkaHandles {
  std::unique_ptr<kafka::Producer> producer;
  std::unique_ptr<kafka::Consumer> consumer;
};

struct KafkaEndpoint {
  std::string brokers;
  kafka::Properties properties;  // The operator's pass-through settings (TLS, SASL, ...).
  std::string topic;             // Consumed.
  std::string group_id;          // Advisory commits only.
  std::string client_id;         // The service's name.
  // The consumer's own settings (prefetch depth), applied before `properties`, which win.
  kafka::Properties consumer_properties = {};
  // The producer's own settings (e.g. a shorter linger where a reader waits on the write),
  // applied before `properties`, which win.
  kafka::Properties producer_properties = {};
};

StatusOr<KafkaHandles> Connect(const KafkaEndpoint& endpoint);

}  // namespace sightline::consumer
