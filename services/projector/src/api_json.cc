#include "api_json.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <vector>

#include "sightline/domain/events/names.h"
#include "sightline/domain/events/validation.h"
#include "sightline/domain/projection/projection.h"

namespace sightline::projector::api_json {

namespace pv = projections::v1;

http::Response Answer(int status, const json& body) {
  http::Response r;
  r.status = status;
  return AnswerText(status, body.dump());
}

http::Response AnswerText(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers["Cache-Control"] = "no-store";
  return r;
}

http::Response Error(int status, const std::string& message, const std::string& field) {
  json body = {{"error", message}};
  if (!field.empty()) body["field"] = field;
  return Answer(status, body);
}

http::Response Busy(const std::string& message, int retry_after_seconds) {
  http::Response r = Error(503, message);
  r.headers["Retry-After"] = std::to_string(retry_after_seconds);
  return r;
}

std::optional<std::map<std::string, std::string>> CheckQuery(const http::Request& req,
                                                             const std::set<std::string>& allowed,
                                                             http::Response& bad) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : req.query) {
    if (!allowed.contains(name)) {
      bad = Error(400, "unknown query parameter", name);
      return std::nullopt;
    }
    if (!out.emplace(name, value).second) {
      bad = Error(400, "query parameter given more than once", name);
      return std::nullopt;
    }
  }
  return out;
}

std::optional<json> CheckObjectBody(const http::Request& req, const std::set<std::string>& allowed,
                                    const std::string& shape, http::Response& bad) {
  std::vector<std::set<std::string>> open;  // The keys of each object being read.
  std::string unknown, twice;
  auto keys = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) open.emplace_back();
    if (event == json::parse_event_t::object_end && !open.empty()) open.pop_back();
    if (event == json::parse_event_t::key && !open.empty()) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!open.back().insert(key).second && twice.empty()) twice = key;
      if (depth == 1 && !allowed.contains(key) && unknown.empty()) unknown = key;
    }
    return true;
  };
  json body = json::parse(req.body, keys, false);
  auto name = [](const std::string& key) { return key.substr(0, 100); };
  if (!body.is_object()) {
    bad = Error(400, shape, "body");
  } else if (!twice.empty()) {
    bad = Error(400, "given twice: give each key once", name(twice));
  } else if (!unknown.empty()) {
    bad = Error(400, "unknown key: expected " + shape, name(unknown));
  } else {
    return body;
  }
  return std::nullopt;
}

json FromProtoViaText(const google::protobuf::Message& m) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string text;
  if (!google::protobuf::util::MessageToJsonString(m, &text, options).ok()) return json::object();
  return json::parse(text, nullptr, false);
}

std::optional<json> FromProtoByReflection(const google::protobuf::Message& m) {
  std::string text;
  JsonOut w(text);
  if (!w.Message(m)) return std::nullopt;
  return json::parse(text);
}

json FromProto(const google::protobuf::Message& m) { return json::parse(ProtoJson(m)); }

std::string Iso(const google::protobuf::Timestamp& t) {
  std::string out;
  JsonOut(out).Time(t);
  return out.substr(1, out.size() - 2);  // Without the quotes.
}

std::string Iso(Instant t) { return Iso(ToTimestamp(t)); }

void WaitingFields(JsonOut& w, const pv::ChildSummary& s, const domain::Calendar& cal,
                   Instant now) {
  Instant since = ToInstant(s.waiting_since());
  w.Key("waiting_since").Time(s.waiting_since());
  w.Key("waiting_seconds")
      .Int(std::chrono::duration_cast<std::chrono::seconds>(now - since).count());
  w.Key("working_days_waited").Int(cal.WorkingDaysBetween(since, now));
  if (s.has_decision_overdue_from()) {
    Instant due = ToInstant(s.decision_overdue_from());
    w.Key("decision_overdue_from").Time(s.decision_overdue_from());
    w.Key("overdue").Bool(now >= due);
  }
}

json Waiting(const pv::ChildSummary& s, const domain::Calendar& cal, Instant now) {
  std::string text;
  JsonOut w(text);
  w.BeginObject();
  WaitingFields(w, s, cal, now);
  w.EndObject();
  return json::parse(text);
}

void QueueItem(JsonOut& w, const pv::ChildSummary& s, const domain::Calendar& cal, Instant now,
               bool full) {
  w.BeginObject();
  WaitingFields(w, s, cal, now);
  QueueItemMembers(w, s, full);
  w.EndObject();
}

void QueueItemMembers(JsonOut& w, const pv::ChildSummary& s, bool full) {
  w.Key("child_id").String(s.child_id());
  bool restricted = s.restriction() != events::v1::RESTRICTION_UNSPECIFIED;
  // A restricted child waits in the queue like any other (the wait must stay visible), but one
  // the reader may not open shows no name.
  if (full || !restricted) w.Key("name").String(s.name());
  w.Key("rag").String(s.rag() == events::v1::RAG_RATING_UNSPECIFIED
                          ? "unrated"
                          : domain::EnumLabel(events::v1::RagRating_Name(s.rag()), "RAG_RATING_"));
  w.Key("team_id").String(s.queue_team_id());
  w.Key("restricted").Bool(restricted);
  w.Key("details_hidden").Bool(!full);
  if (full) {
    w.Key("stage").String(domain::EnumLabel(pv::Stage_Name(s.stage()), "STAGE_"));
    w.Key("contacts").BeginArray();
    for (const pv::OpenContact& c : s.awaiting_decision()) w.Proto(c);
    w.EndArray();
    w.Key("flags").BeginArray();
    for (const std::string& f : s.flags()) w.String(f);
    w.EndArray();
    if (s.has_allocation()) w.Key("allocation").Proto(s.allocation());
  }
}

}  // namespace sightline::projector::api_json
