#include "sightline/domain/clocks/minimise.h"

#include <string_view>

namespace sightline::domain {
namespace {

namespace pb = google::protobuf;
namespace v1 = events::v1;

bool IsIdName(std::string_view name) {
  return name.ends_with("_id") || name.ends_with("_ids") || name.ends_with("_code") ||
         name == "factors";
}

void Minimise(pb::Message& payload) {
  const pb::Reflection& r = *payload.GetReflection();
  std::vector<const pb::FieldDescriptor*> set;
  r.ListFields(payload, &set);
  for (const pb::FieldDescriptor* f : set) {
    if (!KeptForClocks(*f)) r.ClearField(&payload, f);
  }
}

}  // namespace

bool KeptForClocks(const pb::FieldDescriptor& field) {
  if (field.containing_type() == v1::ChildDetailsRecorded::descriptor())
    return field.name() == "unborn";
  // A manager's acknowledgement note is the on-call chain's own message, passed on with the
  // acknowledgement to the next level (alerts.v1 note); it is about the alert, not the child.
  if (field.containing_type() == v1::AlertAcknowledged::descriptor()) return true;
  if (field.cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING) return IsIdName(field.name());
  return true;
}

void MinimiseForClocks(v1::Envelope& event) {
  const pb::FieldDescriptor* payload = event.GetReflection()->GetOneofFieldDescriptor(
      event, v1::Envelope::descriptor()->FindOneofByName("payload"));
  if (payload == nullptr) return;
  if (event.has_correction()) {
    v1::Correction& c = *event.mutable_correction();
    c.clear_reason();
    if (c.has_amended()) MinimiseForClocks(*c.mutable_amended());
    return;
  }
  Minimise(*event.GetReflection()->MutableMessage(&event, payload));
}

}  // namespace sightline::domain
