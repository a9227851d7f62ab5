#include "events_file.h"

#include <fstream>

#include "sightline/domain/events/codec.h"

namespace sightline::ctl {

StatusOr<std::vector<events::v1::Envelope>> ReadEventsFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return InvalidArgument("cannot read '" + path + "'");
  std::vector<events::v1::Envelope> events;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto e = domain::ParseEventJson(line);
    if (!e.ok())
      return InvalidArgument(path + " line " + std::to_string(n) + ": " +
                             e.errors().front().ToString());
    events::v1::Envelope env = e.value();
    if (!env.has_recorded_at()) *env.mutable_recorded_at() = env.occurred_at();
    events.push_back(std::move(env));
  }
  return events;
}

}  // namespace sightline::ctl
