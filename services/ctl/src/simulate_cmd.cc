#include <cstdio>
#include <fstream>
#include <iostream>

#include "commands.h"
#include "sightline/domain/events/codec.h"

namespace sightline::ctl {

int Simulate(const SimulateOptions& options) {
  domain::SimulationParams params = options.params;
  if (!options.start.empty()) {
    int y = 0;
    unsigned m = 0, d = 0;
    char tail = 0;
    int n = std::sscanf(options.start.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail);
    std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(m),
                                    std::chrono::day(d)};
    if (n != 3 || !ymd.ok()) {
      std::cerr << "simulate: --start: not a date YYYY-MM-DD: '" << options.start << "'\n";
      return 1;
    }
    params.start_day = std::chrono::sys_days(ymd);
  }
  FieldErrors errors = domain::ValidateSimulationParams(params);
  for (const FieldError& e : errors) std::cerr << "simulate: " << e.ToString() << "\n";
  if (!errors.empty()) return 1;

  std::ofstream file;
  std::ostream* out = &std::cout;
  if (!options.out.empty() && options.out != "-") {
    file.open(options.out);
    if (!file) {
      std::cerr << "simulate: cannot write " << options.out << "\n";
      return 1;
    }
    out = &file;
  }
  auto events = domain::Simulate(params);
  for (const auto& e : events) *out << domain::EventToJson(e) << "\n";
  out->flush();
  std::cerr << "simulate: " << events.size() << " events, " << params.days << " day(s), seed "
            << params.seed << "\n";
  return out->good() ? 0 : 1;
}

}  // namespace sightline::ctl
