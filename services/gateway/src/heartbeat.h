// The gateway's beat through the pipeline (ADR 0006): every interval a pipeline_heartbeat event
// goes to the events topic through the same sink as case events, so the watchdog and the
// notifier downstream can tell "quiet" from "broken". Runs on a thread of its own so a Kafka
// outage never delays the gateway's shutdown.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "ingest.h"
#include "sightline/clock/clock.h"

namespace sightline::gateway {

// The event for beat `sequence` of `source` at `now` (pure; unit-tested).
events::v1::Envelope MakeHeartbeat(const std::string& source, std::int64_t sequence,
                                   std::chrono::seconds interval, Instant now);

class Heartbeat {
 public:
  Heartbeat(EventSink& sink, const Clock& clock, std::string source, std::chrono::seconds interval);
  ~Heartbeat();  // Stops and joins.
  std::int64_t sent() const;

 private:
  void Run();

  EventSink& sink_;
  const Clock& clock_;
  std::string source_;
  std::chrono::seconds interval_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::int64_t sent_ = 0;
  std::thread thread_;
};

}  // namespace sightline::gateway
