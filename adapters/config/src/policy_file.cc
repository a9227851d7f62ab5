#include "sightline/config/policy_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <cctype>

#include "sightline/config/yaml_reader.h"

namespace sightline::config {
namespace {

using domain::ClockPolicy;

std::optional<std::chrono::minutes> ClockTime(const std::string& s) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  if (!std::isdigit(static_cast<unsigned char>(s[0])) ||
      !std::isdigit(static_cast<unsigned char>(s[1])) ||
      !std::isdigit(static_cast<unsigned char>(s[3])) ||
      !std::isdigit(static_cast<unsigned char>(s[4])))
    return std::nullopt;
  int h = std::stoi(s.substr(0, 2)), m = std::stoi(s.substr(3, 2));
  if (h > 24 || m > 59 || (h == 24 && m != 0)) return std::nullopt;
  return std::chrono::minutes(h * 60 + m);
}

// "09:00-17:00".
bool ParseHours(config::YamlReader& y, const std::string& key, const std::string& text,
                domain::BusinessHours& out) {
  auto dash = text.find('-');
  auto a = ClockTime(text.substr(0, dash));
  auto b = dash == std::string::npos ? std::nullopt : ClockTime(text.substr(dash + 1));
  if (!a || !b || *a >= *b) {
    y.Fail(key, "must read HH:MM-HH:MM with the start before the end, got '" + text + "'");
    return false;
  }
  out = {*a, *b};
  return true;
}

std::optional<domain::Matcher> ReadMatcher(config::YamlReader& y, const std::string& key) {
  std::string event = y.String(key + ".event", "");
  auto where = y.StringMap(key + ".where");
  if (event.empty()) {
    y.Fail(key + ".event", "required: the event type, e.g. contact_received");
    return std::nullopt;
  }
  auto m = domain::MakeMatcher(event, where);
  if (!m.ok()) {
    y.Fail(key, m.status().message());
    return std::nullopt;
  }
  return m.value();
}

std::vector<domain::Matcher> ReadMatchers(config::YamlReader& y, const std::string& key) {
  std::vector<domain::Matcher> out;
  for (std::size_t i = 0, n = y.ListSize(key); i < n; ++i) {
    if (auto m = ReadMatcher(y, key + "[" + std::to_string(i) + "]")) out.push_back(*m);
  }
  return out;
}

std::optional<domain::Limit> ReadLimit(config::YamlReader& y, const std::string& key,
                                       const std::string& text) {
  auto l = domain::ParseLimit(text);
  if (!l.ok()) {
    y.Fail(key, l.status().message());
    return std::nullopt;
  }
  return l.value();
}

std::chrono::minutes ReadDuration(config::YamlReader& y, const std::string& key) {
  std::string text = y.String(key, "");
  if (text.empty()) return std::chrono::minutes(0);
  auto d = domain::ParseDuration(text);
  if (!d.ok()) {
    y.Fail(key, d.status().message());
    return std::chrono::minutes(0);
  }
  return d.value();
}

}  // namespace

StatusOr<domain::Calendar> LoadBankHolidays(const std::string& path) {
  std::ifstream in(path);
  if (!in) return InvalidArgument(path + ": cannot read the bank-holiday list");
  std::stringstream text;
  text << in.rdbuf();
  auto cal = domain::ParseBankHolidays(text.str());
  if (!cal.ok()) return InvalidArgument(path + ": " + cal.status().message());
  return cal;
}

StatusOr<ClockPolicy> LoadPolicy(const std::string& path) {
  std::ifstream in(path);
  if (!in) return InvalidArgument(path + ": cannot read the policy file");
  std::stringstream text;
  text << in.rdbuf();
  return ParsePolicy(text.str(), path, std::filesystem::path(path).parent_path().string());
}

StatusOr<ClockPolicy> ParsePolicy(const std::string& text, const std::string& origin,
                                  const std::string& base_dir) {
  auto reader = config::YamlReader::FromString(text, origin);
  if (!reader.ok()) return reader.status();
  config::YamlReader& y = reader.value();
  ClockPolicy policy;
  if (y.Int("version", 0, 1, 1) != 1) y.Fail("version", "must be 1");

  // Calendar.
  std::string holidays = y.String("calendar.bank_holidays", "");
  if (holidays.empty()) {
    y.Fail("calendar.bank_holidays", "required: the bank-holiday list");
  } else {
    std::filesystem::path file(holidays);
    if (file.is_relative() && !base_dir.empty()) file = std::filesystem::path(base_dir) / file;
    auto cal = LoadBankHolidays(file.string());
    if (cal.ok()) {
      policy.calendar = cal.value();
    } else {
      y.Fail("calendar.bank_holidays", cal.status().message());
    }
  }
  std::set<domain::Day> extra;
  for (std::size_t i = 0, n = y.ListSize("calendar.extra_holidays"); i < n; ++i) {
    std::string key = "calendar.extra_holidays[" + std::to_string(i) + "]";
    auto d = domain::ParseDay(y.String(key, ""));
    if (d) {
      extra.insert(*d);
    } else {
      y.Fail(key, "must be a date YYYY-MM-DD");
    }
  }
  policy.calendar = policy.calendar.WithExtraHolidays(extra);
  if (std::string tz = y.String("calendar.time_zone", "Europe/London"); tz != "Europe/London") {
    y.Fail("calendar.time_zone", "only Europe/London is supported, got '" + tz + "'");
  }
  ParseHours(y, "calendar.business_hours", y.String("calendar.business_hours", "09:00-17:00"),
             policy.business_hours);
  for (const auto& [team, hours] : y.StringMap("calendar.teams")) {
    domain::BusinessHours h;
    if (ParseHours(y, "calendar.teams." + team, hours, h)) policy.team_hours[team] = h;
  }

  // Rotas: who is on call out of hours.
  for (std::size_t i = 0, n = y.ListSize("paging.rotas"); i < n; ++i) {
    std::string at = "paging.rotas[" + std::to_string(i) + "]";
    domain::Rota rota;
    rota.id = y.String(at + ".id", "");
    for (std::size_t k = 0, m = y.ListSize(at + ".people"); k < m; ++k)
      rota.people.push_back(y.String(at + ".people[" + std::to_string(k) + "]", ""));
    std::string starts = y.String(at + ".starts", "");
    if (auto d = domain::ParseDay(starts)) {
      rota.starts = *d;
    } else {
      y.Fail(at + ".starts", "required: the day the first person's week begins, YYYY-MM-DD");
    }
    std::string handover = y.String(at + ".handover", "09:00");
    if (auto t = ClockTime(handover)) {
      rota.handover = *t;
    } else {
      y.Fail(at + ".handover", "must be a time of day HH:MM, got '" + handover + "'");
    }
    if (policy.rotas.contains(rota.id)) y.Fail(at + ".id", "used twice");
    policy.rotas[rota.id] = std::move(rota);
  }

  // Ladders.
  std::map<std::string, std::size_t> ladder_index;
  for (std::size_t i = 0, n = y.ListSize("ladders"); i < n; ++i) {
    std::string at = "ladders[" + std::to_string(i) + "]";
    domain::Ladder l;
    l.id = y.String(at + ".id", "");
    l.acknowledgement_lasts = ReadDuration(y, at + ".acknowledgement_lasts");
    for (std::size_t k = 0, m = y.ListSize(at + ".levels"); k < m; ++k) {
      std::string lv = at + ".levels[" + std::to_string(k) + "]";
      domain::Level level{y.String(lv + ".role", ""), ReadDuration(y, lv + ".acknowledge_within")};
      for (std::size_t o = 0, p = y.ListSize(lv + ".out_of_hours"); o < p; ++o)
        level.out_of_hours.push_back(y.String(lv + ".out_of_hours[" + std::to_string(o) + "]", ""));
      level.urgent_only = y.Bool(lv + ".urgent_only", false);
      l.levels.push_back(std::move(level));
    }
    ladder_index[l.id] = i;
    policy.ladders.push_back(std::move(l));
  }

  // Rules.
  for (std::size_t i = 0, n = y.ListSize("rules"); i < n; ++i) {
    domain::Rule r;
    std::string key = "rules[" + std::to_string(i) + "]";
    r.id = y.String(key + ".id", "");
    r.title = y.String(key + ".title", "");
    r.source = y.String(key + ".source", "");
    std::string kind = y.String(key + ".kind", "deadline");
    if (kind == "deadline") {
      r.kind = domain::RuleKind::kDeadline;
    } else if (kind == "recurring") {
      r.kind = domain::RuleKind::kRecurring;
    } else if (kind == "immediate") {
      r.kind = domain::RuleKind::kImmediate;
    } else if (kind == "count") {
      r.kind = domain::RuleKind::kCount;
    } else {
      y.Fail(key + ".kind", "one of deadline, recurring, immediate, count; got '" + kind + "'");
    }
    std::string scope = y.String(key + ".scope", "child");
    if (scope == "child") {
      r.scope = domain::Scope::kChild;
    } else if (scope == "household") {
      r.scope = domain::Scope::kHousehold;
    } else if (scope == "team") {
      r.scope = domain::Scope::kTeam;
    } else if (scope == "service_area") {
      r.scope = domain::Scope::kServiceArea;
    } else {
      y.Fail(key + ".scope", "one of child, household, team, service_area; got '" + scope + "'");
    }
    if (auto m = ReadMatcher(y, key + ".start")) r.start = *m;
    if (!y.String(key + ".requires_earlier.event", "").empty()) {
      r.requires_earlier = ReadMatcher(y, key + ".requires_earlier");
      r.same = y.String(key + ".requires_earlier.same", "");
    }
    r.stop = ReadMatchers(y, key + ".stop");
    r.cancel = ReadMatchers(y, key + ".cancel");
    r.until = ReadMatchers(y, key + ".until");
    r.match = y.String(key + ".match", "");
    r.from = y.String(key + ".from", "occurred_at");
    r.from_event = y.String(key + ".from_event", "");
    if (std::string limit = y.String(key + ".limit", ""); !limit.empty()) {
      if (auto l = ReadLimit(y, key + ".limit", limit)) r.limits.push_back(*l);
    }
    for (std::size_t k = 0, m = y.ListSize(key + ".limits"); k < m; ++k) {
      std::string lk = key + ".limits[" + std::to_string(k) + "]";
      if (auto l = ReadLimit(y, lk, y.String(lk, ""))) r.limits.push_back(*l);
    }
    r.count = static_cast<int>(y.Int(key + ".count", 0, 0, 1000));
    if (std::string window = y.String(key + ".window", ""); !window.empty()) {
      if (auto l = ReadLimit(y, key + ".window", window)) r.window = *l;
    }
    std::string ladder = y.String(key + ".ladder", "");
    if (auto it = ladder_index.find(ladder); it != ladder_index.end()) {
      r.ladder = it->second;
    } else {
      y.Fail(key + ".ladder", "no ladder named '" + ladder + "'");
    }
    r.cancel_on_case_closed = y.Bool(key + ".cancel_on_case_closed", true);
    if (std::string urgent = y.String(key + ".urgent", ""); urgent == "true" || urgent == "false") {
      r.urgent = urgent == "true";
    } else {
      y.Fail(key + ".urgent",
             "required: true (pages around the clock) or false (in working hours "
             "only), got '" +
                 urgent + "'");
    }
    policy.rules.push_back(std::move(r));
  }
  if (Status s = y.Finish(); !s.ok()) return s;
  FieldErrors errors = domain::ValidatePolicy(policy);
  if (!errors.empty()) {
    std::string message = origin + ":";
    for (const FieldError& e : errors) message += "\n  " + e.ToString();
    return InvalidArgument(message);
  }
  return policy;
}

}  // namespace sightline::config
