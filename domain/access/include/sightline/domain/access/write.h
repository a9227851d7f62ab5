// Who may write what (issue 13): the principal decides the actor recorded, and a write matrix
// says which roles and partner agencies may send which event types. Pure: the gateway applies it
// to each parsed event before validation.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "sightline/core/status.h"
#include "sightline/domain/access/access.h"
#include "sightline/events/v1/envelope.pb.h"

namespace sightline::domain {

// The authenticated writer, as the gateway knows it.
struct Writer {
  std::string subject;
  std::optional<UserRole> role;  // Staff.
  std::string team_id;
  std::string agency;  // Partner systems: an Agency enum name, e.g. "AGENCY_POLICE".
  // A trusted relay (the council's case-management bridge, an import) records events for the
  // staff named in them: the body's actor is kept, and every event type is allowed but the
  // heartbeat.
  bool relay = false;
};

struct WritePolicy {
  // Event type (payload field name, e.g. "rag_rated") -> staff roles that may send it.
  std::map<std::string, std::set<UserRole>> staff;
  // Event types partner systems may send.
  std::set<std::string> partner;
  // Roles that may override a RAG rating (rag_rated with is_override).
  std::set<UserRole> rag_override;
};

// Safe defaults: partners send contacts and answers to partner checks; MASH practitioners RAG
// ratings, checks and details; social workers the casework; managers decisions, overrides,
// allocations, closures, acknowledgements and corrections; restrictions only service managers
// and heads of service; auditors QA audits.
WritePolicy DefaultWritePolicy();

// Why `writer` may not write `event`, or nullopt. On success the event's actor (and, for a
// partner, its source agency) is the writer's. A body that names someone else is refused: the
// FieldError names the field.
std::optional<FieldError> AuthoriseWrite(events::v1::Envelope& event, const Writer& writer,
                                         const WritePolicy& policy);

// The payload field name of an event ("contact_received"), or "" when it has none.
std::string PayloadType(const events::v1::Envelope& event);

}  // namespace sightline::domain
