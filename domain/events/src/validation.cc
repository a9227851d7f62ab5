#include "sightline/domain/events/validation.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <string>

#include "generic_rules.h"
#include "sightline/core/text.h"
#include "sightline/domain/events/census_codes.h"
#include "sightline/domain/events/codec.h"

namespace sightline::domain {
namespace {

namespace v1 = events::v1;
using P = v1::Envelope::PayloadCase;

// Code and date formats, checked in one pass over the value (no regex on client input).
bool Digit(char c) { return c >= '0' && c <= '9'; }

// A CIN census factor code: one or two digits and an optional capital letter ("2A", "21").
bool IsFactorCode(std::string_view s) {
  std::size_t digits = 0;
  while (digits < s.size() && Digit(s[digits])) ++digits;
  if (digits == 0 || digits > 2) return false;
  return s.size() == digits || (s.size() == digits + 1 && s[digits] >= 'A' && s[digits] <= 'Z');
}

// YYYY-MM-DD in the 2000s (or the 1900s too), month 01-12, day 01-31.
bool IsDate(std::string_view s, bool from_1900) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!Digit(s[i])) return false;
  if (!(s.starts_with("20") || (from_1900 && s.starts_with("19")))) return false;
  int month = (s[5] - '0') * 10 + (s[6] - '0');
  int day = (s[8] - '0') * 10 + (s[9] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

// A CIN census ethnicity code: four capital letters ("WBRI").
bool IsEthnicityCode(std::string_view s) {
  return s.size() == 4 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

class Errors {
 public:
  void Add(std::string field, std::string reason) {
    list_.push_back({std::move(field), std::move(reason)});
  }
  void Require(bool ok, std::string field, std::string reason) {
    if (!ok) Add(std::move(field), std::move(reason));
  }
  FieldErrors Take() { return std::move(list_); }
  FieldErrors& list() { return list_; }

 private:
  FieldErrors list_;
};

void CheckInstant(Errors& e, const google::protobuf::Timestamp& ts, const std::string& field,
                  Instant now, const ValidationLimits& limits) {
  if (ts.nanos() < 0 || ts.nanos() > 999'999'999) {
    e.Add(field, "nanos out of range");
    return;
  }
  Instant t = ToInstant(ts);
  if (t < limits.earliest) {
    std::chrono::year_month_day day{std::chrono::floor<std::chrono::days>(limits.earliest)};
    e.Add(field, "impossibly early (before year " + std::to_string(int(day.year())) + ")");
  } else if (t > now + limits.max_future_skew) {
    e.Add(field, "in the future (more than " + std::to_string(limits.max_future_skew.count()) +
                     "s ahead of the server clock)");
  }
}

// Which ids in refs each event type cannot do without.
// An acknowledgement of an alert about a household, team or service area, whose alert id reads
// "<rule>/@<subject>/<anchor>/L<n>" (ADR 0013): it may name no child.
bool AcknowledgesWiderSubject(const v1::Envelope& ev) {
  if (!ev.has_alert_acknowledged()) return false;
  std::string_view id = ev.alert_acknowledged().alert_id();
  std::size_t slash = id.find('/');
  return slash != std::string_view::npos && id.substr(slash + 1).starts_with('@');
}

void CheckRequiredRefs(Errors& e, const v1::Envelope& ev) {
  const v1::CaseRefs& r = ev.refs();
  auto need = [&](const std::string& value, const char* name) {
    e.Require(!value.empty(), std::string("refs.") + name,
              std::string("required for ") + std::string(*EventTypeName(ev)));
  };
  switch (ev.payload_case()) {
    case P::kContactReceived:
    case P::kRagRated:
    case P::kContactDecided:
    case P::kReferrerInformed:
      need(r.contact_id(), "contact_id");
      break;
    case P::kPartnerCheckRequested:
    case P::kPartnerCheckReturned:
      need(r.contact_id(), "contact_id");
      need(r.check_id(), "check_id");
      break;
    case P::kAssessmentStarted:
    case P::kAssessmentCompleted:
      need(r.assessment_id(), "assessment_id");
      break;
    case P::kStrategyDiscussionHeld:
      need(r.strategy_id(), "strategy_id");
      break;
    case P::kS47EnquiryStarted:
    case P::kS47EnquiryCompleted:
      need(r.s47_id(), "s47_id");
      break;
    case P::kConferenceHeld:
      need(r.conference_id(), "conference_id");
      break;
    case P::kPlanStarted:
    case P::kPlanReviewed:
    case P::kPlanEnded:
      need(r.plan_id(), "plan_id");
      break;
    case P::kEarlyHelpOffered:
    case P::kEarlyHelpStarted:
    case P::kEarlyHelpClosed:
      need(r.early_help_id(), "early_help_id");
      break;
    case P::kLegalStageReached:
      need(r.legal_case_id(), "legal_case_id");
      break;
    case P::kQaAuditCompleted:
      need(r.audit_id(), "audit_id");
      break;
    default:
      break;
  }
}

void CheckCorrection(Errors& e, const v1::Envelope& ev, Instant now,
                     const ValidationLimits& limits) {
  const v1::Correction& c = ev.correction();
  e.Require(!c.target_event_id().empty(), "correction.target_event_id", "required");
  e.Require(c.target_event_id() != ev.event_id(), "correction.target_event_id",
            "a correction cannot correct itself");
  e.Require(!c.reason().empty(), "correction.reason", "required: say why the record changed");
  switch (c.change_case()) {
    case v1::Correction::kRetract:
      break;
    case v1::Correction::kAmended: {
      const v1::Envelope& a = c.amended();
      e.Require(a.event_id() == c.target_event_id(), "correction.amended.event_id",
                "must equal target_event_id");
      e.Require(a.child_id() == ev.child_id(), "correction.amended.child_id",
                "must equal the correction's child_id");
      if (a.payload_case() == P::kCorrection) {
        e.Add("correction.amended", "an amendment cannot itself be a correction");
        break;
      }
      for (FieldError& fe : ValidateEvent(a, now, limits)) {
        e.Add("correction.amended." + fe.field, fe.reason);
      }
      break;
    }
    case v1::Correction::CHANGE_NOT_SET:
      e.Add("correction.change", "required: one of retract, amended");
      break;
  }
}

void CheckPayload(Errors& e, const v1::Envelope& ev, Instant now, const ValidationLimits& limits) {
  switch (ev.payload_case()) {
    case P::kContactReceived: {
      const auto& p = ev.contact_received();
      e.Require(p.concerns_size() > 0, "contact_received.concerns", "at least one concern");
      std::set<std::string> seen;
      for (int i = 0; i < p.related_child_ids_size(); ++i) {
        const std::string& id = p.related_child_ids(i);
        std::string field = "contact_received.related_child_ids[" + std::to_string(i) + "]";
        e.Require(id != ev.child_id(), field, "lists the event's own child");
        e.Require(seen.insert(id).second, field, "listed twice");
      }
      e.Require(!p.already_open() || !p.open_team_id().empty(), "contact_received.open_team_id",
                "required when already_open");
      break;
    }
    case P::kRagRated:
      e.Require(!ev.rag_rated().is_override() || !ev.rag_rated().override_reason().empty(),
                "rag_rated.override_reason", "required when is_override: say why [local]");
      break;
    case P::kContactDecided: {
      auto d = ev.contact_decided().decision();
      bool referral =
          d == v1::CONTACT_DECISION_S17_ASSESSMENT || d == v1::CONTACT_DECISION_S47_STRATEGY;
      e.Require(!referral || !ev.refs().referral_id().empty(), "refs.referral_id",
                "required when the decision is an s17 assessment or s47 strategy discussion");
      break;
    }
    case P::kChildSeen: {
      const auto& p = ev.child_seen();
      bool unseen =
          p.status() == v1::SEEN_STATUS_NOT_SEEN || p.status() == v1::SEEN_STATUS_ACCESS_REFUSED;
      e.Require(!unseen || !p.reason().empty(), "child_seen.reason",
                "required when the child was not seen");
      e.Require(p.status() != v1::SEEN_STATUS_ACCESS_REFUSED ||
                    p.refused_by() != v1::REFUSED_BY_UNSPECIFIED,
                "child_seen.refused_by", "required when access was refused");
      break;
    }
    case P::kConferenceHeld:
      e.Require(!ev.conference_held().plan_required() ||
                    ev.conference_held().category() != v1::ABUSE_CATEGORY_UNSPECIFIED,
                "conference_held.category", "required when plan_required");
      break;
    case P::kPlanStarted: {
      const auto& p = ev.plan_started();
      e.Require(p.type() != v1::PLAN_TYPE_CHILD_PROTECTION ||
                    p.category() != v1::ABUSE_CATEGORY_UNSPECIFIED,
                "plan_started.category", "required for a child protection plan");
      e.Require(p.type() != v1::PLAN_TYPE_CHILD_IN_NEED ||
                    census::IsPrimaryNeedCode(p.primary_need_code()),
                "plan_started.primary_need_code",
                "required for a child in need plan: one of N0-N9");
      break;
    }
    case P::kAssessmentCompleted: {
      const auto& p = ev.assessment_completed();
      for (int i = 0; i < p.factors_size(); ++i) {
        e.Require(IsFactorCode(p.factors(i)),
                  "assessment_completed.factors[" + std::to_string(i) + "]",
                  "not a CIN census factor code (like 2A, 4B, 21)");
      }
      e.Require(p.primary_need_code().empty() || census::IsPrimaryNeedCode(p.primary_need_code()),
                "assessment_completed.primary_need_code", "one of N0-N9");
      break;
    }
    case P::kCaseClosed:
      e.Require(ev.case_closed().cin_closure_reason().empty() ||
                    census::IsClosureReasonCode(ev.case_closed().cin_closure_reason()),
                "case_closed.cin_closure_reason", "one of RC1-RC9");
      break;
    case P::kHouseholdLinked:
      e.Require(!ev.household_linked().household_id().empty(), "household_linked.household_id",
                "required");
      break;
    case P::kSiblingLinked:
      e.Require(!ev.sibling_linked().sibling_child_id().empty(), "sibling_linked.sibling_child_id",
                "required");
      e.Require(ev.sibling_linked().sibling_child_id() != ev.child_id(),
                "sibling_linked.sibling_child_id", "a child cannot be its own sibling");
      break;
    case P::kChildDetailsRecorded: {
      const auto& p = ev.child_details_recorded();
      if (p.unborn()) {
        e.Require(p.date_of_birth().empty(), "child_details_recorded.date_of_birth",
                  "must be empty for an unborn child");
        e.Require(IsDate(p.expected_date(), true), "child_details_recorded.expected_date",
                  "required for an unborn child: YYYY-MM-DD");
      } else {
        e.Require(IsDate(p.date_of_birth(), true), "child_details_recorded.date_of_birth",
                  "required: YYYY-MM-DD");
      }
      e.Require(p.ethnicity().empty() || IsEthnicityCode(p.ethnicity()),
                "child_details_recorded.ethnicity", "not a CIN census ethnicity code (like WBRI)");
      e.Require(Utf8Length(p.name()).value_or(0) <= 200, "child_details_recorded.name",
                "at most 200 characters");
      if (limits.door_rules) {
        // A name is one line, and reads on screen as it was written: a right-to-left override
        // would show "Smith" for a name stored as "htimS", and search would not find it.
        e.Require(p.name().find_first_of("\n\r\t") == std::string::npos,
                  "child_details_recorded.name", "must be one line (no line breaks or tabs)");
        e.Require(!HasBidiControl(p.name()), "child_details_recorded.name",
                  "contains a bidirectional control (U+202A to U+202E, U+2066 to U+2069), which "
                  "changes how the name reads on screen");
      }
      e.Require(p.upn().empty() || census::IsUpn(p.upn()), "child_details_recorded.upn",
                "not a unique pupil number (13 characters with the right check letter)");
      e.Require(p.former_upn().empty() || census::IsUpn(p.former_upn()),
                "child_details_recorded.former_upn",
                "not a unique pupil number (13 characters with the right check letter)");
      e.Require(
          p.upn_unknown_reason().empty() || census::IsUpnUnknownReason(p.upn_unknown_reason()),
          "child_details_recorded.upn_unknown_reason", "one of UN1-UN10");
      e.Require(p.upn().empty() || p.upn_unknown_reason().empty(),
                "child_details_recorded.upn_unknown_reason", "only when there is no upn");
      e.Require(p.earlier_cp_plans() >= 0 && p.earlier_cp_plans() <= 99,
                "child_details_recorded.earlier_cp_plans", "0 to 99");
      std::set<std::string_view> codes;
      for (int i = 0; i < p.disability_codes_size(); ++i) {
        const std::string& code = p.disability_codes(i);
        std::string field = "child_details_recorded.disability_codes[" + std::to_string(i) + "]";
        if (!census::IsDisabilityCode(code)) {
          e.Add(field,
                "not a CIN census disability code (NONE, MOB, HAND, PC, INC, COMM, LD, "
                "HEAR, VIS, BEH, CON, AUT, DDA)");
        } else if (!codes.insert(code).second) {
          e.Add(field, "given twice");
        }
      }
      e.Require(!codes.contains("NONE") || codes.size() == 1,
                "child_details_recorded.disability_codes", "NONE cannot be given with other codes");
      break;
    }
    case P::kAccessRestricted: {
      const auto& p = ev.access_restricted();
      e.Require(!p.reason().empty(), "access_restricted.reason", "required: say why");
      if (p.level() != v1::RESTRICTION_NONE) {
        e.Require(IsDate(p.review_by(), false), "access_restricted.review_by",
                  "required: YYYY-MM-DD when the restriction must be reviewed");
      }
      break;
    }
    case P::kAlertAcknowledged:
      e.Require(!ev.alert_acknowledged().alert_id().empty(), "alert_acknowledged.alert_id",
                "required");
      break;
    case P::kCorrection:
      CheckCorrection(e, ev, now, limits);
      break;
    default:
      break;
  }
}

}  // namespace

FieldErrors ValidateEvent(const v1::Envelope& ev, Instant now, const ValidationLimits& limits) {
  Errors e;
  e.Require(!ev.event_id().empty(), "event_id", "required (the client's idempotency key)");
  if (ev.has_pipeline_heartbeat()) {
    e.Require(ev.child_id().empty(), "child_id", "must be empty: a heartbeat is about no child");
    e.Require(!ev.pipeline_heartbeat().source().empty(), "pipeline_heartbeat.source", "required");
    e.Require(ev.pipeline_heartbeat().interval_seconds() > 0, "pipeline_heartbeat.interval_seconds",
              "must be positive");
  } else if (!AcknowledgesWiderSubject(ev)) {
    e.Require(!ev.child_id().empty(), "child_id", "required (the Kafka key)");
  }
  if (!ev.has_occurred_at()) {
    e.Add("occurred_at", "required (when it happened, which starts the clocks)");
  } else {
    CheckInstant(e, ev.occurred_at(), "occurred_at", now, limits);
  }
  if (ev.has_recorded_at()) {
    CheckInstant(e, ev.recorded_at(), "recorded_at", now, limits);
    if (ev.has_occurred_at() &&
        ToInstant(ev.recorded_at()) + limits.max_future_skew < ToInstant(ev.occurred_at())) {
      e.Add("recorded_at", "before occurred_at: an event cannot be recorded before it happened");
    }
  }
  if (!ev.has_actor()) {
    e.Add("actor", "required (who recorded the event)");
  } else {
    e.Require(!ev.actor().user_id().empty(), "actor.user_id", "required");
  }
  if (ev.payload_case() == P::PAYLOAD_NOT_SET) {
    e.Add("payload", "required: exactly one event type, e.g. contact_received");
  }
  if (ev.has_imported()) {
    e.Require(!ev.imported().source().empty(), "imported.source",
              "required: what the imported event was made from");
    e.Require(ev.imported().cin_primary_need_code().empty() ||
                  census::IsPrimaryNeedCode(ev.imported().cin_primary_need_code()),
              "imported.cin_primary_need_code", "one of N0-N9");
  }
  // "Not recorded" is for imported history whose source did not say; live work says.
  if (!ev.has_imported()) {
    e.Require(ev.assessment_completed().child_seen() != v1::SEEN_STATUS_NOT_RECORDED,
              "assessment_completed.child_seen", "NOT_RECORDED is only for imported history");
    e.Require(ev.child_seen().status() != v1::SEEN_STATUS_NOT_RECORDED, "child_seen.status",
              "NOT_RECORDED is only for imported history");
  }
  CheckGenericRules(ev, "",
                    {.max_text = limits.max_text_length,
                     .max_repeated = limits.max_repeated,
                     .refuse_c1 = limits.door_rules},
                    e.list());
  if (ev.payload_case() != P::PAYLOAD_NOT_SET) {
    CheckRequiredRefs(e, ev);
    CheckPayload(e, ev, now, limits);
  }
  return e.Take();
}

Checked<v1::Envelope> AcceptEventJson(std::string_view json, Instant now,
                                      const ValidationLimits& limits) {
  Checked<v1::Envelope> parsed = ParseEventJson(json);
  if (!parsed.ok()) {
    return parsed;
  }
  v1::Envelope event = std::move(parsed).value();
  if (event.has_pipeline_heartbeat()) {
    return FieldErrors{{"pipeline_heartbeat", "sent by the gateway itself, never by a client"}};
  }
  if (!event.has_recorded_at()) {
    *event.mutable_recorded_at() = ToTimestamp(now);
  }
  FieldErrors errors = ValidateEvent(event, now, limits);
  if (!errors.empty()) {
    return errors;
  }
  return event;
}

ValidationLimits LogValidationLimits() {
  ValidationLimits limits;
  limits.max_future_skew = std::chrono::hours(24);
  limits.door_rules = false;
  return limits;
}

LogCheck CheckLogRecordInto(std::string_view key, std::string_view value, Instant now,
                            events::v1::Envelope& event) {
  LogCheck r;
  if (!event.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    r.reason = "undecodable";
    r.detail = "value is not a sightline.events.v1.Envelope";
    return r;
  }
  if (event.payload_case() == events::v1::Envelope::PAYLOAD_NOT_SET) {
    r.reason = "unknown_type";
    r.detail = "no payload this version knows (newer schema?)";
    return r;
  }
  FieldErrors errors = ValidateEvent(event, now, LogValidationLimits());
  if (!errors.empty()) {
    r.reason = "invalid";
    for (const FieldError& fe : errors) r.detail += (r.detail.empty() ? "" : "; ") + fe.ToString();
    return r;
  }
  if (key != event.child_id()) {
    r.reason = "key_mismatch";
    r.detail = "Kafka key '" + std::string(key) + "' is not child_id '" + event.child_id() +
               "' (ordering would break)";
  }
  return r;
}

LogRecord CheckLogRecord(std::string_view key, std::string_view value, Instant now) {
  LogRecord r;
  LogCheck c = CheckLogRecordInto(key, value, now, r.event);
  r.reason = std::move(c.reason);
  r.detail = std::move(c.detail);
  return r;
}

}  // namespace sightline::domain
