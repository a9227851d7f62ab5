#include "sightline/domain/events/names.h"

#include <cctype>

namespace sightline::domain {

namespace v1 = events::v1;

std::string EnumLabel(std::string_view name, std::string_view prefix) {
  if (name.starts_with(prefix)) name.remove_prefix(prefix.size());
  std::string out(name);
  for (char& c : out)
    c = c == '_' ? ' ' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string PayloadName(const v1::Envelope& e) {
  const auto* field = v1::Envelope::descriptor()->FindFieldByNumber(e.payload_case());
  return field ? field->name() : "unknown";
}

}  // namespace sightline::domain
