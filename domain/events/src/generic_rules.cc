#include "generic_rules.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sightline/core/text.h"
#include "sightline/domain/events/validation.h"
#include "sightline/events/v1/envelope.pb.h"

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

// What a string field holds: an id, a watchdog alert id, or free text.
enum class Text : std::uint8_t { kId, kAlertId, kFree };

Text TextOf(const FD* field) {
  // Watchdog alert ids are composite ("<rule>/<child>/<anchor event>/L<level>", ADR 0005); a
  // household's, team's or area's names its stream ("@household:<id>", ADR 0013).
  if (field->full_name() == "sightline.events.v1.AlertAcknowledged.alert_id") return Text::kAlertId;
  if (EndsWith(field->name(), "_id") || EndsWith(field->name(), "_ids")) return Text::kId;
  return Text::kFree;
}

void CheckString(Text text, const std::string& value, const Path& path, const GenericLimits& limits,
                 FieldErrors& out) {
  if (text == Text::kAlertId) {
    bool ok = !value.empty() && value.size() <= 400 &&
              std::all_of(value.begin(), value.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
                       c == ':' || c == '-' || c == '/' || c == '@';
              });
    if (!ok) out.push_back({path.str(), "not an alert id (1-400 of [A-Za-z0-9._:/@-])"});
  } else if (text == Text::kId) {
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
    } else if (*length > limits.max_text) {
      out.push_back({path.str(), "too long (" + std::to_string(*length) + " > " +
                                     std::to_string(limits.max_text) + " characters)"});
    } else if (HasControlCharacter(value, /*line_breaks_too=*/false)) {
      out.push_back(
          {path.str(), "contains control characters (only line breaks and tabs are allowed)"});
    } else if (limits.refuse_c1 && HasC1Control(value)) {
      out.push_back({path.str(), "contains a C1 control character (U+0080 to U+009F)"});
    }
  }
}

}  // namespace

namespace {

// What the generic rules do with each field, worked out once per message type: the names and
// full names compared per field, the reflection over every member of a oneof and a lookup per
// sub-message were, per event, most of validation's cost.
enum class Kind : std::uint8_t { kSkip, kEnum, kString, kMessage };
struct MessagePlan;
struct FieldPlan {
  const FD* field = nullptr;
  Kind kind = Kind::kSkip;
  Text text = Text::kFree;  // kString: what it holds.
  bool repeated = false;
  const pb::OneofDescriptor* oneof = nullptr;
  // The first member of a oneof whose members are declared together: how many they are (only
  // the chosen one is checked, in its place). 0 elsewhere.
  int oneof_span = 0;
  const MessagePlan* sub = nullptr;  // kMessage: the sub-message's plan.
};
struct MessagePlan {
  std::vector<FieldPlan> fields;  // Declaration order.
};

class Plans {
 public:
  // Every message type reachable from `root`, built once; immutable afterwards.
  explicit Plans(const pb::Descriptor* root) {
    Add(root);
    for (auto& [d, plan] : plans_) {
      for (FieldPlan& f : plan.fields) {
        if (f.kind == Kind::kMessage) f.sub = &plans_.at(f.field->message_type());
      }
    }
  }
  const MessagePlan* Find(const pb::Descriptor* d) const {
    auto it = plans_.find(d);
    return it == plans_.end() ? nullptr : &it->second;
  }

 private:
  void Add(const pb::Descriptor* d) {
    if (plans_.contains(d)) return;
    MessagePlan& plan = plans_[d];
    for (int i = 0; i < d->field_count(); ++i) {
      const FD* f = d->field(i);
      FieldPlan p{.field = f,
                  .kind = Kind::kSkip,
                  .text = Text::kFree,
                  .repeated = f->is_repeated(),
                  .oneof = f->containing_oneof(),
                  .oneof_span = 0,
                  .sub = nullptr};
      if (f->type() == FD::TYPE_ENUM) {
        p.kind = Kind::kEnum;
      } else if (f->type() == FD::TYPE_STRING) {
        p.kind = Kind::kString;
        p.text = TextOf(f);
      } else if (f->type() == FD::TYPE_MESSAGE) {
        // A singular sub-message is checked unless it is of its own type or a nested Envelope
        // (which its owner validates); repeated ones always.
        bool nested = f->message_type() == d ||
                      f->message_type()->full_name() == "sightline.events.v1.Envelope";
        p.kind = p.repeated || !nested ? Kind::kMessage : Kind::kSkip;
      }
      plan.fields.push_back(p);
    }
    for (int i = 0; i < d->oneof_decl_count(); ++i) {
      const pb::OneofDescriptor* o = d->oneof_decl(i);
      int first = o->field(0)->index();
      bool together = true;
      for (int k = 0; k < o->field_count(); ++k)
        together = together && o->field(k)->index() == first + k;
      if (together) plan.fields[static_cast<std::size_t>(first)].oneof_span = o->field_count();
    }
    // After the plan is complete (the map's nodes do not move), the sub-messages'.
    for (int i = 0; i < d->field_count(); ++i) {
      if (d->field(i)->type() == FD::TYPE_MESSAGE) Add(d->field(i)->message_type());
    }
  }
  std::unordered_map<const pb::Descriptor*, MessagePlan> plans_;
};

// The plans of every event's message types, built on first use.
const Plans& EventPlans() {
  static const Plans plans(events::v1::Envelope::descriptor());
  return plans;
}

void CheckField(const pb::Message& message, const pb::Reflection* r, const FieldPlan& p,
                const Path* at, std::string_view prefix, const GenericLimits& limits,
                std::string& scratch, FieldErrors& out);

// `at`: the path of `message` itself (nullptr for the root).
void CheckFields(const pb::Message& message, const MessagePlan& plan, const Path* at,
                 std::string_view prefix, const GenericLimits& limits, FieldErrors& out) {
  const pb::Reflection* r = message.GetReflection();
  std::string scratch;
  const std::vector<FieldPlan>& fields = plan.fields;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const FieldPlan& p = fields[i];
    if (p.oneof_span > 0) {
      // A member of a oneof that is not the chosen one is not part of this event.
      const FD* chosen = r->GetOneofFieldDescriptor(message, p.oneof);
      if (chosen != nullptr) {
        CheckField(message, r, fields[static_cast<std::size_t>(chosen->index())], at, prefix,
                   limits, scratch, out);
      }
      i += static_cast<std::size_t>(p.oneof_span) - 1;
      continue;
    }
    if (p.oneof != nullptr && !r->HasField(message, p.field)) continue;
    CheckField(message, r, p, at, prefix, limits, scratch, out);
  }
}

void CheckField(const pb::Message& message, const pb::Reflection* r, const FieldPlan& p,
                const Path* at, std::string_view prefix, const GenericLimits& limits,
                std::string& scratch, FieldErrors& out) {
  const FD* f = p.field;
  if (p.repeated) {
    int n = r->FieldSize(message, f);
    if (n == 0) return;
    Path path{.parent = at, .prefix = prefix, .name = f->name(), .index = -1};
    if (n > limits.max_repeated) {
      out.push_back({path.str(), "too many items (" + std::to_string(n) + " > " +
                                     std::to_string(limits.max_repeated) + ")"});
      return;
    }
    for (int j = 0; j < n; ++j) {
      Path item = path;
      item.index = j;
      if (p.kind == Kind::kEnum) {
        CheckEnum(f, r->GetRepeatedEnumValue(message, f, j), item, true, out);
      } else if (p.kind == Kind::kString) {
        CheckString(p.text, r->GetRepeatedStringReference(message, f, j, &scratch), item, limits,
                    out);
      } else if (p.kind == Kind::kMessage) {
        CheckFields(r->GetRepeatedMessage(message, f, j), *p.sub, &item, prefix, limits, out);
      }
    }
    return;
  }
  if (p.kind == Kind::kSkip) return;
  Path path{.parent = at, .prefix = prefix, .name = f->name(), .index = -1};
  if (p.kind == Kind::kEnum) {
    CheckEnum(f, r->GetEnumValue(message, f), path, false, out);
  } else if (p.kind == Kind::kString) {
    CheckString(p.text, r->GetStringReference(message, f, &scratch), path, limits, out);
  } else if (r->HasField(message, f)) {
    CheckFields(r->GetMessage(message, f), *p.sub, &path, prefix, limits, out);
  }
}

}  // namespace

void CheckGenericRules(const pb::Message& message, const std::string& prefix,
                       const GenericLimits& limits, FieldErrors& out) {
  const pb::Descriptor* d = message.GetDescriptor();
  if (const MessagePlan* plan = EventPlans().Find(d)) {
    CheckFields(message, *plan, nullptr, prefix, limits, out);
    return;
  }
  Plans other(d);  // Not an event's message: planned for this call.
  CheckFields(message, *other.Find(d), nullptr, prefix, limits, out);
}

}  // namespace sightline::domain
