// The fast path of ParseEventJson (codec.h): plain JSON of the usual shape, read in one pass
// straight into the message by reflection. Protobuf's own JSON parser builds a type description
// and an intermediate binary encoding per event, which was 60% of the gateway's CPU (issue 15).
//
// It accepts only what it can map without doubt and gives up (nullopt) on anything else: then
// protobuf's parser decides, with its own errors. Given up on: a key that is not a field's JSON
// or proto name, a key twice, a second member of a oneof, null, a float or out-of-range number, a
// number where a string is due (or the reverse), an enum by number or an unknown enum name, an
// escape other than the common ones, any byte outside printable ASCII, a Timestamp that is not
// RFC 3339, bytes/float/map fields, any other well-known type, nesting deeper than 16, a message
// not reachable from the envelope or with more than 512 fields.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/time_util.h>

#include <bitset>
#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sightline/domain/events/codec.h"

namespace sightline::domain {
namespace {

namespace pb = google::protobuf;
using pb::FieldDescriptor;

constexpr int kMaxDepth = 16;
constexpr int kMaxFields = 512;  // A message with more fields: protobuf's parser.

// Every message and enum reachable from the envelope, with its fields by proto and JSON name and
// its values by name: built once, then only read (by any thread). Protobuf's own FindFieldByName
// and FindValueByName look the name up in the pool's table of every symbol by its full name,
// which cost more than the rest of the field.
class Names {
 public:
  static const Names& Get() {
    static const Names names(*events::v1::Envelope::descriptor());
    return names;
  }
  using Fields = std::unordered_map<std::string_view, const FieldDescriptor*>;
  // A message's fields by proto name, and by JSON name where no proto name is the same; nullptr
  // for a message not reachable from the envelope.
  const Fields* FieldsOf(const pb::Descriptor* d) const {
    auto fields = fields_.find(d);
    return fields == fields_.end() ? nullptr : &fields->second;
  }
  const pb::EnumValueDescriptor* Value(const pb::EnumDescriptor* e, std::string_view name) const {
    auto values = values_.find(e);
    if (values == values_.end()) return nullptr;
    auto v = values->second.find(name);
    return v == values->second.end() ? nullptr : v->second;
  }

 private:
  explicit Names(const pb::Descriptor& root) { Add(&root); }
  void Add(const pb::Descriptor* d) {
    if (fields_.contains(d)) return;
    auto& by_name = fields_[d];
    // Proto names first: a JSON name that equals another field's proto name does not shadow it.
    for (int i = 0; i < d->field_count(); ++i) by_name.emplace(d->field(i)->name(), d->field(i));
    for (int i = 0; i < d->field_count(); ++i)
      by_name.emplace(d->field(i)->json_name(), d->field(i));
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) Add(f->message_type());
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_ENUM && !values_.contains(f->enum_type())) {
        auto& by_value = values_[f->enum_type()];
        for (int v = 0; v < f->enum_type()->value_count(); ++v)
          by_value.emplace(f->enum_type()->value(v)->name(), f->enum_type()->value(v));
      }
    }
  }
  // The names are the descriptors' own strings, which live as long as the generated pool.
  std::unordered_map<const pb::Descriptor*, Fields> fields_;
  std::unordered_map<const pb::EnumDescriptor*,
                     std::unordered_map<std::string_view, const pb::EnumValueDescriptor*>>
      values_;
};

class Reader {
 public:
  explicit Reader(std::string_view text) : s_(text) {}

  bool Message(pb::Message& m, int depth) {
    if (depth > kMaxDepth || !Take('{')) return false;
    const pb::Descriptor* d = m.GetDescriptor();
    const pb::Reflection* r = m.GetReflection();
    const Names::Fields* fields = names_.FieldsOf(d);
    // The fields seen so far, by index in the message (a key twice gives up).
    std::bitset<kMaxFields> seen;
    if (fields == nullptr || d->field_count() > kMaxFields) return false;
    Space();
    if (Take('}')) return true;
    while (true) {
      std::string key;
      if (!String(key) || !Take(':')) return false;
      auto named = fields->find(key);
      if (named == fields->end()) return false;
      const FieldDescriptor* f = named->second;
      if (seen.test(static_cast<std::size_t>(f->index()))) return false;
      seen.set(static_cast<std::size_t>(f->index()));
      if (const pb::OneofDescriptor* o = f->real_containing_oneof()) {
        if (r->HasOneof(m, o)) return false;
      }
      if (!Field(m, f, depth)) return false;
      if (Take(',')) continue;
      return Take('}');
    }
  }

  bool AtEnd() {
    Space();
    return i_ == s_.size();
  }

 private:
  bool Field(pb::Message& m, const FieldDescriptor* f, int depth) {
    if (f->is_map()) return false;
    if (!f->is_repeated()) return Value(m, f, depth);
    if (!Take('[')) return false;
    Space();
    if (Take(']')) return true;
    while (true) {
      if (!Value(m, f, depth)) return false;
      if (Take(',')) continue;
      return Take(']');
    }
  }

  // One value of `f` (an element, when repeated), set or added on `m`.
  bool Value(pb::Message& m, const FieldDescriptor* f, int depth) {
    const pb::Reflection* r = m.GetReflection();
    bool rep = f->is_repeated();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: {
        if (f->type() == FieldDescriptor::TYPE_BYTES) return false;
        std::string v;
        if (!String(v)) return false;
        rep ? r->AddString(&m, f, std::move(v)) : r->SetString(&m, f, std::move(v));
        return true;
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        bool v = false;
        Space();
        if (s_.substr(i_).starts_with("true")) {
          v = true;
          i_ += 4;
        } else if (s_.substr(i_).starts_with("false")) {
          i_ += 5;
        } else {
          return false;
        }
        rep ? r->AddBool(&m, f, v) : r->SetBool(&m, f, v);
        return true;
      }
      case FieldDescriptor::CPPTYPE_INT32: {
        std::int64_t v = 0;
        if (!Integer(v) || v < std::numeric_limits<std::int32_t>::min() ||
            v > std::numeric_limits<std::int32_t>::max())
          return false;
        auto v32 = static_cast<std::int32_t>(v);
        rep ? r->AddInt32(&m, f, v32) : r->SetInt32(&m, f, v32);
        return true;
      }
      case FieldDescriptor::CPPTYPE_INT64: {
        std::int64_t v = 0;
        if (!Integer(v)) return false;
        rep ? r->AddInt64(&m, f, v) : r->SetInt64(&m, f, v);
        return true;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        std::string name;
        if (!String(name)) return false;
        const pb::EnumValueDescriptor* e = names_.Value(f->enum_type(), name);
        if (e == nullptr) return false;
        rep ? r->AddEnumValue(&m, f, e->number()) : r->SetEnumValue(&m, f, e->number());
        return true;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        const pb::Descriptor* type = f->message_type();
        if (type->well_known_type() == pb::Descriptor::WELLKNOWNTYPE_TIMESTAMP) {
          std::string text;
          if (!String(text)) return false;
          // Read straight into the generated Timestamp (the envelope is generated code); a
          // failed read gives up the whole event, so what it leaves behind is never seen.
          auto* t = pb::DynamicCastToGenerated<pb::Timestamp>(rep ? r->AddMessage(&m, f)
                                                                  : r->MutableMessage(&m, f));
          return t != nullptr && pb::util::TimeUtil::FromString(text, t);
        }
        if (type->well_known_type() != pb::Descriptor::WELLKNOWNTYPE_UNSPECIFIED) return false;
        pb::Message* out = rep ? r->AddMessage(&m, f) : r->MutableMessage(&m, f);
        return Message(*out, depth + 1);
      }
      default:
        return false;  // Floats and unsigned types: none in the schema; protobuf's parser decides.
    }
  }

  void Space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }

  bool Take(char c) {
    Space();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }

  // A string of printable ASCII with the common escapes; anything else gives up.
  bool String(std::string& out) {
    if (!Take('"')) return false;
    std::size_t start = i_;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == '"') {
        out.append(s_.substr(start, i_ - start));
        ++i_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
        return false;
      if (c != '\\') {
        ++i_;
        continue;
      }
      out.append(s_.substr(start, i_ - start));
      if (++i_ >= s_.size()) return false;
      switch (s_[i_]) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        default:
          return false;  // \b, \f and \u: protobuf's parser.
      }
      start = ++i_;
    }
    return false;
  }

  // An integer in JSON's own form (no leading zeros, no fraction or exponent).
  bool Integer(std::int64_t& v) {
    Space();
    std::size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    std::size_t digits = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    if (i_ == digits || (s_[digits] == '0' && i_ - digits > 1)) return false;
    if (i_ < s_.size() && (s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E')) return false;
    auto [end, ec] = std::from_chars(s_.data() + start, s_.data() + i_, v);
    return ec == std::errc() && end == s_.data() + i_;
  }

  const Names& names_ = Names::Get();
  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

std::optional<events::v1::Envelope> ParseCanonicalEventJson(std::string_view json) {
  events::v1::Envelope event;
  Reader reader(json);
  if (!reader.Message(event, 0) || !reader.AtEnd()) return std::nullopt;
  return event;
}

}  // namespace sightline::domain
