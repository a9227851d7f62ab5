// Where access audit events go (sightline.audit.v1), from every door: reads and refusals in the
// triage API, refused writes at the gateway. Reads fail closed: when an audit event cannot be
// written, the API answers 503 and shows nothing (an unaudited read must not happen).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "sightline/audit/v1/audit.pb.h"
#include "sightline/core/status.h"
#include "sightline/core/time.h"
#include "sightline/kafka/producer.h"

namespace sightline::audit_log {

// A record with its id ("<service>-<microseconds>-<seq>"), time and reporting service filled in;
// the caller adds who, what and the outcome.
audit::v1::AccessAudited NewRecord(const std::string& service, Instant at, std::uint64_t seq);

class AuditSink {
 public:
  virtual ~AuditSink() = default;
  virtual Status Record(const audit::v1::AccessAudited& event) = 0;
  // Writes `events` without holding the caller's thread; `done` gets OK once every one is
  // durable, or the first failure. It runs once, on any thread, and must be quick. By default
  // each is recorded in turn, on this thread.
  virtual void RecordAll(const std::vector<audit::v1::AccessAudited>& events,
                         std::function<void(Status)> done);
};

// Writes to sightline.audit.v1 (key user_id, or "anonymous") and waits for the acknowledgement.
class KafkaAuditSink final : public AuditSink {
 public:
  KafkaAuditSink(kafka::Producer& producer, std::string topic)
      : producer_(producer), topic_(std::move(topic)) {}
  Status Record(const audit::v1::AccessAudited& event) override;
  // One producer batch for them all: concurrent callers' records share the broker's round trips.
  void RecordAll(const std::vector<audit::v1::AccessAudited>& events,
                 std::function<void(Status)> done) override;

 private:
  kafka::Producer& producer_;
  std::string topic_;
};

}  // namespace sightline::audit_log
