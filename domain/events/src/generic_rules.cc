#include "generic_rules.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include "sightline/core/text.h"
#include "sightline/domain/events/validation.h"

namespace sightline::domain {
namespace {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;

// Enums that are required only in some cases; the per-type rules say when.
constexpr std::array<std::string_view, 3> kConditionalEnums = {
    "sightline.events.v1.ConferenceHeld.category",
    "sightline.events.v1.ChildSeen.refused_by",
    "sightline.events.v1.PlanStarted.category",
};

// Where a field is ("refs.contact_id", "concerns[2]"), spelt out only when an error names it:
// most events have none, and building every field's path was most of validation's cost.
struct Path {
  const Path* parent = nullptr;
  std::string_view prefix;  // The caller's prefix (root only).
  std::string_view name;
  int index = -1;  // An item of a repeated field.

  std::string str() const {
    std::string out = parent ? parent->str() + "." : std::string(prefix);
    out += name;
    if (index >= 0) out += "[" + std::to_string(index) + "]";
    return out;
  }
};

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

void CheckEnum(const FD* field, int number, const Path& path, bool repeated, FieldErrors& out) {
  const pb::EnumValueDescriptor* value = field->enum_type()->FindValueByNumber(number);
  if (value == nullptr) {
    out.push_back(
        {path.str(), "unknown " + field->enum_type()->name() + " value " + std::to_string(number)});
    return;
  }
  if (number != 0) {
    return;
  }
  bool conditional = false;
  for (std::string_view name : kConditionalEnums) {
    conditional = conditional || name == field->full_name();
  }
  if (!conditional || repeated) {
    out.push_back({path.str(), "required: " + value->name() + " is not an allowed value"});
  }
}

void CheckString(const FD* field, const std::string& value, const Path& path, std::size_t max_text,
                 FieldErrors& out) {
  bool is_id = EndsWith(field->name(), "_id") || EndsWith(field->name(), "_ids");
  // Watchdog alert ids are composite ("<rule>/<child>/<anchor event>/L<level>", ADR 0005); a
  // household's, team's or area's names its stream ("@household:<id>", ADR 0013).
  if (field->full_name() == "sightline.events.v1.AlertAcknowledged.alert_id") {
    bool ok = !value.empty() && value.size() <= 400 &&
              std::all_of(value.begin(), value.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
                       c == ':' || c == '-' || c == '/' || c == '@';
              });
    if (!ok) out.push_back({path.str(), "not an alert id (1-400 of [A-Za-z0-9._:/@-])"});
  } else if (is_id) {
    if (!value.empty() && !IsWellFormedId(value)) {
      out.push_back({path.str(),
                     "not a well-formed id (1-128 of [A-Za-z0-9._:-], starting with a "
                     "letter or digit)"});
    }
  } else {
    // Free text: well-formed UTF-8, no control characters but line breaks and tabs, and counted
    // in characters. The byte length is checked first: four bytes make at most one character.
    std::optional<std::size_t> length = Utf8Length(value);
    if (!length) {
      out.push_back({path.str(), "not valid UTF-8"});
    } else if (*length > max_text) {
      out.push_back({path.str(), "too long (" + std::to_string(*length) + " > " +
                                     std::to_string(max_text) + " characters)"});
    } else if (std::any_of(value.begin(), value.end(), [](char c) {
                 auto u = static_cast<unsigned char>(c);
                 return (u < 0x20 && c != '\n' && c != '\t' && c != '\r') || u == 0x7F;
               })) {
      out.push_back(
          {path.str(), "contains control characters (only line breaks and tabs are allowed)"});
    }
  }
}

}  // namespace

namespace {

// `at`: the path of `message` itself (nullptr for the root).
void CheckFields(const pb::Message& message, const Path* at, std::string_view prefix,
                 const GenericLimits& limits, FieldErrors& out) {
  const std::size_t max_text = limits.max_text;
  const pb::Descriptor* d = message.GetDescriptor();
  const pb::Reflection* r = message.GetReflection();
  std::string scratch;
  for (int i = 0; i < d->field_count(); ++i) {
    const FD* f = d->field(i);
    Path path{.parent = at, .prefix = prefix, .name = f->name(), .index = -1};
    if (f->is_repeated()) {
      int n = r->FieldSize(message, f);
      if (n > limits.max_repeated) {
        out.push_back({path.str(), "too many items (" + std::to_string(n) + " > " +
                                       std::to_string(limits.max_repeated) + ")"});
        continue;
      }
      for (int j = 0; j < n; ++j) {
        Path item = path;
        item.index = j;
        if (f->type() == FD::TYPE_ENUM) {
          CheckEnum(f, r->GetRepeatedEnumValue(message, f, j), item, true, out);
        } else if (f->type() == FD::TYPE_STRING) {
          CheckString(f, r->GetRepeatedStringReference(message, f, j, &scratch), item, max_text,
                      out);
        } else if (f->type() == FD::TYPE_MESSAGE) {
          CheckFields(r->GetRepeatedMessage(message, f, j), &item, prefix, limits, out);
        }
      }
      continue;
    }
    // A member of a oneof that is not the chosen one is not part of this event.
    if (f->containing_oneof() != nullptr && !r->HasField(message, f)) {
      continue;
    }
    if (f->type() == FD::TYPE_ENUM) {
      CheckEnum(f, r->GetEnumValue(message, f), path, false, out);
    } else if (f->type() == FD::TYPE_STRING) {
      CheckString(f, r->GetStringReference(message, f, &scratch), path, max_text, out);
    } else if (f->type() == FD::TYPE_MESSAGE && r->HasField(message, f) &&
               f->message_type() != message.GetDescriptor() &&
               f->message_type()->full_name() != "sightline.events.v1.Envelope") {
      CheckFields(r->GetMessage(message, f), &path, prefix, limits, out);
    }
  }
}

}  // namespace

void CheckGenericRules(const pb::Message& message, const std::string& prefix,
                       const GenericLimits& limits, FieldErrors& out) {
  CheckFields(message, nullptr, prefix, limits, out);
}

}  // namespace sightline::domain
