// JSON helpers of the triage API: answers, errors, query checking and record views.
#pragma once

#include <google/protobuf/message.h>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "json_out.h"
#include "sightline/domain/calendar/calendar.h"
#include "sightline/http/server.h"
#include "sightline/projections/v1/projections.pb.h"

namespace sightline::projector::api_json {

using nlohmann::json;

http::Response Answer(int status, const json& body);
// An answer whose body is already JSON text.
http::Response AnswerText(int status, std::string body);
// {"error": message, "field": field} with the status.
http::Response Error(int status, const std::string& message, const std::string& field = "");
// 503 with Retry-After: a queue or a wait is full, or this replica is behind; ask again later.
http::Response Busy(const std::string& message, int retry_after_seconds);

// The query parameters, each at most once and all in `allowed`; otherwise the 400 answer.
std::optional<std::map<std::string, std::string>> CheckQuery(const http::Request& req,
                                                             const std::set<std::string>& allowed,
                                                             http::Response& bad);

// A request body that is one JSON object, whose keys are all in `allowed` and each given once
// (a parser keeps the last of two, so a log and we could read the body differently); otherwise
// the 400 answer, naming the key. `shape` says what was expected, as "a JSON object {alert_id}".
std::optional<json> CheckObjectBody(const http::Request& req, const std::set<std::string>& allowed,
                                    const std::string& shape, http::Response& bad);

// A protobuf message as JSON with proto field names and enum names (the proto3 JSON mapping),
// written by JsonOut (json_out.h) and parsed.
json FromProto(const google::protobuf::Message& m);
// JsonOut::Message's text, parsed; nullopt for a message with a field type it does not write
// (bytes, floats, maps, well-known types other than Timestamp).
std::optional<json> FromProtoByReflection(const google::protobuf::Message& m);
// The same through protobuf's own printer and a parse: the reference FromProto is tested
// against, and its fallback for types it does not build itself.
json FromProtoViaText(const google::protobuf::Message& m);
std::string Iso(const google::protobuf::Timestamp& t);
std::string Iso(Instant t);

// Waiting figures of a summary at `now`: working days waited, seconds, overdue. WaitingFields
// writes them into the object `w` has open.
void WaitingFields(JsonOut& w, const projections::v1::ChildSummary& s, const domain::Calendar& cal,
                   Instant now);
json Waiting(const projections::v1::ChildSummary& s, const domain::Calendar& cal, Instant now);
// A queue item's members after its waiting figures: what the summary alone decides, the same
// for every reader; `full` false gives only what a restricted entry may show.
void QueueItemMembers(JsonOut& w, const projections::v1::ChildSummary& s, bool full);
// A queue item as one object: WaitingFields at `now`, then QueueItemMembers.
void QueueItem(JsonOut& w, const projections::v1::ChildSummary& s, const domain::Calendar& cal,
               Instant now, bool full);

}  // namespace sightline::projector::api_json
