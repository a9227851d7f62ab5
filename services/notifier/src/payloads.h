// The bodies receivers are sent (pure; unit-tested): Alertmanager API v2 alerts and PagerDuty
// Events v2 events.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config.h"
#include "sightline/notifier/v1/notifier.pb.h"

namespace sightline::notifier_service {

// POST /api/v2/alerts: a JSON array. A firing alert ends 4 resend intervals ahead unless
// renewed (Prometheus's convention); an acknowledged or resolved one ends when that happened.
std::string AlertmanagerBody(const std::vector<notifier::v1::AlertmanagerRow>& rows, Instant now,
                             const ReceiverConfig& receiver, const std::string& triage_base_url);

// One PagerDuty Events v2 event: routing_key, event_action, dedup_key (= alert id), payload.
std::string WebhookBody(const notifier::v1::Delivery& delivery, const ReceiverConfig& receiver,
                        const std::string& triage_base_url);

// "http://host:port/a/b" -> {"http://host:port", "/a/b"} (path "/" when absent).
std::pair<std::string, std::string> SplitUrl(const std::string& url);

}  // namespace sightline::notifier_service
