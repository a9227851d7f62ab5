#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <string>

#include "sightline/domain/projection/projection.h"

namespace sightline::domain {

namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;

bool ReadString(CodedInputStream& in, std::string* out) {
  std::uint32_t n = 0;
  return in.ReadVarint32(&n) && in.ReadString(out, static_cast<int>(n));
}

// A nested message read whole by its own parser (a Timestamp: small, and both fields wanted).
bool ReadMessage(CodedInputStream& in, google::protobuf::MessageLite& m) {
  std::uint32_t n = 0;
  std::string bytes;
  return in.ReadVarint32(&n) && in.ReadString(&bytes, static_cast<int>(n)) &&
         m.ParseFromString(bytes);
}

bool ReadEnum(CodedInputStream& in, int& out) {
  std::uint32_t v = 0;
  if (!in.ReadVarint32(&v)) return false;
  out = static_cast<int>(v);
  return true;
}

// Allocation: team_id = 1, worker_id = 2; the rest skipped. `size` is the whole input's: a
// nested message longer than what is left is cut (a limit past the end would not show it).
bool ReadAllocation(CodedInputStream& in, int size, projections::v1::Allocation& a) {
  std::uint32_t n = 0;
  if (!in.ReadVarint32(&n) || n > static_cast<std::uint32_t>(size - in.CurrentPosition()))
    return false;
  CodedInputStream::Limit limit = in.PushLimit(static_cast<int>(n));
  while (std::uint32_t tag = in.ReadTag()) {
    bool ok = true;
    switch (tag) {
      case (1 << 3) | 2:
        ok = ReadString(in, a.mutable_team_id());
        break;
      case (2 << 3) | 2:
        ok = ReadString(in, a.mutable_worker_id());
        break;
      default:
        ok = WireFormatLite::SkipField(&in, tag);
    }
    if (!ok) return false;
  }
  bool whole = in.ConsumedEntireMessage();
  in.PopLimit(limit);
  return whole;
}

}  // namespace

bool ParseSummaryHead(std::string_view bytes, projections::v1::ChildSummary& head) {
  head.Clear();
  CodedInputStream in(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                      static_cast<int>(bytes.size()));
  // Field numbers of projections.v1.ChildSummary; wire type 2 is length-delimited, 0 a varint.
  while (std::uint32_t tag = in.ReadTag()) {
    bool ok = true;
    int e = 0;
    switch (tag) {
      case (1 << 3) | 2:
        ok = ReadString(in, head.mutable_child_id());
        break;
      case (4 << 3) | 0:
        ok = ReadEnum(in, e);
        head.set_restriction(static_cast<events::v1::Restriction>(e));
        break;
      case (5 << 3) | 0:
        ok = ReadEnum(in, e);
        head.set_stage(static_cast<projections::v1::Stage>(e));
        break;
      case (7 << 3) | 0:
        ok = ReadEnum(in, e);
        head.set_rag(static_cast<events::v1::RagRating>(e));
        break;
      case (8 << 3) | 2:
        ok = ReadAllocation(in, static_cast<int>(bytes.size()), *head.mutable_allocation());
        break;
      case (9 << 3) | 2:
        ok = ReadMessage(in, *head.mutable_waiting_since());
        break;
      case (10 << 3) | 2:
        ok = ReadMessage(in, *head.mutable_decision_overdue_from());
        break;
      case (11 << 3) | 2:
        ok = ReadString(in, head.mutable_queue_team_id());
        break;
      default:
        ok = WireFormatLite::SkipField(&in, tag);
    }
    if (!ok) return false;
  }
  return in.ConsumedEntireMessage();
}

}  // namespace sightline::domain
