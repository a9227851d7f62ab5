#include "sightline/domain/events/census_codes.h"

#include <algorithm>
#include <array>

namespace sightline::domain::census {

namespace {

constexpr std::string_view kCheckAlphabet = "ABCDEFGHJKLMNPQRTUVWXYZ";
constexpr std::array<std::string_view, 13> kDisability = {
    "NONE", "MOB", "HAND", "PC", "INC", "COMM", "LD", "HEAR", "VIS", "BEH", "CON", "AUT", "DDA"};

bool Digit(char c) { return c >= '0' && c <= '9'; }

// A prefix and then a number from `lo` to `hi` with no leading zero.
bool Numbered(std::string_view s, std::string_view prefix, int lo, int hi) {
  if (!s.starts_with(prefix)) return false;
  std::string_view n = s.substr(prefix.size());
  if (n.empty() || n.size() > 2 || n[0] == '0') return false;
  int v = 0;
  for (char c : n) {
    if (!Digit(c)) return false;
    v = v * 10 + (c - '0');
  }
  return v >= lo && v <= hi;
}

}  // namespace

std::optional<char> UpnCheckLetter(std::string_view upn) {
  if (upn.size() != 13) return std::nullopt;
  int sum = 0;
  for (std::size_t i = 1; i < 13; ++i) {
    int value = 0;
    if (Digit(upn[i])) {
      value = upn[i] - '0';
    } else if (i == 12 && kCheckAlphabet.find(upn[i]) != std::string_view::npos) {
      value = static_cast<int>(kCheckAlphabet.find(upn[i]));
    } else {
      return std::nullopt;
    }
    sum += value * static_cast<int>(i + 1);
  }
  return kCheckAlphabet[static_cast<std::size_t>(sum % 23)];
}

bool IsUpn(std::string_view upn) {
  std::optional<char> check = UpnCheckLetter(upn);
  return check && upn[0] == *check;
}

std::string MakeUpn(std::string_view la_code, long long serial) {
  std::string digits = std::to_string(serial % 1'000'000'000LL);
  std::string upn = "?" + std::string(la_code.substr(0, 3));
  upn += std::string(9 - digits.size(), '0') + digits;
  upn[0] = UpnCheckLetter(upn).value_or('?');
  return upn;
}

bool IsUpnUnknownReason(std::string_view code) { return Numbered(code, "UN", 1, 10); }

bool IsDisabilityCode(std::string_view code) {
  return std::find(kDisability.begin(), kDisability.end(), code) != kDisability.end();
}

std::span<const std::string_view> DisabilityCodes() { return kDisability; }

bool IsPrimaryNeedCode(std::string_view code) {
  return code.size() == 2 && code[0] == 'N' && Digit(code[1]);
}

bool IsClosureReasonCode(std::string_view code) { return Numbered(code, "RC", 1, 9); }

}  // namespace sightline::domain::census
