#include "sightline/consumer/connect.h"

namespace sightline::consumer {

StatusOr<KafkaHandles> Connect(const KafkaEndpoint& e) {
  kafka::Properties producer_properties = e.producer_properties;
  for (const auto& [name, value] : e.properties) producer_properties[name] = value;
  auto producer = kafka::Producer::Create({.brokers = e.brokers,
                                           .properties = producer_properties,
                                           .delivery_timeout = std::chrono::milliseconds(10000),
                                           .client_id = e.client_id});
  if (!producer.ok()) return producer.status();
  kafka::Properties consumer_properties = e.consumer_properties;
  for (const auto& [name, value] : e.properties) consumer_properties[name] = value;
  auto consumer = kafka::Consumer::Create({.brokers = e.brokers,
                                           .properties = consumer_properties,
                                           .topic = e.topic,
                                           .group_id = e.group_id,
                                           .client_id = e.client_id});
  if (!consumer.ok()) return consumer.status();
  return KafkaHandles{.producer = std::move(producer).value(),
                      .consumer = std::move(consumer).value()};
}

}  // namespace sightline::consumer
