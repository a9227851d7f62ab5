#include "sightline/runtime/usage.h"

#include <sys/resource.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace sightline::runtime {

double CpuSeconds(CpuOf whose) {
  rusage u{};
  getrusage(whose == CpuOf::kThisProcess ? RUSAGE_SELF : RUSAGE_CHILDREN, &u);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

long PeakRssMiB() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmHWM:")) return std::atol(line.c_str() + 6) / 1024;  // Stated in kB.
  }
  return 0;
}

}  // namespace sightline::runtime
