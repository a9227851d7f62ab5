#include "sightline/kafka/properties.h"

namespace sightline::kafka {

bool ParseProperties(const std::string& text, Properties& out, std::string& bad) {
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(';', start);
    std::string item =
        text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!item.empty()) {
      std::size_t eq = item.find('=');
      if (eq == std::string::npos || eq == 0) {
        bad = item;
        return false;
      }
      out[item.substr(0, eq)] = item.substr(eq + 1);
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return true;
}

Status ApplyKafkaOverrides(const KafkaOverrides& o, std::string& brokers, Properties& properties) {
  if (auto it = o.env.find("SIGHTLINE_KAFKA_BROKERS"); it != o.env.end() && !it->second.empty()) {
    brokers = it->second;
  }
  if (auto it = o.env.find("SIGHTLINE_KAFKA_PROPERTIES"); it != o.env.end()) {
    std::string bad;
    if (!ParseProperties(it->second, properties, bad)) {
      return InvalidArgument("SIGHTLINE_KAFKA_PROPERTIES: '" + bad + "' is not name=value");
    }
  }
  if (!o.brokers_flag.empty()) brokers = o.brokers_flag;
  for (const std::string& item : o.property_flags) {
    std::string bad;
    if (!ParseProperties(item, properties, bad) || item.find('=') == 0) {
      return InvalidArgument("--kafka-property: '" + item + "' is not name=value");
    }
  }
  return Status::Ok();
}

}  // namespace sightline::kafka
