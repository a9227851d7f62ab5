#include "sightline/domain/events/codec.h"

#include <google/protobuf/util/json_util.h>

#include <regex>

namespace sightline::domain {
namespace {

namespace pb = google::protobuf;

// Protobuf's JSON parser reports "(field.path): reason" or "(parent) name: Cannot find field.";
// turn that into a FieldError naming the field the client got wrong.
FieldError TranslateParseError(std::string_view message) {
  std::string msg(message);
  static const std::regex kUnknown(R"(^(?:\(([\w.]+)\) )?(\w+): Cannot find field\.)");
  static const std::regex kInvalid(R"(^\(([\w.]+)\): (.*)$)");
  std::smatch m;
  if (std::regex_search(msg, m, kUnknown)) {
    std::string parent = m[1].str();
    std::string name = m[2].str();
    if (parent.empty()) {
      return {name, "unknown field or event type '" + name + "' (see proto/sightline/events/v1)"};
    }
    return {parent + "." + name, "unknown field '" + name + "'"};
  }
  if (std::regex_search(msg, m, kInvalid)) {
    return {m[1].str(), m[2].str()};
  }
  if (msg.find("oneof field 'payload' is already set") != std::string::npos) {
    return {"payload", "more than one payload: an event has exactly one type"};
  }
  // Anything else is a syntax error in the body as a whole.
  auto newline = msg.find('\n');
  return {"", "malformed JSON: " + msg.substr(0, newline)};
}

}  // namespace

Checked<Envelope> ParseEventJson(std::string_view json) {
  Envelope event;
  pb::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status =
      pb::util::JsonStringToMessage(pb::StringPiece(json.data(), json.size()), &event, options);
  if (!status.ok()) {
    return FieldErrors{TranslateParseError(status.message().as_string())};
  }
  return event;
}

std::string EventToJson(const Envelope& event) {
  std::string out;
  pb::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  auto status = pb::util::MessageToJsonString(event, &out, options);
  // Serialising a well-formed in-memory message cannot fail; if it does the process is broken.
  if (!status.ok()) {
    return R"({"error":"unserialisable event"})";
  }
  return out;
}

std::optional<std::string_view> EventTypeName(const Envelope& event) {
  const pb::OneofDescriptor* payload = Envelope::descriptor()->FindOneofByName("payload");
  const pb::FieldDescriptor* set =
      Envelope::GetReflection()->GetOneofFieldDescriptor(event, payload);
  if (set == nullptr) {
    return std::nullopt;
  }
  return std::string_view(set->name());
}

std::vector<std::string_view> AllEventTypeNames() {
  const pb::OneofDescriptor* payload = Envelope::descriptor()->FindOneofByName("payload");
  std::vector<std::string_view> names;
  names.reserve(static_cast<std::size_t>(payload->field_count()));
  for (int i = 0; i < payload->field_count(); ++i) {
    names.emplace_back(payload->field(i)->name());
  }
  return names;
}

std::vector<NdjsonLine> SplitNdjson(std::string_view body) {
  std::vector<NdjsonLine> lines;
  int number = 0;
  while (!body.empty()) {
    ++number;
    auto end = body.find('\n');
    std::string_view line = body.substr(0, end);
    body = end == std::string_view::npos ? std::string_view() : body.substr(end + 1);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.find_first_not_of(" \t") != std::string_view::npos) {
      lines.push_back({number, line});
    }
  }
  return lines;
}

}  // namespace sightline::domain
