// Internal to domain/returns: the Annex A lists with their headings and no rows (annex_a.cc fills
// them).
#pragma once

#include <vector>

#include "sightline/domain/returns/annex_a.h"

namespace sightline::domain::returns {

std::vector<AnnexAList> AnnexAHeadings();

}  // namespace sightline::domain::returns
