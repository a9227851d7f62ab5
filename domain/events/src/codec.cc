#include "sightline/domain/events/codec.h"

#include <google/protobuf/util/json_util.h>

#include <cctype>
#include <string>

namespace sightline::domain {
namespace {

namespace pb = google::protobuf;

// The longest piece of the client's input echoed back in an error (a field name or the parser's
// reason, which may quote the bad value): enough to find it, never a 28 KB answer.
constexpr std::size_t kEchoLimit = 200;

std::string Echo(std::string_view text) {
  if (text.size() <= kEchoLimit) return std::string(text);
  return std::string(text.substr(0, kEchoLimit)) + "... (" + std::to_string(text.size()) +
         " characters)";
}

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// "(a.b.c)" at the start of `s`: sets `path` and returns where it ends, or npos. One pass, no
// backtracking: the message quotes attacker input, so nothing here may cost more than its length.
std::size_t ParenPath(std::string_view s, std::string_view& path) {
  if (s.empty() || s[0] != '(') return std::string_view::npos;
  std::size_t i = 1;
  while (i < s.size() && (IsWordChar(s[i]) || s[i] == '.')) ++i;
  if (i == 1 || i >= s.size() || s[i] != ')') return std::string_view::npos;
  path = s.substr(1, i - 1);
  return i + 1;
}

// Protobuf's JSON parser reports "(field.path): reason" or "(parent) name: Cannot find field.";
// turn that into a FieldError naming the field the client got wrong.
FieldError TranslateParseError(std::string_view msg) {
  std::string_view parent, path;
  std::size_t after = ParenPath(msg, parent);
  std::string_view rest = msg;
  if (after != std::string_view::npos && after < msg.size() && msg[after] == ' ') {
    rest = msg.substr(after + 1);
  } else {
    parent = {};
  }
  std::size_t name_end = 0;
  while (name_end < rest.size() && IsWordChar(rest[name_end])) ++name_end;
  if (name_end > 0 && rest.substr(name_end).starts_with(": Cannot find field.")) {
    std::string name = Echo(rest.substr(0, name_end));
    if (parent.empty())
      return {name, "unknown field or event type '" + name + "' (see proto/sightline/events/v1)"};
    return {Echo(parent) + "." + name, "unknown field '" + name + "'"};
  }
  after = ParenPath(msg, path);
  if (after != std::string_view::npos && msg.substr(after).starts_with(": ") &&
      msg.find('\n', after) == std::string_view::npos) {
    return {Echo(path), Echo(msg.substr(after + 2))};
  }
  if (msg.find("oneof field 'payload' is already set") != std::string_view::npos) {
    return {"payload", "more than one payload: an event has exactly one type"};
  }
  // Anything else is a syntax error in the body as a whole.
  return {"", "malformed JSON: " + Echo(msg.substr(0, msg.find('\n')))};
}

}  // namespace

Checked<Envelope> ParseEventJson(std::string_view json) {
  if (std::optional<Envelope> fast = ParseCanonicalEventJson(json)) return std::move(*fast);
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
