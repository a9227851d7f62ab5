#include "sightline/kafka/properties.h"

namespace sightline::kafka {

bool ParseProperties(const std::string& text, Properties& out, std::string& bad) {
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(';', start);
    std::string item =
        text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!item.empty()) {
      std::size_t eq = item.find('=');
      if (eq == std::string::npos || eq == 0) {
        bad = item;
        return false;
      }
      out[item.substr(0, eq)] = item.substr(eq + 1);
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return true;
}

}  // namespace sightline::kafka
