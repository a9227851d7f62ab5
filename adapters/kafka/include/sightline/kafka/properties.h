// librdkafka configuration as name/value pairs. Services put their fixed settings first and the
// operator's pass-through properties (TLS, SASL, ...) after them, so operators can set anything
// librdkafka knows without a code change; an unknown name or bad value is an error naming it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sightline/core/status.h"

namespace sightline::kafka {

using Properties = std::map<std::string, std::string>;

// Parses "name=value;name=value" (the SIGHTLINE_KAFKA_PROPERTIES environment variable form).
// Returns false and sets `bad` to the offending item when one has no '='.
bool ParseProperties(const std::string& text, Properties& out, std::string& bad);

// Where the broker list and pass-through properties may be overridden, in increasing precedence:
// environment (SIGHTLINE_KAFKA_BROKERS, SIGHTLINE_KAFKA_PROPERTIES), then flags (--brokers,
// --kafka-property name=value, repeatable).
struct KafkaOverrides {
  std::map<std::string, std::string> env;
  std::string brokers_flag;
  std::vector<std::string> property_flags;
};
Status ApplyKafkaOverrides(const KafkaOverrides& o, std::string& brokers, Properties& properties);

}  // namespace sightline::kafka
