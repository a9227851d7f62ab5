// One consumed Kafka record as Sightline's code sees it: where it came from (partition, offset)
// and its bytes. Plain data, so that code which only decides what a record means (a service's
// batch preparation, its tests) needs nothing of librdkafka.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sightline::kafka {

struct Record {
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  std::string key;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
  // Milliseconds since the epoch: the producer's create time, or the broker's append time on a
  // topic with message.timestamp.type=LogAppendTime; -1 when the message has none.
  std::int64_t timestamp_ms = -1;
};

}  // namespace sightline::kafka
