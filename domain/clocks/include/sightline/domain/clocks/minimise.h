// What the watchdog keeps of an event (issue 13, data minimisation). Its rules match on the kind
// of event, its references and times, and on payload values that classify (enums, flags, ids,
// codes such as a plan's primary need); they never need a child's name, date of birth, ethnicity
// or anything typed as free text. So before an event is stored or folded, every payload text
// field that is not an id is emptied (but for an acknowledgement's note, which the on-call chain
// passes on), and a child's details keep only whether the child is unborn. A correction keeps its
// target and is minimised inside. The policy loader refuses a `where:` on a field this drops, so a
// rule can never depend on what is not kept.
#pragma once

#include <google/protobuf/descriptor.h>

#include "sightline/events/v1/envelope.pb.h"

namespace sightline::domain {

// Whether `field` (of a payload message) survives MinimiseForClocks.
bool KeptForClocks(const google::protobuf::FieldDescriptor& field);

// Empties what the watchdog must not keep, in place.
void MinimiseForClocks(events::v1::Envelope& event);

}  // namespace sightline::domain
