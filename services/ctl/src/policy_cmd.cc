// sightlinectl policy check|backtest: the watchdog's rule engine over a recorded stream, with
// simulated time, so policy authors see what a rule change would have done (ADR 0005).
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>

#include "commands.h"
#include "events_file.h"
#include "sightline/config/policy_file.h"
#include "sightline/domain/clocks/clocks.h"
#include "sightline/domain/clocks/paging.h"
#include "sightline/domain/events/codec.h"

namespace sightline::ctl {
namespace {

namespace v1 = events::v1;

}  // namespace

std::optional<Instant> ParseWhen(const std::string& text, bool day_end) {
  if (auto day = domain::ParseDay(text))
    return domain::LocalMidnight(day_end ? *day + std::chrono::days(1) : *day);
  google::protobuf::Timestamp ts;
  if (!google::protobuf::util::TimeUtil::FromString(text, &ts)) return std::nullopt;
  return ToInstant(ts);
}

int CheckPolicy(const std::string& policy_file) {
  auto policy = config::LoadPolicy(policy_file);
  if (!policy.ok()) {
    std::cerr << policy.status().message() << "\n";
    return 1;
  }
  std::cout << policy_file << ": " << policy.value().rules.size() << " rules, "
            << policy.value().ladders.size() << " ladders, bank holidays "
            << policy.value().calendar.first_year() << "-" << policy.value().calendar.last_year()
            << ": ok\n";
  for (const domain::Rule& r : policy.value().rules) {
    std::string limit;
    for (const domain::Limit& l : r.limits)
      limit += (limit.empty() ? "" : ", ") + domain::FormatLimit(l);
    if (r.kind == domain::RuleKind::kCount) {
      limit = std::to_string(r.count) + " in " + domain::FormatLimit(r.window);
    }
    const char* scope = r.scope == domain::Scope::kHousehold     ? ", per household"
                        : r.scope == domain::Scope::kTeam        ? ", per team"
                        : r.scope == domain::Scope::kServiceArea ? ", per service area"
                                                                 : "";
    std::cout << "  " << r.id << ": " << (limit.empty() ? "at once" : limit) << scope
              << (r.urgent ? ", urgent (around the clock)" : ", in working hours") << " - "
              << r.title << "\n";
  }
  return 0;
}

int Backtest(const BacktestOptions& o) {
  auto policy = config::LoadPolicy(o.policy_file);
  if (!policy.ok()) {
    std::cerr << policy.status().message() << "\n";
    return 1;
  }
  auto until = ParseWhen(o.until);
  if (!until) {
    std::cerr << "--until: must be YYYY-MM-DD (local midnight) or RFC 3339, got '" << o.until
              << "'\n";
    return 1;
  }
  auto tick = domain::ParseDuration(o.tick);
  if (!tick.ok() || tick.value().count() <= 0) {
    std::cerr << "--tick: " << (tick.ok() ? "must be positive" : tick.status().message()) << "\n";
    return 1;
  }
  auto read = ReadEventsFile(o.events_file);
  if (!read.ok()) {
    std::cerr << "--events: " << read.status().message() << "\n";
    return 1;
  }
  std::vector<v1::Envelope> events = std::move(read).value();
  // Each event becomes known at its recorded_at; simulated time advances in --tick steps.
  std::stable_sort(events.begin(), events.end(), [](const auto& a, const auto& b) {
    return ToInstant(a.recorded_at()) < ToInstant(b.recorded_at());
  });
  const domain::ClockPolicy run_policy =
      o.round_the_clock ? domain::RoundTheClock(policy.value()) : policy.value();
  domain::AlertEngine engine(run_policy);
  std::map<std::pair<std::string, std::string>, int> counts;
  std::vector<alerts::v1::AlertEvent> all;
  google::protobuf::util::JsonPrintOptions json;
  json.preserve_proto_field_names = true;
  auto print = [&](const std::vector<alerts::v1::AlertEvent>& out) {
    for (const auto& a : out) {
      std::string text;
      if (!google::protobuf::util::MessageToJsonString(a, &text, json).ok()) continue;
      std::cout << text << "\n";
      ++counts[{a.rule_id(), alerts::v1::Step_Name(a.step()).substr(5)}];
      all.push_back(a);
    }
  };
  if (events.empty()) {
    std::cerr << "no events\n";
    return 0;
  }
  Instant t = ToInstant(events.front().recorded_at());
  std::size_t next = 0;
  while (t <= *until) {
    std::vector<v1::Envelope> known;
    while (next < events.size() && ToInstant(events[next].recorded_at()) <= t) {
      known.push_back(events[next++]);
    }
    print(engine.Apply(known, t, t));
    print(engine.Tick(t));
    if (t == *until) break;
    t = std::min(t + tick.value(), *until);
  }
  std::cerr << "backtest: " << events.size() << " events, until " << o.until << "\n";
  for (const auto& [key, n] : counts) {
    std::cerr << "  " << key.first << " " << key.second << ": " << n << "\n";
  }
  std::cerr << "  open clocks at the end: " << engine.OpenClocks().size() << "\n";
  // Pages per role, judged by the policy file's urgency and hours (ADR 0010).
  Instant pages_from = ToInstant(events.front().recorded_at());
  if (!o.pages_from.empty()) {
    auto f = ParseWhen(o.pages_from);
    if (!f) {
      std::cerr << "--pages-from: must be YYYY-MM-DD or RFC 3339, got '" << o.pages_from << "'\n";
      return 1;
    }
    pages_from = *f;
  }
  domain::PagingReport pages = domain::CountPages(policy.value(), all, pages_from, *until);
  std::string table =
      std::string("pages per role") +
      (o.round_the_clock ? " (every rule round the clock, as before urgency)" : "") + ", " +
      domain::FormatDay(domain::LocalDay(pages_from)) + " to " + o.until + " (" +
      std::to_string(std::lround(pages.weeks * 7)) + " days):\n" +
      domain::FormatPagingReport(pages);
  std::cerr << table;
  if (!o.pages_file.empty()) {
    std::ofstream f(o.pages_file);
    f << table;
    if (!f) {
      std::cerr << "--pages-file: cannot write '" << o.pages_file << "'\n";
      return 1;
    }
  }
  return 0;
}

}  // namespace sightline::ctl
