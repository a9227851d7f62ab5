#include "sightline/kafka/dead_letter.h"

namespace sightline::kafka {

OutboundMessage DeadLetterMessage(const std::string& dlq_topic, const std::string& source_topic,
                                  const Record& record, const std::string& reason,
                                  const std::string& detail, const std::string& consumer) {
  OutboundMessage m{dlq_topic, record.key, record.value, record.headers};
  m.headers.emplace_back("sightline-dlq-reason", reason);
  m.headers.emplace_back("sightline-dlq-detail", detail.substr(0, 2000));
  m.headers.emplace_back("sightline-dlq-source-topic", source_topic);
  m.headers.emplace_back("sightline-dlq-source-partition", std::to_string(record.partition));
  m.headers.emplace_back("sightline-dlq-source-offset", std::to_string(record.offset));
  m.headers.emplace_back("sightline-dlq-consumer", consumer);
  return m;
}

}  // namespace sightline::kafka
