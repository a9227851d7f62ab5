// The DfE Children in Need census code sets that events carry (docs/returns.md): unique pupil
// numbers, the reasons a UPN is unknown, disability, primary need and reason-for-closure codes.
// Shared by event validation and the returns built from events.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sightline::domain::census {

// The check letter a UPN's characters 2-13 give (DfE UPN guide: weights 2-13, sum mod 23, into
// A-Z without I, O and S); a letter in character 13 (a temporary UPN) counts as its place in
// that alphabet. Nothing for a string that is not 13 characters of that form.
std::optional<char> UpnCheckLetter(std::string_view upn);
// 13 characters: the right check letter, a three-digit LA code, eight digits, then a digit (or,
// in a temporary UPN, a letter of the check alphabet).
bool IsUpn(std::string_view upn);
// A UPN made from an LA code (three digits) and a serial (up to nine digits), with its check
// letter: what the simulator gives children of school age.
std::string MakeUpn(std::string_view la_code, long long serial);

bool IsUpnUnknownReason(std::string_view code);  // UN1-UN10
// NONE, MOB, HAND, PC, INC, COMM, LD, HEAR, VIS, BEH, CON, AUT, DDA.
bool IsDisabilityCode(std::string_view code);
std::span<const std::string_view> DisabilityCodes();
bool IsPrimaryNeedCode(std::string_view code);    // N0-N9
bool IsClosureReasonCode(std::string_view code);  // RC1-RC9

}  // namespace sightline::domain::census
