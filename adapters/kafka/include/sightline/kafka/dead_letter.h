// The dead-letter message every consumer writes for a record it cannot use: the record's key,
// value and headers unchanged (so it can be fixed and replayed), plus headers saying why, from
// where and which consumer refused it (sightline-dlq-reason, -detail, -source-topic,
// -source-partition, -source-offset, -consumer).
#pragma once

#include <string>

#include "sightline/kafka/producer.h"
#include "sightline/kafka/record.h"

namespace sightline::kafka {

OutboundMessage DeadLetterMessage(const std::string& dlq_topic, const std::string& source_topic,
                                  const Record& record, const std::string& reason,
                                  const std::string& detail, const std::string& consumer);

}  // namespace sightline::kafka
