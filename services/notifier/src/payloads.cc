#include "payloads.h"

#include <google/protobuf/util/time_util.h>

#include <nlohmann/json.hpp>

#include "sightline/domain/events/validation.h"

namespace sightline::notifier_service {
namespace {

using nlohmann::json;
namespace nv = notifier::v1;

std::string Iso(Instant t) { return google::protobuf::util::TimeUtil::ToString(ToTimestamp(t)); }

}  // namespace

std::string AlertmanagerBody(const std::vector<nv::AlertmanagerRow>& rows, Instant now,
                             const ReceiverConfig& receiver, const std::string& triage_base_url) {
  json out = json::array();
  for (const nv::AlertmanagerRow& row : rows) {
    const nv::LevelAlert& a = row.alert();
    Instant starts = ToInstant(a.started_at());
    Instant ends;
    if (a.has_ends_at()) {
      ends = ToInstant(a.ends_at());
    } else if (a.state() == nv::ALERT_STATE_FIRING) {
      ends = std::max(now, starts) + 4 * receiver.resend_interval;
    } else {
      ends = ToInstant(a.state_since());
    }
    if (ends <= starts) ends = starts + std::chrono::seconds(1);  // Alertmanager requires it.
    json annotations = {{"summary", domain::AlertSummary(a)}};
    std::string link = domain::ChildLink(triage_base_url, a);
    if (!link.empty()) annotations["triage_url"] = link;
    if (!a.acknowledged_by().empty()) annotations["acknowledged_by"] = a.acknowledged_by();
    if (!a.reason().empty()) annotations["resolution"] = a.reason();
    if (a.has_due_at()) annotations["due_at"] = Iso(ToInstant(a.due_at()));
    json alert = {{"labels", domain::AlertLabels(a)},
                  {"annotations", annotations},
                  {"startsAt", Iso(starts)},
                  {"endsAt", Iso(ends)}};
    if (!link.empty()) alert["generatorURL"] = link;
    out.push_back(std::move(alert));
  }
  return out.dump();
}

std::string WebhookBody(const nv::Delivery& d, const ReceiverConfig& receiver,
                        const std::string& triage_base_url) {
  const nv::LevelAlert& a = d.alert();
  std::string action = d.action() == nv::ACTION_TRIGGER       ? "trigger"
                       : d.action() == nv::ACTION_ACKNOWLEDGE ? "acknowledge"
                                                              : "resolve";
  json details = {{"alert_id", a.alert_id()}, {"alertname", a.alertname()}};
  if (!a.child_id().empty()) details["child"] = a.child_id();
  if (!a.rule_id().empty()) details["rule"] = a.rule_id();
  if (a.level() > 0) details["level"] = a.level();
  if (!a.level_role().empty()) details["level_role"] = a.level_role();
  if (a.has_due_at()) details["due_at"] = Iso(ToInstant(a.due_at()));
  if (!a.acknowledged_by().empty()) details["acknowledged_by"] = a.acknowledged_by();
  if (!a.reason().empty()) details["resolution"] = a.reason();
  json body = {{"routing_key", receiver.routing_key},
               {"event_action", action},
               {"dedup_key", a.alert_id()},
               {"payload",
                {{"summary", domain::AlertSummary(a)},
                 {"source", "sightline"},
                 {"severity", domain::Severity(a)},
                 {"timestamp", Iso(ToInstant(a.state_since()))},
                 {"component", a.rule_id().empty() ? "pipeline" : a.rule_id()},
                 {"group", a.team_id().empty() ? "sightline-operations" : a.team_id()},
                 {"class", a.alertname()},
                 {"custom_details", details}}}};
  std::string link = domain::ChildLink(triage_base_url, a);
  if (!link.empty())
    body["links"] = json::array({{{"href", link}, {"text", "The child on the triage screen"}}});
  return body.dump();
}

std::pair<std::string, std::string> SplitUrl(const std::string& url) {
  std::size_t scheme = url.find("://");
  std::size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (slash == std::string::npos) return {url, "/"};
  return {url.substr(0, slash), url.substr(slash)};
}

}  // namespace sightline::notifier_service
