#include "json_out.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <charconv>
#include <chrono>

namespace sightline::projector {

namespace {

using google::protobuf::FieldDescriptor;

// The length of the well-formed UTF-8 sequence starting at s[i] (2 to 4), or 0 for a byte that
// does not start one (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF).
std::size_t Utf8Sequence(std::string_view s, std::size_t i) {
  auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b = at(i);
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xbf;  // The allowed range of the second byte.
  if (b >= 0xc2 && b <= 0xdf) {
    n = 2;
  } else if (b >= 0xe0 && b <= 0xef) {
    n = 3;
    if (b == 0xe0) lo = 0xa0;
    if (b == 0xed) hi = 0x9f;
  } else if (b >= 0xf0 && b <= 0xf4) {
    n = 4;
    if (b == 0xf0) lo = 0x90;
    if (b == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (at(i + 1) < lo || at(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (at(i + k) < 0x80 || at(i + k) > 0xbf) return 0;
  return n;
}

}  // namespace

void JsonOut::Separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }
}

void JsonOut::Escaped(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out_ += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    // The run of bytes that need nothing, copied at once.
    std::size_t run = i;
    while (run < s.size()) {
      auto c = static_cast<unsigned char>(s[run]);
      if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
      ++run;
    }
    out_.append(s.data() + i, run - i);
    i = run;
    if (i == s.size()) break;
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      std::size_t n = Utf8Sequence(s, i);
      if (n == 0) {
        out_ += "\\ufffd";
        ++i;
      } else {
        out_.append(s.data() + i, n);
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out_ += "\\\"";
        break;
      case '\\':
        out_ += "\\\\";
        break;
      case '\n':
        out_ += "\\n";
        break;
      case '\r':
        out_ += "\\r";
        break;
      case '\t':
        out_ += "\\t";
        break;
      case '\b':
        out_ += "\\b";
        break;
      case '\f':
        out_ += "\\f";
        break;
      default:
        out_ += "\\u00";
        out_ += kHex[c >> 4];
        out_ += kHex[c & 0xf];
    }
    ++i;
  }
  out_ += '"';
}

JsonOut& JsonOut::BeginObject() {
  Separate();
  out_ += '{';
  first_.push_back(true);
  return *this;
}

JsonOut& JsonOut::EndObject() {
  first_.pop_back();
  out_ += '}';
  return *this;
}

JsonOut& JsonOut::BeginArray() {
  Separate();
  out_ += '[';
  first_.push_back(true);
  return *this;
}

JsonOut& JsonOut::EndArray() {
  first_.pop_back();
  out_ += ']';
  return *this;
}

JsonOut& JsonOut::Key(std::string_view key) {
  Separate();
  Escaped(key);
  out_ += ':';
  after_key_ = true;
  return *this;
}

JsonOut& JsonOut::Members(std::string_view json) {
  if (json.empty()) return *this;
  if (!first_.back()) out_ += ',';
  first_.back() = false;
  out_ += json;
  return *this;
}

JsonOut& JsonOut::String(std::string_view value) {
  Separate();
  Escaped(value);
  return *this;
}

JsonOut& JsonOut::Bool(bool value) {
  Separate();
  out_ += value ? "true" : "false";
  return *this;
}

JsonOut& JsonOut::Int(std::int64_t value) {
  Separate();
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out_.append(buf, end);
  return *this;
}

JsonOut& JsonOut::Raw(std::string_view json) {
  Separate();
  out_ += json;
  return *this;
}

JsonOut& JsonOut::Time(const google::protobuf::Timestamp& t) {
  // The Timestamp range (years 1 to 9999) with valid nanos is written here, by hand; anything
  // else goes to protobuf, which says what it makes of it.
  if (t.seconds() < kMinTimestampSeconds || t.seconds() > kMaxTimestampSeconds || t.nanos() < 0 ||
      t.nanos() > 999'999'999)
    return String(google::protobuf::util::TimeUtil::ToString(t));
  Separate();
  out_ += '"';
  AppendRfc3339(out_, t.seconds(), t.nanos());
  out_ += '"';
  return *this;
}

void AppendRfc3339(std::string& out, std::int64_t seconds, std::int32_t nanos) {
  using namespace std::chrono;
  const sys_seconds at{std::chrono::seconds(seconds)};
  const sys_days day = floor<days>(at);
  const year_month_day ymd(day);
  const hh_mm_ss<std::chrono::seconds> hms(at - day);
  char buf[32];
  auto put = [&](char* p, unsigned v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      p[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
  };
  put(buf, static_cast<unsigned>(static_cast<int>(ymd.year())), 4);
  buf[4] = '-';
  put(buf + 5, static_cast<unsigned>(ymd.month()), 2);
  buf[7] = '-';
  put(buf + 8, static_cast<unsigned>(ymd.day()), 2);
  buf[10] = 'T';
  put(buf + 11, static_cast<unsigned>(hms.hours().count()), 2);
  buf[13] = ':';
  put(buf + 14, static_cast<unsigned>(hms.minutes().count()), 2);
  buf[16] = ':';
  put(buf + 17, static_cast<unsigned>(hms.seconds().count()), 2);
  std::size_t n = 19;
  // As protobuf writes them: no fraction, or 3, 6 or 9 digits, whichever shows it exactly.
  if (nanos != 0) {
    buf[n++] = '.';
    auto v = static_cast<unsigned>(nanos);
    if (v % 1'000'000 == 0) {
      put(buf + n, v / 1'000'000, 3);
      n += 3;
    } else if (v % 1'000 == 0) {
      put(buf + n, v / 1'000, 6);
      n += 6;
    } else {
      put(buf + n, v, 9);
      n += 9;
    }
  }
  buf[n++] = 'Z';
  out.append(buf, n);
}

bool JsonOut::Value(const google::protobuf::Message& m, const FieldDescriptor* f, int index) {
  const google::protobuf::Reflection* r = m.GetReflection();
  bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      if (f->type() == FieldDescriptor::TYPE_BYTES) return false;
      std::string scratch;
      String(rep ? r->GetRepeatedStringReference(m, f, index, &scratch)
                 : r->GetStringReference(m, f, &scratch));
      return true;
    }
    case FieldDescriptor::CPPTYPE_BOOL:
      Bool(rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f));
      return true;
    case FieldDescriptor::CPPTYPE_INT32:
      Int(rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f));
      return true;
    case FieldDescriptor::CPPTYPE_UINT32:
      Int(rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f));
      return true;
    case FieldDescriptor::CPPTYPE_INT64:
      String(std::to_string(rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f)));
      return true;
    case FieldDescriptor::CPPTYPE_UINT64:
      String(std::to_string(rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f)));
      return true;
    case FieldDescriptor::CPPTYPE_ENUM: {
      int v = rep ? r->GetRepeatedEnumValue(m, f, index) : r->GetEnumValue(m, f);
      const google::protobuf::EnumValueDescriptor* d = f->enum_type()->FindValueByNumber(v);
      if (d == nullptr) {
        Int(v);
      } else {
        String(d->name());
      }
      return true;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const google::protobuf::Message& sub =
          rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f);
      if (f->message_type()->full_name() == "google.protobuf.Timestamp") {
        Time(static_cast<const google::protobuf::Timestamp&>(sub));
        return true;
      }
      return Message(sub);
    }
    default:
      return false;
  }
}

bool JsonOut::Fields(const google::protobuf::Message& m) {
  const google::protobuf::Descriptor* d = m.GetDescriptor();
  if (d->well_known_type() != google::protobuf::Descriptor::WELLKNOWNTYPE_UNSPECIFIED) return false;
  const google::protobuf::Reflection* r = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);  // Set fields only: proto3 defaults are not listed.
  for (const FieldDescriptor* f : fields) {
    if (f->is_map()) return false;
    Key(f->name());
    if (f->is_repeated()) {
      BeginArray();
      int n = r->FieldSize(m, f);
      for (int i = 0; i < n; ++i)
        if (!Value(m, f, i)) return false;
      EndArray();
    } else if (!Value(m, f, -1)) {
      return false;
    }
  }
  return true;
}

bool JsonOut::Message(const google::protobuf::Message& m) {
  BeginObject();
  if (!Fields(m)) return false;
  EndObject();
  return true;
}

JsonOut& JsonOut::Proto(const google::protobuf::Message& m) {
  // What a failed Message() may have changed: the text, the levels it opened, and whether the
  // enclosing level had written anything (saved as values: this runs for every contact of a
  // queue page, so no copy of the whole stack).
  std::size_t size = out_.size(), depth = first_.size();
  bool enclosing_first = depth > 0 && first_.back();
  bool after_key = after_key_;
  if (Message(m)) return *this;
  out_.resize(size);  // Undone, and written by protobuf's printer instead.
  first_.resize(depth);
  if (depth > 0) first_.back() = enclosing_first;
  after_key_ = after_key;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string text;
  if (!google::protobuf::util::MessageToJsonString(m, &text, options).ok()) text = "{}";
  return Raw(text);
}

std::string ProtoJson(const google::protobuf::Message& m) {
  std::string out;
  JsonOut(out).Proto(m);
  return out;
}

}  // namespace sightline::projector
