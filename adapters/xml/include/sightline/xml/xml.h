// Reads an XML document (expat) into domain::returns::XmlElement, for imported returns. Hostile
// files are refused with a clear error: a size limit on the whole text, a depth limit, and no
// DTD at all (so no entity expansion, internal or external).
#pragma once

#include <cstddef>
#include <string_view>

#include "sightline/core/status.h"
#include "sightline/domain/returns/cin_census_import.h"

namespace sightline::xml {

struct XmlLimits {
  std::size_t max_bytes = std::size_t{512} << 20;
  int max_depth = 32;
};

// The root element; an error says the line and column of the first problem.
StatusOr<domain::returns::XmlElement> ParseXml(std::string_view text, const XmlLimits& limits = {});

}  // namespace sightline::xml
