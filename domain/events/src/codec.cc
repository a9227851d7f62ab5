#include "sightline/domain/events/codec.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

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

// A field's key as protobuf's JSON parser matches it: the proto name and the lowerCamelCase JSON
// name are the same field ("child_id", "childId").
std::string FieldKey(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  bool upper = false;
  for (char c : key) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out.push_back(upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c);
    upper = false;
  }
  return out;
}

// The first key given twice in one object of `json`, as a dotted path ("rag_rated.rating"), or
// "" when every key is given once. Protobuf's parser keeps the last of two values without a word,
// so a body that a proxy, a log or a person reads as one child's could be stored as another's.
// Called only on JSON that protobuf has parsed, so it is well formed; one pass, no backtracking.
std::string RepeatedKey(std::string_view json) {
  struct Level {
    bool object = false;
    std::string key;                // In the parent object, the key of this value.
    std::vector<std::string> keys;  // An object's keys so far, as FieldKey gives them.
  };
  std::vector<Level> stack;
  bool expect_key = false;
  std::string last_key;
  for (std::size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (c == '"') {
      std::string text;
      for (++i; i < json.size() && json[i] != '"'; ++i) {
        if (json[i] == '\\' && i + 1 < json.size()) {
          ++i;
          if (json[i] == 'u' && i + 4 < json.size()) {
            std::string_view hex = json.substr(i + 1, 4);
            unsigned code = 0;
            for (char h : hex) {
              int digit = std::isdigit(static_cast<unsigned char>(h))
                              ? h - '0'
                              : std::tolower(static_cast<unsigned char>(h)) - 'a' + 10;
              code = code * 16 + static_cast<unsigned>(digit);
            }
            // A key is a field's name: ASCII. Anything else stays escaped, and names no field.
            text +=
                code < 0x80 ? std::string(1, static_cast<char>(code)) : "\\u" + std::string(hex);
            i += 4;
            continue;
          }
        }
        text.push_back(json[i]);
      }
      if (expect_key) {
        std::string key = FieldKey(text);
        std::vector<std::string>& keys = stack.back().keys;
        if (std::find(keys.begin(), keys.end(), key) != keys.end()) {
          std::string path;
          for (std::size_t l = 1; l < stack.size(); ++l)
            if (stack[l - 1].object) path += Echo(stack[l].key) + ".";
          return path + Echo(text);
        }
        keys.push_back(std::move(key));
        last_key = std::move(text);
        expect_key = false;
      }
    } else if (c == '{' || c == '[') {
      bool in_object = !stack.empty() && stack.back().object;
      stack.push_back({.object = c == '{', .key = in_object ? last_key : "", .keys = {}});
      expect_key = c == '{';
    } else if (c == '}' || c == ']') {
      if (!stack.empty()) stack.pop_back();
      expect_key = false;
    } else if (c == ',') {
      expect_key = !stack.empty() && stack.back().object;
    }
  }
  return "";
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
  // The fast path gives up on a key twice, so only here can one have passed.
  if (std::string twice = RepeatedKey(json); !twice.empty())
    return FieldErrors{{twice, "given twice: each field is given once"}};
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
