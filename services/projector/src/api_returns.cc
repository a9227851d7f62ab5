// GET /v1/returns/cin-census: the DfE Children in Need census for a collection year, built from
// every child's events in the store (domain/returns, ADR 0021). A return names every child, the
// restricted ones included, so only the roles that may read every record may make one
// (domain::CanReadEveryRecord); the answer is held until the access audit naming every child in
// it is acknowledged, like every read (ADR 0017).
#include <algorithm>

#include "api.h"
#include "api_internal.h"
#include "api_json.h"
#include "sightline/domain/returns/cin_census.h"
#include "store_layout.h"

namespace sightline::projector {
namespace {

namespace au = audit::v1;
using api_json::Error;

bool IsLaCode(const std::string& s) {
  return s.size() == 3 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool IsSerialNo(const std::string& s) {
  return !s.empty() && s.size() <= 4 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Child ids per audit record: a county's return names thousands of children; each record stays
// far below Kafka's message limit and every child is still named.
constexpr std::size_t kIdsPerAuditRecord = 1000;

}  // namespace

http::Response TriageApi::CinCensusReturn(const http::Request& req) {
  const auto held_store = d_.stores.Get();  // This request's store, even across a switch.
  const storage::Store& store = *held_store;
  static const std::string kEndpoint = "GET /v1/returns/cin-census";
  http::Response bad;
  auto user = Authenticate(req, kEndpoint, bad);
  if (!user) return bad;
  auto query = api_json::CheckQuery(req, {"year", "la", "serial_no"}, bad);
  if (!query) return bad;
  if (!domain::CanReadEveryRecord(*user, d_.access)) {
    if (!Audit(&*user, kEndpoint, "", "", au::OUTCOME_DENIED_NO_NEED_TO_KNOW, bad,
               {.detail = "CIN census refused"}))
      return bad;
    return Error(
        403, "a statutory return names every child; only " + RestrictedReaders() + " may make one");
  }
  auto year_text = query->find("year");
  if (year_text == query->end()) return Error(400, "the collection year is required", "year");
  auto year = domain::returns::ParseCollectionYear(year_text->second);
  if (!year.ok()) return Error(400, year.status().message(), "year");
  auto la = query->find("la");
  if (la == query->end() || !IsLaCode(la->second))
    return Error(400, "the DfE three-digit LA number, e.g. 886", "la");
  std::string serial_no = query->contains("serial_no") ? query->at("serial_no") : "1";
  if (!IsSerialNo(serial_no)) return Error(400, "1 to 4 digits", "serial_no");

  std::vector<events::v1::Envelope> events;
  bool corrupt = false;
  Status s = store.Scan(cf::kEvents, "", [&](std::string_view, std::string_view value) {
    events::v1::Envelope& e = events.emplace_back();
    if (!e.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      corrupt = true;
      return false;
    }
    return true;
  });
  if (!s.ok()) return api_internal::StoreError(s);
  if (corrupt) return Error(500, "a stored event does not parse");
  Instant now = d_.clock.Now();
  domain::returns::CinCensusFigures figures;
  std::string xml = domain::returns::CinCensusXml(events, d_.calendar,
                                                  {.year = year.value(),
                                                   .la_code = la->second,
                                                   .serial_no = serial_no,
                                                   .generated_at = FormatIso(now).substr(0, 19)},
                                                  &figures);
  // Every child in the return is named in the audit, so `sightlinectl audit child` finds the
  // return among the reads of that child's record.
  const std::vector<std::string>& ids = figures.child_ids;
  std::size_t parts =
      std::max<std::size_t>(1, (ids.size() + kIdsPerAuditRecord - 1) / kIdsPerAuditRecord);
  for (std::size_t part = 0; part < parts; ++part) {
    auto first =
        ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), part * kIdsPerAuditRecord));
    auto last = ids.begin() +
                static_cast<std::ptrdiff_t>(std::min(ids.size(), (part + 1) * kIdsPerAuditRecord));
    std::string detail = "CIN census " + year_text->second + " for LA " + la->second + ": " +
                         std::to_string(ids.size()) + " children, part " +
                         std::to_string(part + 1) + " of " + std::to_string(parts);
    if (!Audit(&*user, kEndpoint, "", "", au::OUTCOME_GRANTED, bad,
               {.shown = std::vector<std::string>(first, last), .detail = detail}))
      return bad;
  }
  d_.metrics.Request("cin_census", 200);
  http::Response r;
  r.status = 200;
  r.content_type = "application/xml";
  r.body = std::move(xml);
  r.headers["Cache-Control"] = "no-store";
  r.headers["Content-Disposition"] =
      "attachment; filename=\"cin-census-" + year_text->second + "-" + la->second + ".xml\"";
  r.headers["X-Sightline-Children"] = std::to_string(figures.children);
  return r;
}

}  // namespace sightline::projector
