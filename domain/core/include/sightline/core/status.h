// Errors as values for all of Sightline (see docs/adr/0001-error-handling.md).
//
// Status says whether an operation worked and, when not, which class of failure it was: the class
// decides what the caller does (reject the input, retry later, or stop loudly). FieldErrors name
// the exact input field that was rejected and why. Both are [[nodiscard]] so an ignored error is
// a compile warning (an error under -Werror); to drop one on purpose, call IgnoreError().
#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace sightline {

enum class StatusCode {
  kOk,
  kInvalidArgument,  // Bad input: reject it (400, dead-letter). Retrying will not help.
  kUnavailable,      // A dependency is down or slow: retry with backoff, advance nothing.
  kNotFound,
  kInternal,  // Broken invariant or corrupted state: stop loudly.
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status Ok() { return {}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;
  void IgnoreError() const {}

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }

// A value or the Status that explains its absence.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : v_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  StatusOr(Status status) : v_(std::move(status)) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return std::holds_alternative<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T& value() & { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

// One rejected input field: a dotted path in proto field names ("refs.contact_id",
// "contact_received.concerns[1]") or "" for the body as a whole, and a reason for a human.
struct FieldError {
  std::string field;
  std::string reason;
  std::string ToString() const { return field.empty() ? reason : field + ": " + reason; }
  bool operator==(const FieldError&) const = default;
};
using FieldErrors = std::vector<FieldError>;

}  // namespace sightline
