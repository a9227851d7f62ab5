#include "sightline/core/status.h"

namespace sightline {

std::string Status::ToString() const {
  switch (code_) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kInvalidArgument:
      return "INVALID_ARGUMENT: " + message_;
    case StatusCode::kUnavailable:
      return "UNAVAILABLE: " + message_;
    case StatusCode::kNotFound:
      return "NOT_FOUND: " + message_;
    case StatusCode::kInternal:
      return "INTERNAL: " + message_;
  }
  return "UNKNOWN: " + message_;
}

}  // namespace sightline
