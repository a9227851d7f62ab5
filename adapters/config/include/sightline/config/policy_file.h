// Reads the watchdog policy (deploy/watchdog-policy.yaml, sightline-watchdog and sightlinectl
// policy) into a validated domain::ClockPolicy. Every problem is reported at once, named by rule
// and field, and stops start-up.
#pragma once

#include <string>

#include "sightline/domain/clocks/policy.h"

namespace sightline::config {

// Reads a bank-holiday list (deploy/calendar/england-and-wales.txt); errors name file and line.
StatusOr<domain::Calendar> LoadBankHolidays(const std::string& path);

// The bank-holiday file named in the policy is read relative to the policy file's folder.
StatusOr<domain::ClockPolicy> LoadPolicy(const std::string& path);
StatusOr<domain::ClockPolicy> ParsePolicy(const std::string& text, const std::string& origin,
                                          const std::string& base_dir);

}  // namespace sightline::config
