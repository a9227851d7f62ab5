#include "sightline/kafka/partitioner.h"

#include <librdkafka/rdkafka.h>

namespace sightline::kafka {

std::int32_t PartitionFor(std::string_view key, std::int32_t partition_count) {
  // librdkafka's own murmur2 partitioner: the topic handle and opaques are not used by it.
  return rd_kafka_msg_partitioner_murmur2(nullptr, key.data(), key.size(), partition_count, nullptr,
                                          nullptr);
}

}  // namespace sightline::kafka
