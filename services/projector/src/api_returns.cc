// The statutory returns, made from every child's events in the store (domain/returns, ADR 0021):
//   GET /v1/returns/cin-census?year=2026-27&la=886   the DfE CIN census XML
//   GET /v1/returns/annex-a?from=2026-04-01&to=2026-09-30   Ofsted's Annex A lists (JSON)
// A return names every child, the restricted ones included, so only the roles that may read every
// record may make one (domain::CanReadEveryRecord); the answer is held until the access audit
// naming every child in it is acknowledged, like every read (ADR 0017).
#include <algorithm>

#include "api.h"
#include "api_internal.h"
#include "api_json.h"
#include "sightline/domain/returns/annex_a.h"
#include "sightline/domain/returns/cin_census.h"
#include "store_layout.h"

namespace sightline::projector {
namespace {

namespace au = audit::v1;
using api_json::Error;
using api_json::json;

// Child ids per audit record: a county's return names thousands of children; each record stays
// far below Kafka's message limit and every child is still named.
constexpr std::size_t kIdsPerAuditRecord = 1000;

}  // namespace

std::optional<domain::User> TriageApi::AuthenticateReturnMaker(
    const http::Request& req, const std::string& endpoint, const std::set<std::string>& params,
    std::map<std::string, std::string>& query, http::Response& refusal) {
  auto user = Authenticate(req, endpoint, refusal);
  if (!user) return std::nullopt;
  auto checked = api_json::CheckQuery(req, params, refusal);
  if (!checked) return std::nullopt;
  query = std::move(*checked);
  if (domain::CanReadEveryRecord(*user, d_.access)) return user;
  if (Audit(&*user, endpoint, "", "", au::OUTCOME_DENIED_NO_NEED_TO_KNOW, refusal,
            {.detail = "statutory return refused"}))
    refusal = Error(
        403, "a statutory return names every child; only " + RestrictedReaders() + " may make one");
  return std::nullopt;
}

std::optional<std::vector<events::v1::Envelope>> TriageApi::StoredEvents(
    const storage::Store& store, http::Response& failure) const {
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
  if (!s.ok()) {
    failure = api_internal::StoreError(s);
    return std::nullopt;
  }
  if (corrupt) {
    failure = Error(500, "a stored event does not parse");
    return std::nullopt;
  }
  return events;
}

bool TriageApi::AuditReturn(const domain::User& user, const std::string& endpoint,
                            const std::vector<std::string>& ids, const std::string& what,
                            http::Response& refusal) {
  // Every child in the return is named, so `sightlinectl audit child` finds the return among the
  // reads of that child's record.
  std::size_t parts =
      std::max<std::size_t>(1, (ids.size() + kIdsPerAuditRecord - 1) / kIdsPerAuditRecord);
  for (std::size_t part = 0; part < parts; ++part) {
    auto at = [&](std::size_t i) {
      return ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), i));
    };
    std::string detail = what + ": " + std::to_string(ids.size()) + " children, part " +
                         std::to_string(part + 1) + " of " + std::to_string(parts);
    if (!Audit(&user, endpoint, "", "", au::OUTCOME_GRANTED, refusal,
               {.shown = std::vector<std::string>(at(part * kIdsPerAuditRecord),
                                                  at((part + 1) * kIdsPerAuditRecord)),
                .detail = detail}))
      return false;
  }
  return true;
}

http::Response TriageApi::CinCensusReturn(const http::Request& req) {
  const auto held_store = d_.stores.Get();  // This request's store, even across a switch.
  static const std::string kEndpoint = "GET /v1/returns/cin-census";
  http::Response bad;
  std::map<std::string, std::string> query;
  auto user = AuthenticateReturnMaker(req, kEndpoint, {"year", "la", "serial_no"}, query, bad);
  if (!user) return bad;
  if (!query.contains("year")) return Error(400, "the collection year is required", "year");
  auto year = domain::returns::ParseCollectionYear(query["year"]);
  if (!year.ok()) return Error(400, year.status().message(), "year");
  if (!domain::returns::IsLaCode(query["la"]))
    return Error(400, "the DfE three-digit LA number, e.g. 886", "la");
  std::string serial_no = query.contains("serial_no") ? query["serial_no"] : "1";
  if (!domain::returns::IsSerialNo(serial_no)) return Error(400, "1 to 4 digits", "serial_no");
  auto events = StoredEvents(*held_store, bad);
  if (!events) return bad;
  domain::returns::CinCensusFigures figures;
  std::string xml =
      domain::returns::CinCensusXml(*events, d_.calendar,
                                    {.year = year.value(),
                                     .la_code = query["la"],
                                     .serial_no = serial_no,
                                     .generated_at = FormatIso(d_.clock.Now()).substr(0, 19)},
                                    &figures);
  if (!AuditReturn(*user, kEndpoint, figures.child_ids,
                   "CIN census " + query["year"] + " for LA " + query["la"], bad))
    return bad;
  d_.metrics.Request("cin_census", 200);
  http::Response r;
  r.status = 200;
  r.content_type = "application/xml";
  r.body = std::move(xml);
  r.headers["Cache-Control"] = "no-store";
  r.headers["Content-Disposition"] =
      "attachment; filename=\"cin-census-" + query["year"] + "-" + query["la"] + ".xml\"";
  r.headers["X-Sightline-Children"] = std::to_string(figures.children);
  return r;
}

http::Response TriageApi::AnnexAReturn(const http::Request& req) {
  const auto held_store = d_.stores.Get();
  static const std::string kEndpoint = "GET /v1/returns/annex-a";
  http::Response bad;
  std::map<std::string, std::string> query;
  auto user = AuthenticateReturnMaker(req, kEndpoint, {"from", "to"}, query, bad);
  if (!user) return bad;
  auto from = domain::ParseDay(query["from"]);
  if (!from) return Error(400, "the first day of the period, YYYY-MM-DD", "from");
  auto to = domain::ParseDay(query["to"]);
  if (!to || *to < *from) return Error(400, "the last day of the period, not before from", "to");
  auto events = StoredEvents(*held_store, bad);
  if (!events) return bad;
  std::vector<std::string> children;
  auto lists = domain::returns::AnnexA(*events, {.from = *from, .to = *to}, &children);
  if (!AuditReturn(*user, kEndpoint, children, "Annex A " + query["from"] + " to " + query["to"],
                   bad))
    return bad;
  json out = {{"from", query["from"]},
              {"to", query["to"]},
              {"children", children.size()},
              {"lists", json::array()}};
  for (const auto& l : lists)
    out["lists"].push_back(
        {{"number", l.number}, {"title", l.title}, {"headers", l.headers}, {"rows", l.rows}});
  d_.metrics.Request("annex_a", 200);
  return api_json::Answer(200, out);
}

http::Response TriageApi::OnReturnsThread(const http::Request& req,
                                          http::Response (TriageApi::*read)(const http::Request&)) {
  identity::AuthResult who = d_.auth.Authenticate(req);
  if (!api_internal::IsStaff(who) ||
      !domain::CanReadEveryRecord(*who.principal->AsUser(), d_.access))
    return HoldForAudit(req, read);
  return AnswerOnPool(
      *returns_, http::Response{},  // Never sent: the work always gives the answer.
      [this, req, read](const http::Completion& done) {
        http::Response answer = HoldForAudit(req, read);
        if (!answer.after) {
          done(std::move(answer));
          return;
        }
        std::function<void(http::Completion)> audited = std::move(answer.after);
        answer.after = nullptr;
        audited([answer = std::move(answer), done](std::optional<http::Response> instead) {
          if (instead) {
            done(std::move(instead));
          } else {
            done(answer);
          }
        });
      },
      api_json::Busy("a statutory return is already being made; retry shortly", 5));
}

}  // namespace sightline::projector
