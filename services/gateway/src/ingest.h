// The gateway's request logic, independent of Kafka and of the HTTP library. It authenticates
// the caller (401 otherwise), lets the credential decide each event's actor and the write matrix
// decide whether the caller may send it (403 otherwise; both refusals audited), then validates a
// body of one event (JSON) or many (NDJSON) with the domain rules, hands valid events to an
// EventSink, and turns the outcome into the response. All-or-nothing validation: if any event of a
// batch is invalid, nothing is written and every rejection is listed (line, event_id, field,
// reason). 202 only after the sink says every event is durable; otherwise 503 saying which were
// written (resending them is harmless: event_id is the idempotency key, held per client by the
// IdLedger: another client's id, or the caller's with other content, is 409). Thread-safe if the
// sink is.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "id_ledger.h"
#include "metrics.h"
#include "sightline/audit_log/door.h"
#include "sightline/audit_log/sink.h"
#include "sightline/clock/clock.h"
#include "sightline/domain/access/write.h"
#include "sightline/domain/clocks/policy.h"
#include "sightline/domain/events/validation.h"
#include "sightline/events/v1/envelope.pb.h"
#include "sightline/http/server.h"
#include "sightline/identity/authenticator.h"
#include "sightline/kafka/producer.h"

namespace sightline::gateway {

// Where accepted events go. Write returns one Delivery per event, in order, once each is durable
// or has failed.
class EventSink {
 public:
  using Late = std::function<void(std::vector<kafka::Delivery>)>;
  virtual ~EventSink() = default;
  virtual std::vector<kafka::Delivery> Write(std::span<const events::v1::Envelope> events) = 0;
  // Like Write, but waits at most `wait`: nullopt when some event has no answer from Kafka by
  // then. `late` then gets every delivery once each is answered (on the sink's own thread); it
  // is not called when this returns the deliveries. The default waits for Write.
  virtual std::optional<std::vector<kafka::Delivery>> WriteWithin(
      std::span<const events::v1::Envelope> events, std::chrono::milliseconds /*wait*/,
      const Late& /*late*/) {
    return Write(events);
  }
  virtual Status Ready() = 0;
};

struct IngestOptions {
  domain::ValidationLimits limits;
  std::size_t max_batch_events = 1000;
  // How long a request waits for Kafka. Events still unanswered then are answered 503 and their
  // ids stay held until Kafka answers, so a resend meanwhile is 503 too, never a second copy.
  std::chrono::milliseconds produce_wait{10000};
  domain::WritePolicy writes = domain::DefaultWritePolicy();
  std::string service_name = "sightline-gateway";
  std::size_t max_audited_refusals = 20;  // Refused events audited one by one per request.
  // Who may acknowledge an alert, from the watchdog's policy (domain::WhoMayAcknowledge): the
  // role its level is routed to, or a person on a rota that level pages out of hours. Unset: the
  // write matrix alone decides.
  std::function<std::optional<domain::Acknowledgers>(std::string_view alert_id)> acknowledgers = {};
};

class IngestHandler {
 public:
  IngestHandler(EventSink& sink, const Clock& clock, GatewayMetrics& metrics,
                const identity::Authenticator& auth, audit_log::AuditSink& audit, IdLedger& ids,
                IngestOptions options)
      : sink_(sink),
        clock_(clock),
        metrics_(metrics),
        auth_(auth),
        audit_(audit),
        ids_(ids),
        options_(std::move(options)) {}

  http::Response PostEvents(const http::Request& request);
  http::Response Ready();

 private:
  // Claims every accepted event's id for the caller, all or nothing (IdLedger). The answer when
  // any is another's or reused (409) or being written (503), else nullopt with `claimed` (to
  // Settle) and `duplicate` (written before: not to be written again) filled in.
  std::optional<http::Response> ClaimIds(const identity::AuthResult& who,
                                         const std::vector<events::v1::Envelope>& accepted,
                                         const std::vector<std::string>& digests,
                                         std::vector<std::string>& claimed,
                                         std::vector<bool>& duplicate);
  // Why `e` (an acknowledgement) may not be sent by its actor, or nullopt.
  std::optional<FieldError> AcknowledgementRefusal(const events::v1::Envelope& e) const;
  // Why a correction may not be sent by its actor: practitioners correct only what their own
  // team wrote; managers anything.
  std::optional<FieldError> CorrectionRefusal(const events::v1::Envelope& e) const;
  // Records a refused call on the audit topic (best effort: the call is refused either way).
  void AuditRefusal(const identity::AuthResult& auth, int outcome, const std::string& event_id,
                    const std::string& event_type, const std::string& child_id,
                    const std::string& detail);

  EventSink& sink_;
  const Clock& clock_;
  GatewayMetrics& metrics_;
  const identity::Authenticator& auth_;
  audit_log::AuditSink& audit_;
  IdLedger& ids_;
  IngestOptions options_;
  std::atomic<std::uint64_t> audit_seq_{0};
};

}  // namespace sightline::gateway
