#include "api_json.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include "sightline/domain/events/names.h"
#include "sightline/domain/events/validation.h"
#include "sightline/domain/projection/projection.h"

namespace sightline::projector::api_json {

namespace pv = projections::v1;

http::Response Answer(int status, const json& body) {
  http::Response r;
  r.status = status;
  r.body = body.dump();
  r.headers["Cache-Control"] = "no-store";
  return r;
}

http::Response Error(int status, const std::string& message, const std::string& field) {
  json body = {{"error", message}};
  if (!field.empty()) body["field"] = field;
  return Answer(status, body);
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

json FromProto(const google::protobuf::Message& m) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string text;
  if (!google::protobuf::util::MessageToJsonString(m, &text, options).ok()) return json::object();
  return json::parse(text, nullptr, false);
}

std::string Iso(const google::protobuf::Timestamp& t) {
  return google::protobuf::util::TimeUtil::ToString(t);
}

std::string Iso(Instant t) { return Iso(ToTimestamp(t)); }

json Waiting(const pv::ChildSummary& s, const domain::Calendar& cal, Instant now) {
  Instant since = ToInstant(s.waiting_since());
  json w = {
      {"waiting_since", Iso(s.waiting_since())},
      {"waiting_seconds", std::chrono::duration_cast<std::chrono::seconds>(now - since).count()},
      {"working_days_waited", cal.WorkingDaysBetween(since, now)}};
  if (s.has_decision_overdue_from()) {
    Instant due = ToInstant(s.decision_overdue_from());
    w["decision_overdue_from"] = Iso(s.decision_overdue_from());
    w["overdue"] = now >= due;
  }
  return w;
}

json QueueItem(const pv::ChildSummary& s, const domain::Calendar& cal, Instant now, bool full) {
  json item = Waiting(s, cal, now);
  item["child_id"] = s.child_id();
  bool restricted = s.restriction() != events::v1::RESTRICTION_UNSPECIFIED;
  // A restricted child waits in the queue like any other (the wait must stay visible), but one
  // the reader may not open shows no name.
  if (full || !restricted) item["name"] = s.name();
  item["rag"] = s.rag() == events::v1::RAG_RATING_UNSPECIFIED
                    ? "unrated"
                    : domain::EnumLabel(events::v1::RagRating_Name(s.rag()), "RAG_RATING_");
  item["team_id"] = s.queue_team_id();
  item["restricted"] = restricted;
  item["details_hidden"] = !full;
  if (!full) return item;
  item["stage"] = domain::EnumLabel(pv::Stage_Name(s.stage()), "STAGE_");
  json contacts = json::array();
  for (const pv::OpenContact& c : s.awaiting_decision()) contacts.push_back(FromProto(c));
  item["contacts"] = contacts;
  item["flags"] = json(std::vector<std::string>(s.flags().begin(), s.flags().end()));
  if (s.has_allocation()) item["allocation"] = FromProto(s.allocation());
  return item;
}

}  // namespace sightline::projector::api_json
