// Streams wider than one child (docs/adr/0013-wider-subjects.md). Most rules read one child's
// events; a few read a household's (three contacts across its children in 12 months), a team's
// (no audit of its work in a calendar month) or a service area's (its last audit too old). The
// watchdog keeps each such subject as a stream of its own, made of copies of the children's
// events that the subject's rules name, and reconciles it exactly as it reconciles a child: the
// same ledger, deadline index and alert lifecycle. This header says which copies go where.
//
// A stream's key is the child id, or "@household:<id>", "@team:<id>", "@area:<service area>".
// '@' is never part of an id (ids are [A-Za-z0-9._:-]), so the two never collide. Pure.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sightline/domain/clocks/policy.h"
#include "sightline/events/v1/envelope.pb.h"

namespace sightline::domain {

std::string StreamKey(Scope scope, std::string_view id);
Scope ScopeOfStream(std::string_view key);
// "household:<id>", "team:<id>", "area:<name>"; empty for a child's stream.
std::string SubjectOfStream(std::string_view key);
// The id part: "<id>" of "@team:<id>"; the child id of a child's stream.
std::string SubjectIdOfStream(std::string_view key);
// The stream an alert id ("<rule>/<stream>/<anchor>/L<n>") belongs to, when it is not a child's.
std::optional<std::string> SubjectStreamOfAlert(std::string_view alert_id);

// A service area's stream name: the ServiceArea value without its prefix, lower case
// ("care_leavers"). Empty for SERVICE_AREA_UNSPECIFIED.
std::string AreaName(events::v1::ServiceArea area);

struct StreamCopy {
  std::string stream;
  const events::v1::Envelope* event = nullptr;  // Points into `before` or `fresh`.
};

// The copies of one child's events that subject streams need, when `fresh` events join the
// child's stored `before` ones: each fresh event the rules of a wider scope name, in every stream
// it belongs to (the child's households; the team whose work it is; the audited service area);
// every earlier such event of the child when the child joins a household it was not in; a
// correction wherever its target (or its amended copy) goes, and earlier corrections of a copied
// event; an acknowledgement of a subject's alert, in that subject's stream. Copies already made
// come again: the caller keeps one per stream and event id.
std::vector<StreamCopy> SubjectCopies(const ClockPolicy& policy,
                                      std::span<const events::v1::Envelope> before,
                                      std::span<const events::v1::Envelope> fresh);

}  // namespace sightline::domain
