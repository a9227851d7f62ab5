// sightlinectl import cin-census F.xml: a past CIN census return as Sightline events (NDJSON,
// mode 0600), each marked imported with the return it came from, with ids made from the facts so
// that importing twice is harmless (domain/returns cin_census_import.h). The events are then sent
// like any others: `sightlinectl emit` with the import relay's token. Every event is checked by
// the gateway's own validation first; nothing is written if any is refused.
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "private_file.h"
#include "sightline/clock/clock.h"
#include "sightline/crypto/digest.h"
#include "sightline/domain/events/codec.h"
#include "sightline/domain/events/validation.h"
#include "sightline/domain/returns/cin_census_import.h"
#include "sightline/xml/xml.h"

namespace sightline::ctl {

int ImportCinCensus(const ImportOptions& o) {
  std::ifstream in(o.file, std::ios::binary);
  if (!in) {
    std::cerr << "import: cannot read " << o.file << "\n";
    return 1;
  }
  std::stringstream text;
  text << in.rdbuf();
  const std::string xml_text = text.str();
  auto message = xml::ParseXml(xml_text);
  if (!message.ok()) {
    std::cerr << "import: " << o.file << ": " << message.status().message() << "\n";
    return 1;
  }
  const auto* header = message.value().Child("Header");
  const auto* details = header ? header->Child("CollectionDetails") : nullptr;
  const auto* source = header ? header->Child("Source") : nullptr;
  std::string year = details ? std::string(details->ChildText("Year")) : "";
  std::string la = source ? std::string(source->ChildText("LEA")) : "";
  domain::returns::CinImportOptions options{
      .source = "cin-census " + year + " LA " + la + " (sha256 " +
                crypto::Sha256Hex(xml_text).substr(0, 16) + ")",
      .actor_id = o.actor};
  domain::returns::CinImportFigures f;
  auto events = domain::returns::CinCensusEvents(message.value(), options, &f);
  if (!events.ok()) {
    std::cerr << "import: " << o.file << ": " << events.status().message() << "\n";
    return 1;
  }
  SystemClock clock;
  std::string out;
  int invalid = 0;
  for (const auto& e : events.value()) {
    auto errors = domain::ValidateEvent(e, clock.Now(), domain::ValidationLimits{});
    if (!errors.empty()) {
      if (++invalid <= 10)
        std::cerr << "import: event " << e.event_id() << ": " << errors[0].ToString() << "\n";
      continue;
    }
    out += domain::EventToJson(e);
    out += '\n';
  }
  if (invalid > 0) {
    std::cerr << "import: " << invalid << " events would be refused; nothing written\n";
    return 1;
  }
  if (Status s = WritePrivateFile(o.out, out); !s.ok()) {
    std::cerr << "import: " << s.message() << "\n";
    return 1;
  }
  std::cout << "import cin-census " << o.file << " (" << options.source << "): " << o.out
            << " (mode 0600)\n"
            << "  children " << f.children << ", episodes " << f.episodes << ", events " << f.events
            << ", episodes with codes held approximately " << f.approximations << "\n";
  return 0;
}

}  // namespace sightline::ctl
