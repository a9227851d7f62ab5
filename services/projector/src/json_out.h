// JSON written straight into a string, for the triage API's hot answers (the queue page and a
// child's record): no tree of values built and then dumped. Commas and colons are placed by the
// writer; strings are escaped, and bytes that are not UTF-8 are written as U+FFFD, so the output
// is always valid JSON.
#pragma once

#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sightline::projector {

class JsonOut {
 public:
  explicit JsonOut(std::string& out) : out_(out) {}

  JsonOut& BeginObject();
  JsonOut& EndObject();
  JsonOut& BeginArray();
  JsonOut& EndArray();
  JsonOut& Key(std::string_view key);
  JsonOut& String(std::string_view value);
  JsonOut& Bool(bool value);
  JsonOut& Int(std::int64_t value);
  // A value already written as JSON (e.g. by nlohmann's dump), placed as it is.
  JsonOut& Raw(std::string_view json);
  // Members of the open object already written as JSON (`"a":1,"b":[]`, as MembersOf gives
  // them), placed after those written so far. Nothing, if empty.
  JsonOut& Members(std::string_view json);
  // A Timestamp as RFC 3339, as the proto3 JSON mapping writes it.
  JsonOut& Time(const google::protobuf::Timestamp& t);

  // The message's set fields (proto3 JSON mapping: field names as in the .proto, defaults left
  // out, 64-bit integers as strings, enums by name, Timestamps as RFC 3339), without the
  // braces, so a caller may add fields of its own between BeginObject() and EndObject(). False
  // (with nothing usable written) for a field type it does not write: bytes, floats, maps, other
  // well-known types.
  bool Fields(const google::protobuf::Message& m);
  // The message as one object; false as for Fields().
  bool Message(const google::protobuf::Message& m);
  // The message as one object, by Message() or, for the types it does not write, by protobuf's
  // own printer (both give the proto3 mapping).
  JsonOut& Proto(const google::protobuf::Message& m);

 private:
  void Separate();
  void Escaped(std::string_view s);
  bool Value(const google::protobuf::Message& m, const google::protobuf::FieldDescriptor* f,
             int index);

  std::string& out_;
  std::vector<bool> first_;  // Per open object or array: nothing written in it yet.
  bool after_key_ = false;
};

// The Timestamp range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
inline constexpr std::int64_t kMinTimestampSeconds = -62'135'596'800;
inline constexpr std::int64_t kMaxTimestampSeconds = 253'402'300'799;

// A time in that range (nanos 0 to 999,999,999) as RFC 3339, exactly as protobuf's
// TimeUtil::ToString writes it, without going through printf.
void AppendRfc3339(std::string& out, std::int64_t seconds, std::int32_t nanos);

// The members an object written by `write` holds, without its braces, for JsonOut::Members:
// `write` gets a JsonOut with the object open.
template <typename Write>
std::string MembersOf(Write&& write) {
  std::string text;
  JsonOut w(text);
  w.BeginObject();
  write(w);
  w.EndObject();
  return text.substr(1, text.size() - 2);
}

// A message as JSON text (JsonOut::Proto).
std::string ProtoJson(const google::protobuf::Message& m);

}  // namespace sightline::projector
