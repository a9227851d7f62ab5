#include "ingest.h"

#include <chrono>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <span>

#include "sightline/domain/events/codec.h"

namespace sightline::gateway {
namespace {

using nlohmann::json;
namespace v1 = events::v1;

http::Response Json(int status, const json& body) {
  return {.status = status, .content_type = "application/json", .body = body.dump(), .headers = {}};
}

json ErrorsJson(const FieldErrors& errors) {
  json out = json::array();
  for (const FieldError& e : errors) out.push_back({{"field", e.field}, {"reason", e.reason}});
  return out;
}

// Best effort: the event_id of a rejected line, to help the client find it.
std::string EventIdOf(std::string_view line) {
  json j = json::parse(line, nullptr, false);
  if (j.is_object()) {
    for (const char* key : {"eventId", "event_id"}) {
      if (j.contains(key) && j[key].is_string()) return j[key].get<std::string>();
    }
  }
  return "";
}

}  // namespace

void IngestHandler::AuditRefusal(const identity::AuthResult& auth, int outcome,
                                 const std::string& event_id, const std::string& event_type,
                                 const std::string& child_id, const std::string& detail) {
  audit::v1::AccessAudited e =
      audit_log::NewRecord(options_.service_name, clock_.Now(), ++audit_seq_);
  audit_log::RecordCaller(e, auth);
  e.set_endpoint("POST /v1/events");
  e.set_outcome(static_cast<audit::v1::Outcome>(outcome));
  e.set_event_id(event_id);
  e.set_event_type(event_type);
  e.set_child_id(child_id);
  e.set_detail(detail.substr(0, 300));
  Status s = audit_.Record(e);
  metrics_.Audited(s.ok() ? "written" : "failed");
}

std::optional<FieldError> IngestHandler::AcknowledgementRefusal(const v1::Envelope& e) const {
  if (!e.has_alert_acknowledged() || !options_.acknowledgers) return std::nullopt;
  const std::string& alert = e.alert_acknowledged().alert_id();
  std::optional<domain::Acknowledgers> who = options_.acknowledgers(alert);
  if (!who)
    return FieldError{"alert_acknowledged.alert_id", "not an alert of the watchdog's policy"};
  // Out of hours, the people on the rotas the level pages answer for it.
  if (who->on_call_people.contains(e.actor().user_id())) return std::nullopt;
  // Sightline has no director role: heads of service answer for the director's level.
  const std::string& role = who->role;
  auto routed = domain::ParseUserRole(role == "director" ? "head_of_service" : role);
  if (!routed || e.actor().role() != domain::RecordedRole(*routed))
    return FieldError{
        "alert_acknowledged.alert_id",
        "this alert's level is routed to " + role +
            (who->on_call_people.empty() ? "" : " (out of hours: its on-call rotas)") +
            "; only they may acknowledge it"};
  return std::nullopt;
}

std::optional<FieldError> IngestHandler::CorrectionRefusal(const v1::Envelope& e) const {
  if (!e.has_correction()) return std::nullopt;
  v1::Role role = e.actor().role();
  if (role == v1::ROLE_TEAM_MANAGER || role == v1::ROLE_SERVICE_MANAGER ||
      role == v1::ROLE_HEAD_OF_SERVICE)
    return std::nullopt;  // Managers correct any record.
  const std::string& target = e.correction().target_event_id();
  auto author = ids_.AuthorOf(target);
  if (!author.ok())
    return FieldError{"correction.target_event_id", "cannot look up its author; retry"};
  if (!author.value())
    return FieldError{"correction.target_event_id",
                      "no event " + target.substr(0, 128) +
                          " came through this gateway; a manager must correct it"};
  if (author.value()->team.empty() || author.value()->team != e.actor().team_id())
    return FieldError{"correction.target_event_id",
                      "written by another team; only its team or a manager may correct it"};
  return std::nullopt;
}

std::optional<http::Response> IngestHandler::ClaimIds(const identity::AuthResult& who,
                                                      const std::vector<v1::Envelope>& accepted,
                                                      const std::vector<std::string>& digests,
                                                      std::vector<std::string>& claimed,
                                                      std::vector<bool>& duplicate) {
  json conflicts = json::array();
  std::string busy;
  std::vector<IdLedger::Wanted> wanted;
  wanted.reserve(accepted.size());
  for (std::size_t i = 0; i < accepted.size(); ++i)
    wanted.push_back({&accepted[i].event_id(), &digests[i], &accepted[i].actor().team_id()});
  auto claims = ids_.TakeAll(wanted, who.principal->subject);
  if (!claims.ok()) busy = claims.status().message();  // Nothing is left reserved.
  for (std::size_t i = 0; claims.ok() && i < accepted.size(); ++i) {
    const v1::Envelope& e = accepted[i];
    const Claim& claim = claims.value()[i];
    switch (claim.kind) {
      case ClaimKind::kFresh:
        claimed.push_back(e.event_id());  // Let go again below if the request is refused.
        break;
      case ClaimKind::kDuplicate:
        duplicate[i] = true;
        break;
      case ClaimKind::kBusy:
        if (busy.empty()) busy = claim.detail;
        break;
      case ClaimKind::kConflict:
        conflicts.push_back(
            {{"event_id", e.event_id()}, {"errors", ErrorsJson({{"event_id", claim.detail}})}});
        if (conflicts.size() <= options_.max_audited_refusals)
          AuditRefusal(who, audit::v1::OUTCOME_DENIED_CONFLICT, e.event_id(),
                       domain::PayloadType(e), e.child_id(), claim.detail);
        break;
    }
  }
  if (conflicts.empty() && busy.empty()) return std::nullopt;
  if (Status s = ids_.Settle(claimed, std::vector<bool>(claimed.size(), false)); !s.ok())
    std::cerr << "sightline-gateway: " << s.message() << "\n";
  claimed.clear();
  if (!conflicts.empty()) {
    metrics_.Events("rejected", "conflict", static_cast<double>(conflicts.size()));
    return Json(409, {{"error", "event id conflict"},
                      {"message", std::to_string(conflicts.size()) + " of " +
                                      std::to_string(accepted.size()) +
                                      " event ids are taken; nothing was written"},
                      {"conflicts", conflicts}});
  }
  http::Response r = Json(503, {{"error", "busy"}, {"message", busy}});
  r.headers["Retry-After"] = "1";
  return r;
}

http::Response IngestHandler::PostEvents(const http::Request& request) {
  identity::AuthResult who = auth_.Authenticate(request);
  if (!who.principal) {
    metrics_.Events("rejected", "unauthenticated");
    AuditRefusal(who, audit::v1::OUTCOME_UNAUTHENTICATED, "", "", "", who.reason);
    return identity::Authenticator::Refusal(who);
  }
  const identity::Principal& principal = *who.principal;
  domain::Writer writer{principal.subject, principal.role, principal.team_id, principal.agency,
                        principal.relay};
  std::string media = request.MediaType();
  bool ndjson = media == "application/x-ndjson" || media == "application/ndjson" ||
                media == "application/jsonl";
  if (media != "application/json" && !ndjson) {
    return Json(415, {{"error", "unsupported content type"},
                      {"message",
                       "send one event as application/json or a batch as "
                       "application/x-ndjson, got '" +
                           media + "'"}});
  }
  std::vector<domain::NdjsonLine> lines;
  if (ndjson) {
    lines = domain::SplitNdjson(request.body);
  } else if (request.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    lines.push_back({1, request.body});
  }
  if (lines.empty()) {
    return Json(400, {{"error", "invalid request"}, {"message", "the body holds no event"}});
  }
  if (lines.size() > options_.max_batch_events) {
    return Json(413, {{"error", "batch too large"},
                      {"message", std::to_string(lines.size()) + " events; at most " +
                                      std::to_string(options_.max_batch_events) + " per request"}});
  }

  Instant now = clock_.Now();
  std::vector<v1::Envelope> accepted;
  std::vector<std::string> digests;  // Of each accepted event as sent (ContentDigest).
  accepted.reserve(lines.size());
  json rejected = json::array();
  std::map<std::string, int> seen_ids;
  json forbidden = json::array();
  for (const domain::NdjsonLine& line : lines) {
    Checked<v1::Envelope> parsed = domain::ParseEventJson(line.text);
    FieldErrors errors = parsed.ok() ? FieldErrors{} : parsed.errors();
    // Echoed in answers and audit records: at most 128 characters, whatever was sent.
    std::string id =
        (parsed.ok() ? parsed.value().event_id() : EventIdOf(line.text)).substr(0, 128);
    v1::Envelope e;
    std::string digest;
    if (parsed.ok()) {
      e = std::move(parsed).value();
      // The credential decides who wrote it, before anything else is believed.
      std::optional<FieldError> refusal = domain::AuthoriseWrite(e, writer, options_.writes);
      if (!refusal) refusal = AcknowledgementRefusal(e);
      if (!refusal) refusal = CorrectionRefusal(e);
      if (refusal) {
        forbidden.push_back(
            {{"line", line.number}, {"event_id", id}, {"errors", ErrorsJson({*refusal})}});
        // Each refused event is audited, up to a bound per request: a batch of refusals must not
        // turn into a thousand synchronous audit writes. The answer lists every one.
        if (forbidden.size() <= options_.max_audited_refusals)
          AuditRefusal(
              who, audit::v1::OUTCOME_DENIED_NOT_PERMITTED, id, domain::PayloadType(e),
              e.child_id().substr(0, 128),
              forbidden.size() == options_.max_audited_refusals
                  ? "the last refusal of this request audited one by one; any later ones are not"
                  : refusal->field + ": " + refusal->reason);
        continue;
      }
      digest = ContentDigest(e);  // What the client said, before the gateway stamps it.
      e.set_recorded_by(principal.subject);
      if (!e.has_recorded_at()) *e.mutable_recorded_at() = ToTimestamp(now);
      errors = domain::ValidateEvent(e, now, options_.limits);
      auto [it, fresh] = seen_ids.emplace(id, line.number);
      if (!fresh) {
        errors.push_back({"event_id", "repeated in this batch (first on line " +
                                          std::to_string(it->second) + ")"});
      }
    }
    if (!errors.empty()) {
      rejected.push_back({{"line", line.number}, {"event_id", id}, {"errors", ErrorsJson(errors)}});
    } else {
      accepted.push_back(std::move(e));
      digests.push_back(std::move(digest));
    }
  }
  if (!forbidden.empty()) {
    metrics_.Events("rejected", "forbidden", static_cast<double>(forbidden.size()));
    return Json(
        403, {{"error", "not permitted"},
              {"message", std::to_string(forbidden.size()) + " of " + std::to_string(lines.size()) +
                              " events may not be sent with this credential; nothing "
                              "was written"},
              {"refused", forbidden}});
  }
  if (!rejected.empty()) {
    metrics_.Events("rejected", "invalid", static_cast<double>(rejected.size()));
    return Json(
        400, {{"error", "invalid event"},
              {"message", std::to_string(rejected.size()) + " of " + std::to_string(lines.size()) +
                              " events rejected; nothing was written"},
              {"rejected", rejected}});
  }

  // Each id is claimed for this client before anything is written (all or nothing).
  std::vector<std::string> claimed;
  std::vector<bool> duplicate(accepted.size(), false);
  if (auto refused = ClaimIds(who, accepted, digests, claimed, duplicate)) return *refused;
  std::vector<std::size_t> fresh_index;
  fresh_index.reserve(accepted.size());
  for (std::size_t i = 0; i < accepted.size(); ++i)
    if (!duplicate[i]) fresh_index.push_back(i);
  // Usually none is a duplicate and the accepted events are written as they are; a copy of the
  // fresh ones only when some were written before.
  const bool all_fresh = fresh_index.size() == accepted.size();
  std::vector<v1::Envelope> some;
  if (!all_fresh)
    for (std::size_t i : fresh_index) some.push_back(accepted[i]);
  std::span<const v1::Envelope> fresh = all_fresh ? std::span<const v1::Envelope>(accepted) : some;
  auto started = std::chrono::steady_clock::now();
  // The ids are recorded (or let go) once Kafka has answered for each event: here, or later by
  // the sink's thread when the answer comes after the request has been answered 503.
  auto settle = [&ids = ids_](const std::vector<std::string>& held,
                              const std::vector<kafka::Delivery>& written) {
    std::vector<bool> ok(held.size());
    for (std::size_t k = 0; k < written.size(); ++k) ok[k] = written[k].status.ok();
    if (Status s = ids.Settle(held, ok); !s.ok())
      std::cerr << "sightline-gateway: event ids not recorded: " << s.message() << "\n";
  };
  std::optional<std::vector<kafka::Delivery>> written;
  if (fresh.empty()) {
    written.emplace();
  } else {
    written = sink_.WriteWithin(
        fresh, options_.produce_wait,
        [settle, claimed](const std::vector<kafka::Delivery>& late) { settle(claimed, late); });
  }
  metrics_.ProduceLatency(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  std::vector<kafka::Delivery> deliveries(accepted.size(), kafka::Delivery{Status::Ok(), -1, -1});
  if (written) {
    for (std::size_t k = 0; k < fresh_index.size(); ++k) deliveries[fresh_index[k]] = (*written)[k];
    settle(claimed, *written);
  } else {
    const Status pending = Unavailable(
        "not acknowledged by Kafka within " + std::to_string(options_.produce_wait.count()) +
        " ms; still being tried, and its event_id is held until Kafka answers");
    for (std::size_t i : fresh_index) deliveries[i].status = pending;
  }
  json results = json::array();
  std::size_t failed = 0;
  std::string first_failure;
  for (std::size_t i = 0; i < accepted.size(); ++i) {
    const kafka::Delivery& d = deliveries[i];
    std::string type(*domain::EventTypeName(accepted[i]));
    json item = {{"event_id", accepted[i].event_id()}};
    if (duplicate[i]) {
      item["duplicate"] = true;  // Written before by this client: not written again.
      metrics_.Events("duplicate", type);
    } else if (d.status.ok()) {
      item["partition"] = d.partition;
      item["offset"] = d.offset;
      metrics_.Events("accepted", type);
    } else {
      item["written"] = false;
      item["error"] = d.status.message();
      if (failed++ == 0) first_failure = d.status.message();
      metrics_.Events("unavailable", type);
    }
    results.push_back(std::move(item));
  }
  if (failed > 0) {
    http::Response r =
        Json(503, {{"error", "event log unavailable"},
                   {"message", std::to_string(failed) + " of " + std::to_string(accepted.size()) +
                                   " events were not written (" + first_failure +
                                   "); resend them: the same event_id is safe"},
                   {"events", results}});
    r.headers["Retry-After"] = "5";
    return r;
  }
  return Json(202, {{"accepted", accepted.size()}, {"events", results}});
}

http::Response IngestHandler::Ready() {
  Status s = sink_.Ready();
  metrics_.KafkaReady(s.ok());
  if (!s.ok()) return Json(503, {{"status", "not ready"}, {"reason", s.message()}});
  return Json(200, {{"status", "ready"}});
}

}  // namespace sightline::gateway
