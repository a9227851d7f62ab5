// Which partition a key belongs on: murmur2 of the key, positive, modulo the partition count, as
// the Java client and Sightline's producer (librdkafka's "murmur2_random") compute it. Every
// producer to a Sightline topic must use it (proto/sightline/events/v1/README.md), or a child's
// events could land on two partitions and lose their order; consumers check it.
#pragma once

#include <cstdint>
#include <string_view>

namespace sightline::kafka {

// `partition_count` must be positive.
std::int32_t PartitionFor(std::string_view key, std::int32_t partition_count);

}  // namespace sightline::kafka
