// Events as the consumer shell hands them to a service's batch preparation: one partition,
// offsets in order, keyed by child (tests that drive an Applier or the watchdog's state without
// a broker).
#pragma once

#include <vector>

#include "sightline/events/v1/envelope.pb.h"
#include "sightline/kafka/record.h"

namespace sightline::testing {

inline std::vector<kafka::Record> AsRecords(const std::vector<events::v1::Envelope>& events) {
  std::vector<kafka::Record> out;
  out.reserve(events.size());
  for (const events::v1::Envelope& e : events) {
    kafka::Record& r = out.emplace_back();
    r.partition = 0;
    r.offset = static_cast<std::int64_t>(out.size() - 1);
    r.key = e.child_id();
    e.SerializeToString(&r.value);
  }
  return out;
}

}  // namespace sightline::testing
