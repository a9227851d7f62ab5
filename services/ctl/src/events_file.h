// A recorded event stream: NDJSON, one event per line, as `simulate` writes and the gateway takes.
#pragma once

#include <string>
#include <vector>

#include "sightline/core/status.h"
#include "sightline/events/v1/envelope.pb.h"

namespace sightline::ctl {

// Every event of the file, in file order; an event without recorded_at is taken as recorded when
// it occurred. Blank lines are skipped. Fails naming the file and line of the first bad event.
StatusOr<std::vector<events::v1::Envelope>> ReadEventsFile(const std::string& path);

}  // namespace sightline::ctl
