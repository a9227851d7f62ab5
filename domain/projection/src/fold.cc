#include "folder.h"
#include "sightline/domain/projection/projection.h"

namespace sightline::domain {

projections::v1::ChildRecord FoldChild(std::string_view child_id,
                                       std::span<const events::v1::Envelope> events,
                                       const Calendar& calendar, const ProjectionPolicy& policy) {
  return fold_internal::Folder(child_id, calendar, policy).Run(events);
}

}  // namespace sightline::domain
