// Which copies of a child's events subject streams need (subjects.h).
#include "sightline/domain/clocks/subjects.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "sightline/domain/events/effective.h"

namespace sightline::domain {
namespace {

namespace v1 = events::v1;
using P = v1::Envelope::PayloadCase;

constexpr std::string_view kHousehold = "household:";
constexpr std::string_view kTeam = "team:";
constexpr std::string_view kArea = "area:";

std::string_view PrefixOf(Scope scope) {
  switch (scope) {
    case Scope::kHousehold:
      return kHousehold;
    case Scope::kTeam:
      return kTeam;
    case Scope::kServiceArea:
      return kArea;
    case Scope::kChild:
      break;
  }
  return "";
}

// The payload types that the rules of each scope name (start, stop, cancel, until, earlier).
std::map<Scope, std::set<int>> NamedPayloads(const ClockPolicy& policy) {
  std::map<Scope, std::set<int>> named;
  for (const Rule& r : policy.rules) {
    if (r.scope == Scope::kChild) continue;
    std::set<int>& s = named[r.scope];
    s.insert(r.start.payload_field);
    for (const auto* list : {&r.stop, &r.cancel, &r.until})
      for (const Matcher& m : *list) s.insert(m.payload_field);
    if (r.requires_earlier) s.insert(r.requires_earlier->payload_field);
  }
  return named;
}

std::set<std::string> HouseholdsOf(std::span<const v1::Envelope* const> events) {
  std::set<std::string> out;
  for (const v1::Envelope* e : events) {
    if (!e->household_id().empty()) out.insert(e->household_id());
    if (e->has_household_linked()) out.insert(e->household_linked().household_id());
  }
  return out;
}

// The team whose work an event is: an allocation's team; an audit's team, or else the team the
// child was last allocated to when audited; otherwise the team of whoever recorded it.
std::string TeamOf(const v1::Envelope& e, std::span<const v1::Envelope* const> all) {
  if (e.has_case_allocated()) return e.case_allocated().team_id();
  if (e.has_qa_audit_completed()) {
    if (!e.qa_audit_completed().team_id().empty()) return e.qa_audit_completed().team_id();
    const v1::Envelope* latest = nullptr;
    for (const v1::Envelope* a : all) {
      if (!a->has_case_allocated() || EventOrder(&e, a)) continue;
      if (latest == nullptr || EventOrder(latest, a)) latest = a;
    }
    return latest == nullptr ? "" : latest->case_allocated().team_id();
  }
  return e.actor().team_id();
}

}  // namespace

std::string StreamKey(Scope scope, std::string_view id) {
  if (scope == Scope::kChild) return std::string(id);
  return "@" + std::string(PrefixOf(scope)) + std::string(id);
}

Scope ScopeOfStream(std::string_view key) {
  if (!key.starts_with('@')) return Scope::kChild;
  key.remove_prefix(1);
  for (Scope s : {Scope::kHousehold, Scope::kTeam, Scope::kServiceArea}) {
    if (key.starts_with(PrefixOf(s))) return s;
  }
  return Scope::kChild;
}

std::string SubjectOfStream(std::string_view key) {
  return ScopeOfStream(key) == Scope::kChild ? "" : std::string(key.substr(1));
}

std::string SubjectIdOfStream(std::string_view key) {
  Scope s = ScopeOfStream(key);
  if (s == Scope::kChild) return std::string(key);
  return std::string(key.substr(1 + PrefixOf(s).size()));
}

std::optional<std::string> SubjectStreamOfAlert(std::string_view alert_id) {
  std::size_t first = alert_id.find('/');
  if (first == std::string_view::npos) return std::nullopt;
  std::size_t second = alert_id.find('/', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  std::string_view stream = alert_id.substr(first + 1, second - first - 1);
  if (ScopeOfStream(stream) == Scope::kChild || SubjectIdOfStream(stream).empty())
    return std::nullopt;
  return std::string(stream);
}

std::string AreaName(v1::ServiceArea area) {
  if (area == v1::SERVICE_AREA_UNSPECIFIED) return "";
  std::string name = v1::ServiceArea_Name(area);
  constexpr std::string_view kPrefix = "SERVICE_AREA_";
  if (name.starts_with(kPrefix)) name = name.substr(kPrefix.size());
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

std::vector<StreamCopy> SubjectCopies(const ClockPolicy& policy,
                                      std::span<const v1::Envelope> before,
                                      std::span<const v1::Envelope> fresh) {
  std::map<Scope, std::set<int>> named = NamedPayloads(policy);
  std::vector<const v1::Envelope*> all, earlier;
  for (const v1::Envelope& e : before) earlier.push_back(&e);
  all = earlier;
  for (const v1::Envelope& e : fresh) all.push_back(&e);
  std::set<std::string> households = HouseholdsOf(all), joined;
  std::set<std::string> had = HouseholdsOf(earlier);
  std::set_difference(households.begin(), households.end(), had.begin(), had.end(),
                      std::inserter(joined, joined.end()));

  auto names = [&](Scope s, const v1::Envelope& e) {
    auto it = named.find(s);
    return it != named.end() && it->second.contains(static_cast<int>(e.payload_case()));
  };
  // Every subject stream an event (not a correction) belongs to.
  auto streams_of = [&](const v1::Envelope& e) {
    std::vector<std::string> out;
    if (e.has_alert_acknowledged()) {
      if (auto s = SubjectStreamOfAlert(e.alert_acknowledged().alert_id())) out.push_back(*s);
      return out;
    }
    if (names(Scope::kHousehold, e))
      for (const std::string& h : households) out.push_back(StreamKey(Scope::kHousehold, h));
    if (names(Scope::kTeam, e)) {
      std::string team = TeamOf(e, all);
      if (!team.empty()) out.push_back(StreamKey(Scope::kTeam, team));
    }
    if (names(Scope::kServiceArea, e) && e.has_qa_audit_completed()) {
      std::string area = AreaName(e.qa_audit_completed().area());
      if (!area.empty()) out.push_back(StreamKey(Scope::kServiceArea, area));
    }
    return out;
  };

  std::vector<StreamCopy> out;
  // A child joining a household brings its history there.
  if (!joined.empty()) {
    for (const v1::Envelope* e : earlier) {
      if (e->has_correction() || !names(Scope::kHousehold, *e)) continue;
      for (const std::string& h : joined) out.push_back({StreamKey(Scope::kHousehold, h), e});
    }
  }
  std::map<std::string, const v1::Envelope*> by_id;
  for (const v1::Envelope* e : all) {
    if (!e->has_correction()) by_id[e->event_id()] = e;
  }
  for (const v1::Envelope& e : fresh) {
    if (e.has_correction()) {
      std::vector<std::string> streams;
      if (auto t = by_id.find(e.correction().target_event_id()); t != by_id.end())
        streams = streams_of(*t->second);
      if (e.correction().has_amended()) {
        for (std::string& s : streams_of(e.correction().amended())) streams.push_back(s);
      }
      for (const std::string& s : streams) out.push_back({s, &e});
      continue;
    }
    for (std::string& s : streams_of(e)) out.push_back({std::move(s), &e});
  }
  // Corrections that came before the event they correct follow it into its streams.
  std::multimap<std::string, const v1::Envelope*> corrections;
  for (const v1::Envelope* e : all) {
    if (e->has_correction()) corrections.emplace(e->correction().target_event_id(), e);
  }
  for (std::size_t i = 0, n = out.size(); i < n; ++i) {
    if (out[i].event->has_correction()) continue;
    std::string stream = out[i].stream;
    auto [from, to] = corrections.equal_range(out[i].event->event_id());
    for (auto it = from; it != to; ++it) out.push_back({stream, it->second});
  }
  return out;
}

}  // namespace sightline::domain
