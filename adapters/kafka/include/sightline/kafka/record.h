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
};

}  // namespace sightline::kafka
