// History in (issue 16): a past CIN census return turned into Sightline events, so a council can
// start from its last returns. Pure: the parsed message in, events out; reading the file (with
// its limits) and writing the events is sightlinectl's (ADR 0021).
//
// Every event is marked imported (envelope.proto, Imported) with its source, and its id is made
// from the LA, the child and the piece of work, so importing the same return twice gives the same
// events (the gateway keeps one). Each child's events are ordered within a day so that folding
// them again (cin_census.h) gives the return back: exporting what was imported gives the same file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sightline/core/status.h"
#include "sightline/events/v1/envelope.pb.h"

namespace sightline::domain::returns {

// An XML element as the census message uses them: no attributes, text or child elements.
struct XmlElement {
  std::string name;
  std::string text;  // The character data directly inside, spaces around it trimmed.
  std::vector<XmlElement> children;
  const XmlElement* Child(std::string_view child_name) const;     // The first so named, or null.
  std::string_view ChildText(std::string_view child_name) const;  // Its text, or "".
};

struct CinImportOptions {
  std::string source;  // Said on every event, e.g. "cin-census 2025-26 LA 886 (sha256 ...)".
  // Who imported it (the accountable person), recorded as each event's actor with the role that
  // makes returns.
  std::string actor_id;
  events::v1::Role actor_role = events::v1::ROLE_HEAD_OF_SERVICE;
};

struct CinImportFigures {
  int children = 0;
  int episodes = 0;
  int events = 0;
  // Census codes Sightline's schema holds only approximately (a referral source like 1B read as
  // an individual, 1A; a primary need with no assessment or plan to carry it).
  int approximations = 0;
};

// The events of every child in the message, children in file order. An error names the child
// (its position and LAchildID) and the element that is missing or malformed; nothing is returned
// for a message with any error.
StatusOr<std::vector<events::v1::Envelope>> CinCensusEvents(const XmlElement& message,
                                                            const CinImportOptions& options,
                                                            CinImportFigures* figures = nullptr);

}  // namespace sightline::domain::returns
