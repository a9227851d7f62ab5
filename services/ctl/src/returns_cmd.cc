// sightlinectl returns cin-census: the DfE Children in Need census for a collection year, made by
// the projector as the caller (audited there), or offline from a recorded NDJSON stream of events
// (domain/returns, ADR 0021). The file is written with mode 0600
// from the start: it is the most sensitive file Sightline makes.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <iostream>
#include <nlohmann/json.hpp>
#include <system_error>
#include <variant>

#include "commands.h"
#include "events_file.h"
#include "private_file.h"
#include "sightline/clock/clock.h"
#include "sightline/config/policy_file.h"
#include "sightline/domain/returns/annex_a.h"
#include "sightline/domain/returns/cin_census.h"
#include "sightline/http/client.h"

namespace sightline::ctl {

namespace {

// A return made by the projector, as the token's holder: it checks the role and audits the run,
// naming every child in the return, before it answers. The answer, or the exit code (1 refused or
// bad input, 2 unavailable) with the reason printed.
std::variant<http::ClientResponse, int> FromProjector(const std::string& what,
                                                      const std::string& projector,
                                                      const std::string& token_file,
                                                      const std::string& path) {
  auto token = ReadTokenFile(token_file, "--token-file");
  if (!token.ok()) {
    std::cerr << what << ": " << token.status().message() << "\n";
    return 1;
  }
  auto r = http::Send(projector, {.method = "GET",
                                  .path = path,
                                  .body = "",
                                  .content_type = "",
                                  .headers = {{"Authorization", "Bearer " + token.value()}},
                                  .timeout = std::chrono::minutes(10)});
  if (!r.ok()) {
    std::cerr << what << ": projector unavailable: " << r.status().message() << "\n";
    return 2;
  }
  if (r.value().status != 200) {
    std::cerr << what << ": the projector answered " << r.value().status << ": "
              << r.value().body.substr(0, 500) << "\n";
    return r.value().status == 503 ? 2 : 1;
  }
  return std::move(r).value();
}

int CinCensusFromProjector(const CinCensusOptions& o) {
  auto answer = FromProjector(
      "cin-census", o.projector, o.token_file,
      "/v1/returns/cin-census?year=" + o.year + "&la=" + o.la + "&serial_no=" + o.serial_no);
  if (const int* code = std::get_if<int>(&answer)) return *code;
  const auto& r = std::get<http::ClientResponse>(answer);
  if (Status s = WritePrivateFile(o.out, r.body); !s.ok()) {
    std::cerr << s.message() << "\n";
    return 1;
  }
  auto children = r.headers.find("x-sightline-children");
  std::cout << "cin-census " << o.year << " for LA " << o.la << ": " << o.out << " (mode 0600)\n"
            << "  children " << (children == r.headers.end() ? "?" : children->second)
            << ", made by " << o.projector << " and audited there\n";
  return 0;
}

// A directory only its owner may enter, like the files in it.
bool PrivateDirectory(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    std::cerr << "annex-a: cannot create " << path << ": "
              << std::error_code(errno, std::generic_category()).message() << "\n";
    return false;
  }
  if (::chmod(path.c_str(), 0700) != 0) {
    std::cerr << "annex-a: cannot restrict " << path << "\n";
    return false;
  }
  return true;
}

int WriteAnnexA(const AnnexAOptions& o, const std::vector<domain::returns::AnnexAList>& lists,
                std::size_t children, const std::string& made_by) {
  if (!PrivateDirectory(o.out)) return 1;
  std::cout << "annex-a " << o.from << " to " << o.to << ": " << o.out << " (mode 0600), "
            << children << " children" << made_by << "\n";
  for (const auto& list : lists) {
    std::string path = o.out + "/list-" + std::to_string(list.number) + ".csv";
    if (Status s = WritePrivateFile(path, domain::returns::AnnexACsv(list)); !s.ok()) {
      std::cerr << s.message() << "\n";
      return 1;
    }
    std::cout << "  List " << list.number << " " << list.title << ": " << list.rows.size()
              << " rows\n";
  }
  return 0;
}

int AnnexAFromProjector(const AnnexAOptions& o) {
  auto answer = FromProjector("annex-a", o.projector, o.token_file,
                              "/v1/returns/annex-a?from=" + o.from + "&to=" + o.to);
  if (const int* code = std::get_if<int>(&answer)) return *code;
  auto body = nlohmann::json::parse(std::get<http::ClientResponse>(answer).body, nullptr, false);
  std::vector<domain::returns::AnnexAList> lists;
  try {
    for (const auto& l : body.at("lists"))
      lists.push_back({.number = l.at("number").get<int>(),
                       .title = l.at("title").get<std::string>(),
                       .headers = l.at("headers").get<std::vector<std::string>>(),
                       .rows = l.at("rows").get<std::vector<std::vector<std::string>>>()});
  } catch (const nlohmann::json::exception& e) {
    std::cerr << "annex-a: the projector's answer is not the lists: " << e.what() << "\n";
    return 1;
  }
  return WriteAnnexA(o, lists, body.value("children", std::size_t{0}),
                     ", made by " + o.projector + " and audited there");
}

}  // namespace

int CinCensus(const CinCensusOptions& o) {
  auto year = domain::returns::ParseCollectionYear(o.year);
  if (!year.ok()) {
    std::cerr << "--year: " << year.status().message() << "\n";
    return 1;
  }
  if (!domain::returns::IsLaCode(o.la)) {
    std::cerr << "--la: the DfE three-digit LA number (e.g. 886), got '" << o.la << "'\n";
    return 1;
  }
  if (!domain::returns::IsSerialNo(o.serial_no)) {
    std::cerr << "--serial-no: 1 to 4 digits, got '" << o.serial_no << "'\n";
    return 1;
  }
  if (o.out.empty()) {
    std::cerr << "--out: the census file to write is required (it is not printed: it names "
                 "children)\n";
    return 1;
  }
  if (o.projector.empty() == o.events_file.empty()) {
    std::cerr << "cin-census: name where the events are: --projector URL (with --token-file) or, "
                 "offline, --events F.ndjson\n";
    return 1;
  }
  if (!o.projector.empty()) return CinCensusFromProjector(o);
  auto calendar = config::LoadBankHolidays(o.calendar_file);
  if (!calendar.ok()) {
    std::cerr << "--calendar: " << calendar.status().message() << "\n";
    return 1;
  }
  auto events = ReadEventsFile(o.events_file);
  if (!events.ok()) {
    std::cerr << "--events: " << events.status().message() << "\n";
    return 1;
  }
  domain::returns::CinCensusOptions options{
      .year = year.value(),
      .la_code = o.la,
      .serial_no = o.serial_no,
      .generated_at = FormatIso(SystemClock().Now()).substr(0, 19)};
  domain::returns::CinCensusFigures f;
  std::string xml = domain::returns::CinCensusXml(events.value(), calendar.value(), options, &f);
  if (Status s = WritePrivateFile(o.out, xml); !s.ok()) {
    std::cerr << s.message() << "\n";
    return 1;
  }
  std::cout << "cin-census " << o.year << " for LA " << o.la << ": " << o.out << " (mode 0600)\n"
            << "  children " << f.children << ", episodes " << f.episodes << " (referrals NFA "
            << f.referrals_nfa << "), assessments " << f.assessments << ", CIN plans "
            << f.cin_plans << ", section 47 " << f.section47 << ", CP plans " << f.cp_plans
            << ", CP reviews " << f.reviews << "\n"
            << "  inferred: CIN plans ended by a CP plan " << f.cin_plans_ended_by_cp
            << ", plans ended by the case's closure " << f.plans_ended_by_closure
            << ", closure reasons derived " << f.closure_reasons_derived << "\n"
            << "  left out or merged: closures while work was under way "
            << f.closures_with_work_open_left_out << ", closures undone by later work "
            << f.closures_undone_by_later_work << ", CIN plans inside a CP plan "
            << f.cin_plans_inside_cp_left_out << ", CIN plans continued " << f.cin_plans_continued
            << ", assessments joined " << f.assessments_joined << ", section 47 enquiries joined "
            << f.section47_joined << "\n";
  return 0;
}

int AnnexA(const AnnexAOptions& o) {
  auto from = domain::ParseDay(o.from);
  auto to = domain::ParseDay(o.to);
  if (!from || !to || *to < *from) {
    std::cerr << "annex-a: --from and --to: days YYYY-MM-DD, --from not after --to\n";
    return 1;
  }
  if (o.projector.empty() == o.events_file.empty()) {
    std::cerr << "annex-a: name where the events are: --projector URL (with --token-file) or, "
                 "offline, --events F.ndjson\n";
    return 1;
  }
  if (!o.projector.empty()) return AnnexAFromProjector(o);
  auto events = ReadEventsFile(o.events_file);
  if (!events.ok()) {
    std::cerr << "--events: " << events.status().message() << "\n";
    return 1;
  }
  std::vector<std::string> children;
  auto lists = domain::returns::AnnexA(events.value(), {.from = *from, .to = *to}, &children);
  return WriteAnnexA(o, lists, children.size(), "");
}

}  // namespace sightline::ctl
