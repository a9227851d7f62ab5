// Where access audit events go (sightline.audit.v1), from every door: reads and refusals in the
// triage API, refused writes at the gateway. Reads fail closed: when an audit event cannot be
// written, the API answers 503 and shows nothing (an unaudited read must not happen).
#pragma once

#include <string>

#include "sightline/audit/v1/audit.pb.h"
#include "sightline/core/status.h"
#include "sightline/kafka/producer.h"

namespace sightline::audit_log {

class AuditSink {
 public:
  virtual ~AuditSink() = default;
  virtual Status Record(const audit::v1::AccessAudited& event) = 0;
};

// Writes to sightline.audit.v1 (key user_id, or "anonymous") and waits for the acknowledgement.
class KafkaAuditSink final : public AuditSink {
 public:
  KafkaAuditSink(kafka::Producer& producer, std::string topic)
      : producer_(producer), topic_(std::move(topic)) {}
  Status Record(const audit::v1::AccessAudited& event) override;

 private:
  kafka::Producer& producer_;
  std::string topic_;
};

}  // namespace sightline::audit_log
