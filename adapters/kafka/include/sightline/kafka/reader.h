// Reads a topic from the beginning up to the high watermark each partition had when reading
// began, without joining a consumer group. For tools (sightlinectl summary) and tests, not for
// services, which consume with offsets stored beside their state.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sightline/core/status.h"
#include "sightline/kafka/properties.h"
#include "sightline/kafka/record.h"

namespace sightline::kafka {

// `partition_count`, when given, receives the topic's partition count.
StatusOr<std::vector<Record>> ReadTopic(const std::string& brokers, const Properties& properties,
                                        const std::string& topic, std::chrono::milliseconds timeout,
                                        int* partition_count = nullptr);

}  // namespace sightline::kafka
