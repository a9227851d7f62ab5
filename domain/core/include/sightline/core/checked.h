// Checked<T>: a value that passed validation, or the list of field errors that say why not.
// Used wherever external input (HTTP bodies, NDJSON lines, config) becomes a domain value.
#pragma once

#include <utility>
#include <variant>

#include "sightline/core/status.h"

namespace sightline {

template <typename T>
class [[nodiscard]] Checked {
 public:
  Checked(T value) : v_(std::move(value)) {}              // NOLINT(google-explicit-constructor)
  Checked(FieldErrors errors) : v_(std::move(errors)) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return std::holds_alternative<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const FieldErrors& errors() const { return std::get<FieldErrors>(v_); }

 private:
  std::variant<T, FieldErrors> v_;
};

}  // namespace sightline
