#include "sightline/domain/clocks/policy.h"

#include "sightline/domain/clocks/minimise.h"

#include <algorithm>
#include <cctype>

namespace sightline::domain {
namespace {

namespace pb = google::protobuf;
namespace v1 = events::v1;

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::vector<std::string> SplitAlternatives(std::string_view text) {
  std::vector<std::string> out;
  while (true) {
    auto bar = text.find('|');
    out.push_back(Trim(text.substr(0, bar)));
    if (bar == std::string_view::npos) break;
    text.remove_prefix(bar + 1);
  }
  return out;
}

// "RagRating" -> "RAG_RATING_", the prefix every value of a well-formed enum carries.
std::string EnumPrefix(const pb::EnumDescriptor& e) {
  std::string out;
  for (char c : e.name()) {
    if (std::isupper(static_cast<unsigned char>(c)) && !out.empty()) out += '_';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out + "_";
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

Status AddTest(const pb::Descriptor& payload, const std::string& name, const std::string& value,
               Matcher& m) {
  const pb::FieldDescriptor* f = payload.FindFieldByName(name);
  std::string where = m.event + "." + name;
  if (f == nullptr) {
    return InvalidArgument("where: " + payload.full_name() + " has no field '" + name + "'");
  }
  if (!KeptForClocks(*f)) {
    return InvalidArgument("where: " + where +
                           ": personal data or free text, which the watchdog does not keep");
  }
  FieldTest t;
  t.field = f;
  for (const std::string& alt : SplitAlternatives(value)) {
    if (alt.empty()) return InvalidArgument("where: " + where + ": empty value");
    switch (f->cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_ENUM: {
        const pb::EnumDescriptor* e = f->enum_type();
        const pb::EnumValueDescriptor* v = e->FindValueByName(alt);
        if (v == nullptr) v = e->FindValueByName(EnumPrefix(*e) + Upper(alt));
        if (v == nullptr || v->number() == 0) {
          return InvalidArgument("where: " + where + ": '" + alt + "' is not a value of " +
                                 e->full_name());
        }
        t.enum_values.insert(v->number());
        break;
      }
      case pb::FieldDescriptor::CPPTYPE_BOOL:
        if (f->is_repeated() || (alt != "true" && alt != "false")) {
          return InvalidArgument("where: " + where + ": must be true or false, got '" + alt + "'");
        }
        t.boolean = alt == "true";
        break;
      case pb::FieldDescriptor::CPPTYPE_STRING:
        if (f->is_repeated()) {
          return InvalidArgument("where: " + where + ": repeated text fields cannot be tested");
        }
        t.strings.insert(alt);
        break;
      default:
        return InvalidArgument("where: " + where + ": fields of this type cannot be tested");
    }
  }
  m.where.push_back(std::move(t));
  return Status::Ok();
}

bool TestHolds(const FieldTest& t, const pb::Message& payload) {
  const pb::Reflection& r = *payload.GetReflection();
  switch (t.field->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_ENUM:
      if (t.field->is_repeated()) {
        for (int i = 0; i < r.FieldSize(payload, t.field); ++i) {
          if (t.enum_values.contains(r.GetRepeatedEnumValue(payload, t.field, i))) return true;
        }
        return false;
      }
      return t.enum_values.contains(r.GetEnumValue(payload, t.field));
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      return r.GetBool(payload, t.field) == t.boolean.value_or(false);
    case pb::FieldDescriptor::CPPTYPE_STRING:
      return t.strings.contains(r.GetString(payload, t.field));
    default:
      return false;
  }
}

struct UnitName {
  std::string_view singular, plural;
  Unit unit;
};
constexpr UnitName kUnits[] = {
    {"hour", "hours", Unit::kHours},
    {"working_hour", "working_hours", Unit::kWorkingHours},
    {"day", "days", Unit::kDays},
    {"working_day", "working_days", Unit::kWorkingDays},
    {"week", "weeks", Unit::kWeeks},
    {"month", "months", Unit::kMonths},
    {"calendar_month", "calendar_months", Unit::kCalendarMonths},
};

bool WellFormedRuleId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

}  // namespace

bool Matcher::Matches(const v1::Envelope& e) const {
  if (static_cast<int>(e.payload_case()) != payload_field) return false;
  if (where.empty()) return true;
  const pb::FieldDescriptor* f = v1::Envelope::descriptor()->FindFieldByNumber(payload_field);
  const pb::Message& payload = e.GetReflection()->GetMessage(e, f);
  return std::all_of(where.begin(), where.end(),
                     [&](const FieldTest& t) { return TestHolds(t, payload); });
}

StatusOr<Matcher> MakeMatcher(std::string_view event,
                              const std::map<std::string, std::string>& where) {
  const pb::OneofDescriptor* payload = v1::Envelope::descriptor()->FindOneofByName("payload");
  const pb::FieldDescriptor* f = nullptr;
  for (int i = 0; i < payload->field_count(); ++i) {
    if (payload->field(i)->name() == event) f = payload->field(i);
  }
  if (f == nullptr || event == "correction") {
    return InvalidArgument("event: '" + std::string(event) + "' is not an event type");
  }
  Matcher m;
  m.event = std::string(event);
  m.payload_field = f->number();
  for (const auto& [name, value] : where) {
    if (Status s = AddTest(*f->message_type(), name, value, m); !s.ok()) return s;
  }
  return m;
}

StatusOr<Limit> ParseLimit(std::string_view text) {
  std::string s = Trim(text);
  auto space = s.find(' ');
  std::string usage =
      "must read '<number> <unit>' with unit one of hours, working_hours, days, "
      "working_days, weeks, months, calendar_months; got '" +
      s + "'";
  if (space == std::string::npos) return InvalidArgument(usage);
  std::string number = s.substr(0, space), unit = Trim(s.substr(space + 1));
  if (number.empty() || number.size() > 5 ||
      !std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return InvalidArgument(usage);
  }
  for (const UnitName& u : kUnits) {
    if (unit == u.singular || unit == u.plural) return Limit{std::stoi(number), u.unit};
  }
  return InvalidArgument(usage);
}

std::string FormatLimit(const Limit& limit) {
  for (const UnitName& u : kUnits) {
    if (u.unit == limit.unit) {
      return std::to_string(limit.amount) + " " +
             std::string(limit.amount == 1 ? u.singular : u.plural);
    }
  }
  return "?";
}

StatusOr<std::chrono::minutes> ParseDuration(std::string_view text) {
  std::string s = Trim(text);
  std::string usage = "must read like 30m, 4h or 2d; got '" + s + "'";
  if (s.size() < 2 || s.size() > 6) return InvalidArgument(usage);
  std::string number = s.substr(0, s.size() - 1);
  if (!std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return InvalidArgument(usage);
  }
  long n = std::stol(number);
  switch (s.back()) {
    case 'm':
      return std::chrono::minutes(n);
    case 'h':
      return std::chrono::minutes(n * 60);
    case 'd':
      return std::chrono::minutes(n * 24 * 60);
    default:
      return InvalidArgument(usage);
  }
}

const BusinessHours& ClockPolicy::HoursFor(const std::string& team_id) const {
  auto it = team_hours.find(team_id);
  return it == team_hours.end() ? business_hours : it->second;
}

bool ClockPolicy::InHours(Instant t, const std::string& team_id) const {
  Day day = LocalDay(t);
  if (!calendar.IsWorkingDay(day)) return false;
  const BusinessHours& h = HoursFor(team_id);
  auto time_of_day = std::chrono::duration_cast<std::chrono::minutes>(t - LocalMidnight(day));
  return time_of_day >= h.start && time_of_day < h.end;
}

Instant ClockPolicy::NextInHours(Instant t, const std::string& team_id) const {
  if (InHours(t, team_id)) return t;
  // Counting working time starts at the next opening; one minute on, less that minute.
  return calendar.AddWorkingHours(t, std::chrono::minutes(1), HoursFor(team_id)) -
         std::chrono::minutes(1);
}

Instant ClockPolicy::AfterWait(Instant from, std::chrono::minutes wait, bool urgent,
                               const std::string& team_id) const {
  if (urgent) return from + wait;
  constexpr std::chrono::minutes kDay{24 * 60};
  if (wait >= kDay && wait % kDay == std::chrono::minutes(0)) {
    Day day = LocalDay(from);
    auto time_of_day = from - LocalMidnight(day);
    Day to = calendar.AddWorkingDays(from, static_cast<int>(wait / kDay));
    return NextInHours(LocalMidnight(to) + time_of_day, team_id);
  }
  return NextInHours(calendar.AddWorkingHours(from, wait, HoursFor(team_id)), team_id);
}

int ClockPolicy::TopLevel(const Rule& rule) const {
  const Ladder& ladder = ladders.at(rule.ladder);
  int top = static_cast<int>(ladder.levels.size());
  if (rule.urgent) return top;
  for (int i = 0; i < top; ++i) {
    if (ladder.levels[static_cast<std::size_t>(i)].urgent_only) return std::max(i, 1);
  }
  return top;
}

std::string Rota::OnCallAt(Instant t) const {
  if (people.empty()) return "";
  Instant first = LocalMidnight(starts) + handover;
  auto weeks =
      std::chrono::floor<std::chrono::weeks>(t + LondonOffset(t) - (first + LondonOffset(first)))
          .count();
  auto n = static_cast<std::int64_t>(people.size());
  return people[static_cast<std::size_t>(((weeks % n) + n) % n)];
}

Page PageFor(const ClockPolicy& policy, const Rule& rule, int level, Instant at,
             const std::string& team_id) {
  Page page;
  const Ladder& ladder = policy.ladders.at(rule.ladder);
  std::size_t li = static_cast<std::size_t>(std::clamp(level, 1, int(ladder.levels.size())) - 1);
  const Level& l = ladder.levels[li];
  if (rule.urgent && !l.out_of_hours.empty() && !policy.InHours(at, team_id)) {
    page.out_of_hours = true;
    page.roles = l.out_of_hours;
    for (const std::string& r : l.out_of_hours) {
      if (auto it = policy.rotas.find(r); it != policy.rotas.end())
        page.on_call[r] = it->second.OnCallAt(at);
    }
  } else {
    page.roles = {l.role};
  }
  return page;
}

Instant ClockPolicy::OverdueAt(const Limit& limit, Instant from, const std::string& team_id) const {
  using std::chrono::hours;
  switch (limit.unit) {
    case Unit::kHours:
      return from + hours(limit.amount);
    case Unit::kWorkingHours:
      return calendar.AddWorkingHours(from, std::chrono::minutes(60 * limit.amount),
                                      HoursFor(team_id));
    case Unit::kDays:
      return calendar.OverdueFromDays(from, limit.amount);
    case Unit::kWorkingDays:
      return calendar.OverdueFromWorkingDays(from, limit.amount);
    case Unit::kWeeks:
      return calendar.OverdueFromDays(from, 7 * limit.amount);
    case Unit::kMonths:
      return calendar.OverdueFromMonths(from, limit.amount);
    case Unit::kCalendarMonths:  // Due by the end of the Nth month after from's.
      return MonthStart(from, limit.amount + 1);
  }
  return from;
}

FieldErrors ValidatePolicy(const ClockPolicy& policy) {
  FieldErrors errors;
  auto hours_ok = [](const BusinessHours& h) {
    return h.start >= std::chrono::minutes(0) && h.start < h.end &&
           h.end <= std::chrono::minutes(24 * 60);
  };
  if (!hours_ok(policy.business_hours)) {
    errors.push_back({"calendar.business_hours", "start must be before end, within one day"});
  }
  for (const auto& [team, h] : policy.team_hours) {
    if (!hours_ok(h)) errors.push_back({"calendar.teams." + team, "start must be before end"});
  }
  std::set<std::string> ladder_ids;
  for (std::size_t i = 0; i < policy.ladders.size(); ++i) {
    const Ladder& l = policy.ladders[i];
    std::string at = "ladders[" + std::to_string(i) + "] (" + l.id + ")";
    if (!WellFormedRuleId(l.id)) errors.push_back({at + ".id", "lower-case letters, digits, '-'"});
    if (!ladder_ids.insert(l.id).second) errors.push_back({at + ".id", "used twice"});
    if (l.levels.empty()) errors.push_back({at + ".levels", "at least one level"});
    for (std::size_t k = 0; k < l.levels.size(); ++k) {
      std::string lv = at + ".levels[" + std::to_string(k) + "]";
      if (l.levels[k].role.empty()) errors.push_back({lv + ".role", "required"});
      bool last = k + 1 == l.levels.size();
      if (!last && l.levels[k].acknowledge_within <= std::chrono::minutes(0)) {
        errors.push_back({lv + ".acknowledge_within", "required on every level but the last"});
      }
      if (last && l.levels[k].acknowledge_within != std::chrono::minutes(0)) {
        errors.push_back({lv + ".acknowledge_within", "the last level has nobody above it"});
      }
      if (k == 0 && l.levels[k].urgent_only) {
        errors.push_back({lv + ".urgent_only", "the first level pages every alert"});
      }
      for (const std::string& r : l.levels[k].out_of_hours) {
        if (!policy.rotas.contains(r)) {
          errors.push_back({lv + ".out_of_hours", "no rota named '" + r + "' in paging.rotas"});
        }
      }
    }
  }
  for (const auto& [id, rota] : policy.rotas) {
    std::string at = "paging.rotas." + id;
    bool name_ok = !rota.id.empty() && std::all_of(rota.id.begin(), rota.id.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
    if (!name_ok) errors.push_back({at, "lower-case letters, digits, '-' or '_'"});
    if (rota.people.empty()) errors.push_back({at + ".people", "at least one person"});
    if (rota.handover < std::chrono::minutes(0) || rota.handover >= std::chrono::minutes(24 * 60))
      errors.push_back({at + ".handover", "a time of day HH:MM"});
  }
  std::set<std::string> rule_ids;
  const pb::Descriptor* refs = v1::CaseRefs::descriptor();
  for (std::size_t i = 0; i < policy.rules.size(); ++i) {
    const Rule& r = policy.rules[i];
    std::string at = "rules[" + std::to_string(i) + "] (" + r.id + ")";
    if (!WellFormedRuleId(r.id)) {
      errors.push_back({at + ".id", "1-64 lower-case letters, digits or '-'"});
    }
    if (!rule_ids.insert(r.id).second) errors.push_back({at + ".id", "used twice"});
    if (r.title.empty()) errors.push_back({at + ".title", "required"});
    if (r.source.empty()) errors.push_back({at + ".source", "required: where the rule comes from"});
    if (r.ladder >= policy.ladders.size()) errors.push_back({at + ".ladder", "no such ladder"});
    if (!r.match.empty() && refs->FindFieldByName(r.match) == nullptr) {
      errors.push_back({at + ".match", "'" + r.match + "' is not a field of CaseRefs"});
    }
    if (r.from != "occurred_at") {
      const pb::FieldDescriptor* start =
          v1::Envelope::descriptor()->FindFieldByNumber(r.start.payload_field);
      const pb::FieldDescriptor* f =
          start == nullptr ? nullptr : start->message_type()->FindFieldByName(r.from);
      if (f == nullptr || f->cpp_type() != pb::FieldDescriptor::CPPTYPE_STRING ||
          f->is_repeated()) {
        errors.push_back({at + ".from",
                          "occurred_at, or a YYYY-MM-DD text field of the start "
                          "event; '" +
                              r.from + "' is neither"});
      }
    }
    if (!r.from_event.empty()) {
      const pb::FieldDescriptor* type = v1::Envelope::descriptor()->FindFieldByName(r.from_event);
      if (type == nullptr || type->containing_oneof() == nullptr)
        errors.push_back({at + ".from_event", "'" + r.from_event + "' is not an event type"});
      if (r.match.empty())
        errors.push_back({at + ".from_event", "needs `match`: the ref the two events share"});
      if (r.from != "occurred_at")
        errors.push_back({at + ".from_event", "give either from or from_event, not both"});
    }
    bool immediate = r.kind == RuleKind::kImmediate || r.kind == RuleKind::kCount;
    if (immediate && !r.limits.empty()) {
      errors.push_back({at + ".limit", "immediate and count rules fire at the event: no limit"});
    }
    if (!immediate && r.limits.empty()) errors.push_back({at + ".limit", "required"});
    for (const Limit& l : r.limits) {
      if (l.amount <= 0) errors.push_back({at + ".limit", "must be at least 1"});
    }
    // A child's states end (a plan, a case); a team's or service area's coverage does not.
    if (r.kind == RuleKind::kRecurring && r.until.empty() && r.scope == Scope::kChild) {
      errors.push_back({at + ".until", "a recurring clock needs the event(s) that end the state"});
    }
    if (r.requires_earlier && !r.same.empty()) {
      auto field_of = [&](const Matcher& m) -> const pb::FieldDescriptor* {
        const pb::FieldDescriptor* p =
            v1::Envelope::descriptor()->FindFieldByNumber(m.payload_field);
        return p == nullptr ? nullptr : p->message_type()->FindFieldByName(r.same);
      };
      const pb::FieldDescriptor* a = field_of(r.start);
      const pb::FieldDescriptor* b = field_of(*r.requires_earlier);
      if (a == nullptr || b == nullptr || a->is_repeated() || b->is_repeated() ||
          a->cpp_type() != b->cpp_type() || a->enum_type() != b->enum_type())
        errors.push_back({at + ".requires_earlier.same",
                          "'" + r.same + "' must be a field of the same type in both events"});
    }
    if (r.scope == Scope::kServiceArea &&
        r.start.payload_field != v1::Envelope::kQaAuditCompletedFieldNumber)
      errors.push_back({at + ".start", "a service area's clocks start at its audits"});
    if (r.kind == RuleKind::kRecurring && r.stop.empty()) {
      errors.push_back({at + ".stop", "a recurring clock needs the event that restarts it"});
    }
    if (r.kind != RuleKind::kRecurring && !r.until.empty()) {
      errors.push_back({at + ".until", "only recurring clocks have an until"});
    }
    if (r.kind == RuleKind::kDeadline && r.stop.empty()) {
      errors.push_back({at + ".stop", "a deadline needs the awaited event"});
    }
    if (r.kind == RuleKind::kCount) {
      if (r.count < 2) errors.push_back({at + ".count", "must be at least 2"});
      if (r.window.amount <= 0) errors.push_back({at + ".window", "required"});
    } else if (r.count != 0) {
      errors.push_back({at + ".count", "only count rules have a count"});
    }
  }
  if (policy.rules.empty()) errors.push_back({"rules", "at least one rule"});
  return errors;
}

namespace {

// The rule and ladder level an alert id names ("<rule>/<child>/<anchor>/L<level>", ADR 0005), when
// the policy has that rule and the ladder that level.
struct NamedLevel {
  const Rule* rule;
  const Level* level;
};
std::optional<NamedLevel> LevelOf(const ClockPolicy& policy, std::string_view alert_id) {
  std::size_t level_at = alert_id.rfind("/L");
  std::size_t rule_end = alert_id.find('/');
  if (level_at == std::string_view::npos || rule_end == std::string_view::npos ||
      rule_end >= level_at)
    return std::nullopt;
  std::string_view digits = alert_id.substr(level_at + 2);
  if (digits.empty() || digits.size() > 2) return std::nullopt;
  std::size_t level = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    level = level * 10 + static_cast<std::size_t>(c - '0');
  }
  std::string_view rule_id = alert_id.substr(0, rule_end);
  for (const Rule& r : policy.rules) {
    if (r.id != rule_id) continue;
    const Ladder& ladder = policy.ladders.at(r.ladder);
    if (level < 1 || level > ladder.levels.size()) return std::nullopt;
    return NamedLevel{&r, &ladder.levels[level - 1]};
  }
  return std::nullopt;
}

}  // namespace

std::optional<Acknowledgers> WhoMayAcknowledge(const ClockPolicy& policy,
                                               std::string_view alert_id) {
  std::optional<NamedLevel> named = LevelOf(policy, alert_id);
  if (!named) return std::nullopt;
  Acknowledgers who{named->level->role, {}};
  if (!named->rule->urgent) return who;
  for (const std::string& rota : named->level->out_of_hours) {
    const Rota& people = policy.rotas.at(rota);
    who.on_call_people.insert(people.people.begin(), people.people.end());
  }
  return who;
}

}  // namespace sightline::domain
