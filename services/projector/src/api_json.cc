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

json FromProtoViaText(const google::protobuf::Message& m) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string text;
  if (!google::protobuf::util::MessageToJsonString(m, &text, options).ok()) return json::object();
  return json::parse(text, nullptr, false);
}

namespace {

using google::protobuf::FieldDescriptor;

// The proto3 JSON mapping, built straight into a json value by reflection: field names as in the
// .proto, defaults left out, 64-bit integers as strings, enums by name, Timestamps as RFC 3339.
// False for anything else (floats, maps, other well-known types), which the text route handles.
bool Build(const google::protobuf::Message& m, json& out);

bool Value(const google::protobuf::Message& m, const FieldDescriptor* f, int index, json& out) {
  const google::protobuf::Reflection* r = m.GetReflection();
  bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      if (f->type() == FieldDescriptor::TYPE_BYTES) return false;
      out = rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f);
      return true;
    case FieldDescriptor::CPPTYPE_BOOL:
      out = rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f);
      return true;
    case FieldDescriptor::CPPTYPE_INT32:
      out = rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f);
      return true;
    case FieldDescriptor::CPPTYPE_UINT32:
      out = rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f);
      return true;
    case FieldDescriptor::CPPTYPE_INT64:
      out = std::to_string(rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f));
      return true;
    case FieldDescriptor::CPPTYPE_UINT64:
      out = std::to_string(rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f));
      return true;
    case FieldDescriptor::CPPTYPE_ENUM: {
      int v = rep ? r->GetRepeatedEnumValue(m, f, index) : r->GetEnumValue(m, f);
      const google::protobuf::EnumValueDescriptor* d = f->enum_type()->FindValueByNumber(v);
      if (d == nullptr) {
        out = v;
      } else {
        out = d->name();
      }
      return true;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const google::protobuf::Message& sub =
          rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f);
      if (f->message_type()->full_name() == "google.protobuf.Timestamp") {
        out = Iso(static_cast<const google::protobuf::Timestamp&>(sub));
        return true;
      }
      return Build(sub, out);
    }
    default:
      return false;
  }
}

bool Build(const google::protobuf::Message& m, json& out) {
  const google::protobuf::Descriptor* d = m.GetDescriptor();
  if (d->well_known_type() != google::protobuf::Descriptor::WELLKNOWNTYPE_UNSPECIFIED) return false;
  out = json::object();
  std::vector<const FieldDescriptor*> fields;
  m.GetReflection()->ListFields(m, &fields);  // Set fields only: proto3 defaults are not listed.
  for (const FieldDescriptor* f : fields) {
    if (f->is_map()) return false;
    json& slot = out[f->name()];
    if (f->is_repeated()) {
      slot = json::array();
      int n = m.GetReflection()->FieldSize(m, f);
      for (int i = 0; i < n; ++i) {
        json item;
        if (!Value(m, f, i, item)) return false;
        slot.push_back(std::move(item));
      }
    } else if (!Value(m, f, -1, slot)) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<json> FromProtoByReflection(const google::protobuf::Message& m) {
  json out;
  if (!Build(m, out)) return std::nullopt;
  return out;
}

json FromProto(const google::protobuf::Message& m) {
  if (auto built = FromProtoByReflection(m)) return std::move(*built);
  return FromProtoViaText(m);
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
  item["contacts"] = std::move(contacts);
  item["flags"] = json(std::vector<std::string>(s.flags().begin(), s.flags().end()));
  if (s.has_allocation()) item["allocation"] = FromProto(s.allocation());
  return item;
}

}  // namespace sightline::projector::api_json
