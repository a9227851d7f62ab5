// sightlinectl audit: answers an auditor's two questions from sightline.audit.v1.
//   child <id>: who read this child's record, when, through which endpoint: reads of the record
//               itself, and every list, search, household or stream answer that showed the child.
//   user <id>:  what did this user read: every call they made, granted or refused.
// Reads the whole topic (it is compacted by nobody; retention is the council's policy), keeps the
// records in time order, and prints a table or, with --json, one JSON object per line.
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "sightline/audit/v1/audit.pb.h"
#include "sightline/core/time.h"
#include "sightline/kafka/reader.h"

namespace sightline::ctl {
namespace {

namespace au = audit::v1;
using nlohmann::json;

// How a record concerns the child: its own record, or listed among others.
std::string HowShown(const au::AccessAudited& e, const std::string& child) {
  if (e.child_id() == child) return "record";
  if (!e.query().empty()) return "search \"" + e.query() + "\"";
  return "listed";
}

bool Shows(const au::AccessAudited& e, const std::string& child) {
  if (e.child_id() == child) return true;
  return std::find(e.child_ids_shown().begin(), e.child_ids_shown().end(), child) !=
         e.child_ids_shown().end();
}

std::string Outcome(const au::AccessAudited& e) {
  std::string name = au::Outcome_Name(e.outcome());
  return name.starts_with("OUTCOME_") ? name.substr(8) : name;
}

json RowJson(const au::AccessAudited& e, const std::string& child) {
  json row = {{"at", FormatIso(ToInstant(e.at()))},
              {"user_id", e.user_id()},
              {"role", e.role()},
              {"team_id", e.team_id()},
              {"endpoint", e.endpoint()},
              {"service", e.service()},
              {"outcome", Outcome(e)},
              {"audit_id", e.audit_id()}};
  if (!child.empty()) row["how"] = HowShown(e, child);
  if (!e.child_id().empty()) row["child_id"] = e.child_id();
  if (!e.household_id().empty()) row["household_id"] = e.household_id();
  if (!e.query().empty()) row["query"] = e.query();
  if (e.child_ids_shown_size() > 0)
    row["child_ids_shown"] =
        std::vector<std::string>(e.child_ids_shown().begin(), e.child_ids_shown().end());
  if (!e.event_id().empty()) row["event_id"] = e.event_id();
  if (!e.detail().empty()) row["detail"] = e.detail();
  if (!e.credential().empty()) row["credential"] = e.credential();
  return row;
}

}  // namespace

int Audit(const KafkaOptions& kafka, const AuditOptions& o) {
  if (o.child.empty() == o.user.empty()) {
    std::cerr << "audit: name exactly one of a child (audit child ID) or a user (audit user ID)\n";
    return 1;
  }
  auto from = o.from.empty() ? std::nullopt : ParseWhen(o.from);
  auto to = o.to.empty() ? std::nullopt : ParseWhen(o.to, true);
  if ((!o.from.empty() && !from) || (!o.to.empty() && !to)) {
    std::cerr << "audit: --from/--to: a date (YYYY-MM-DD) or an RFC 3339 time\n";
    return 1;
  }
  auto records =
      kafka::ReadTopic(kafka.brokers, kafka.properties, o.topic, std::chrono::seconds(60));
  if (!records.ok()) {
    std::cerr << "audit: " << records.status().message() << "\n";
    return 2;
  }
  std::vector<au::AccessAudited> rows;
  std::size_t undecodable = 0;
  for (const kafka::Record& r : records.value()) {
    au::AccessAudited e;
    if (!e.ParseFromString(r.value)) {
      ++undecodable;
      continue;
    }
    Instant at = ToInstant(e.at());
    if ((from && at < *from) || (to && at >= *to)) continue;
    if (!o.child.empty() && !Shows(e, o.child)) continue;
    if (!o.user.empty() && e.user_id() != o.user) continue;
    if (!o.child.empty() && !o.refusals && e.outcome() != au::OUTCOME_GRANTED) continue;
    rows.push_back(std::move(e));
  }
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return ToInstant(a.at()) < ToInstant(b.at());
  });
  if (o.json) {
    for (const auto& e : rows) std::cout << RowJson(e, o.child).dump() << "\n";
  } else {
    std::cout << (o.child.empty() ? "What " + o.user + " read" : "Who read child " + o.child)
              << " (" << rows.size() << " records of " << records.value().size() << " on "
              << o.topic << ")\n";
    for (const auto& e : rows) {
      std::cout << "  " << FormatIso(ToInstant(e.at())) << "  " << std::left << std::setw(12)
                << (o.child.empty() ? Outcome(e) : e.user_id()) << " " << std::setw(16)
                << (e.role().empty() ? "-" : e.role()) << " " << std::setw(34) << e.endpoint()
                << std::right;
      if (!o.child.empty()) {
        std::cout << " " << HowShown(e, o.child);
        if (e.outcome() != au::OUTCOME_GRANTED) std::cout << " (" << Outcome(e) << ")";
      } else {
        if (!e.child_id().empty()) std::cout << " child " << e.child_id();
        if (!e.household_id().empty()) std::cout << " household " << e.household_id();
        if (!e.query().empty()) std::cout << " search \"" << e.query() << "\"";
        if (e.child_ids_shown_size() > 0)
          std::cout << " showed " << e.child_ids_shown_size() << " children";
        if (!e.detail().empty()) std::cout << " (" << e.detail() << ")";
      }
      std::cout << "\n";
    }
  }
  if (undecodable > 0) std::cerr << "audit: " << undecodable << " records did not decode\n";
  return 0;
}

}  // namespace sightline::ctl
