// Reads a topic from the beginning up to the high watermark each partition had when reading
// began, without joining a consumer group. For tools (sightlinectl summary) and tests, not for
// services, which consume with offsets stored beside their state.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sightline/domain/status.h"
#include "sightline/kafka/properties.h"

namespace sightline::kafka {

struct Record {
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  std::string key;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
};

StatusOr<std::vector<Record>> ReadTopic(const std::string& brokers, const Properties& properties,
                                        const std::string& topic,
                                        std::chrono::milliseconds timeout);

}  // namespace sightline::kafka
