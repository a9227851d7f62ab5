#include "sightline/domain/returns/annex_a.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string_view>

#include "annex_a_headings.h"
#include "cin_fold.h"
#include "sightline/domain/events/effective.h"

namespace sightline::domain::returns {
namespace {

namespace v1 = events::v1;
using P = v1::Envelope::PayloadCase;

// The answer codes of Ofsted's Annex A template, as its lists spell them.
const char* kYes = "a) Yes";
const char* kNo = "b) No";
const char* kUnknown = "c) Unknown";
const char* kUnallocated = "Unallocated";

std::string Date(Day d) {
  std::chrono::year_month_day ymd{d};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02u/%02u/%04d", static_cast<unsigned>(ymd.day()),
                static_cast<unsigned>(ymd.month()), static_cast<int>(ymd.year()));
  return buf;
}
std::string Date(const std::optional<Day>& d) { return d ? Date(*d) : ""; }

std::string Gender(v1::Gender g) {
  switch (g) {
    case v1::GENDER_MALE:
      return "a) Male";
    case v1::GENDER_FEMALE:
      return "b) Female";
    case v1::GENDER_OTHER:
      return "d) Neither";
    default:
      return "c) Not stated/recorded";
  }
}

std::string Ethnicity(const std::string& code) {
  static const std::map<std::string, std::string> kLetter = {
      {"WBRI", "a"}, {"WIRI", "b"}, {"WIRT", "c"}, {"WOTH", "d"}, {"WROM", "e"},
      {"MWBC", "f"}, {"MWBA", "g"}, {"MWAS", "h"}, {"MOTH", "i"}, {"AIND", "j"},
      {"APKN", "k"}, {"ABAN", "l"}, {"AOTH", "m"}, {"BCRB", "n"}, {"BAFR", "o"},
      {"BOTH", "p"}, {"CHNE", "q"}, {"OOTH", "r"}, {"REFU", "s"}, {"NOBT", "s"}};
  auto it = kLetter.find(code);
  return it == kLetter.end() ? "s) NOBT" : it->second + ") " + code;
}

std::string Source(const std::string& census_code) {
  static const std::map<std::string, std::string> kSource = {
      {"1A", "a) 1A: Individual"},
      {"1B", "b) 1B: Individual"},
      {"1C", "c) 1C: Individual"},
      {"1D", "d) 1D: Individual"},
      {"2A", "e) 2A: Schools"},
      {"2B", "f) 2B: Education services"},
      {"3A", "g) 3A: Health services"},
      {"3B", "h) 3B: Health services"},
      {"3C", "i) 3C: Health services"},
      {"3D", "j) 3D: Health services"},
      {"3E", "k) 3E: Health services"},
      {"3F", "l) 3F: Health services"},
      {"4", "m) 4: Housing"},
      {"5A", "n) 5A: LA services"},
      {"5B", "o) 5B: LA services"},
      {"5C", "p) 5C: LA services"},
      {"5D", "p) 5C: LA services"},  // Early help: the template has no 5D.
      {"6", "q) 6: Police"},
      {"7", "r) 7: Other legal agency"},
      {"8", "s) 8: Other"},
      {"9", "t) 9: Anonymous"}};
  auto it = kSource.find(census_code);
  return it == kSource.end() ? "u) 10: Unknown" : it->second;
}

std::string Need(const std::string& code) {
  static const std::map<std::string, std::string> kNeed = {
      {"N1", "N1 - Abuse or neglect"},
      {"N2", "N2 - Child's disability"},
      {"N3", "N3 - Parental disability or illness"},
      {"N4", "N4 - Family in acute stress"},
      {"N5", "N5 - Family dysfunction"},
      {"N6", "N6 - Socially unacceptable behaviour"},
      {"N7", "N7 - Low income"},
      {"N8", "N8 - Absent parenting"},
      {"N9", "N9 - Cases other than children in need"}};
  auto it = kNeed.find(code);
  return it == kNeed.end() ? "N0 - Not stated" : it->second;
}

std::string Closure(const std::string& code) {
  static const std::map<std::string, std::string> kClosure = {
      {"RC1", "RC1 - Adopted"},
      {"RC2", "RC2 - Died"},
      {"RC3", "RC3 - Child arrangements order"},
      {"RC4", "RC4 - Special guardianship order"},
      {"RC5", "RC5 - Transferred to services of another local authority"},
      {"RC6", "RC6 - Transferred to adult social care services"},
      {"RC7", "RC7 - Services ceased for any other reason, including child no longer in need"},
      // The template's list stops at RC8: closed after assessment and referred to early help
      // (RC9) is closed after assessment with no further action by children's social care.
      {"RC8", "RC8 - Case closed after assessment, no further action"},
      {"RC9", "RC8 - Case closed after assessment, no further action"}};
  auto it = kClosure.find(code);
  return it == kClosure.end() ? "" : it->second;
}

std::string Abuse(const std::string& code) {
  if (code == "NEG") return "a) Neglect";
  if (code == "PHY") return "b) Physical abuse";
  if (code == "SAB") return "c) Sexual abuse";
  if (code == "EMO") return "d) Emotional abuse";
  return "e) Multiple/not recommended";
}

// What Annex A asks beyond the census's fold, from one child's events.
struct Extra {
  struct Contact {
    Day day;
    std::string source;
  };
  struct EarlyHelp {
    std::string id;
    Day start;
    std::optional<Day> end;
    std::string organisation;
  };
  struct Referral {
    Day day;
    std::string source;
  };
  struct Visit {
    Day day;
    bool alone = false;
  };
  std::vector<Contact> contacts;
  std::map<std::string, std::string> contact_source;  // contact id -> census source code
  std::vector<EarlyHelp> early_help;
  std::vector<Referral> referrals;
  std::vector<Visit> visits;  // The child seen (alone or not).
  std::map<std::string, v1::SeenStatus> assessment_seen;
  std::map<std::string, v1::AssessmentOutcome> assessment_outcome;
  std::map<std::string, bool> icpc_plan;  // s47 id -> the initial conference made a plan
  std::string team, worker;
};

Extra Gather(std::span<const v1::Envelope* const> events, Day to) {
  Extra x;
  for (const v1::Envelope* e : events) {
    Day day = LocalDay(ToInstant(e->occurred_at()));
    if (day > to) continue;
    switch (e->payload_case()) {
      case P::kContactReceived: {
        std::string source = cin::ReferralSource(e->contact_received().source());
        x.contacts.push_back({day, source});
        x.contact_source[e->refs().contact_id()] = source;
        break;
      }
      case P::kContactDecided: {
        auto d = e->contact_decided().decision();
        if (d != v1::CONTACT_DECISION_S17_ASSESSMENT && d != v1::CONTACT_DECISION_S47_STRATEGY)
          break;
        auto it = x.contact_source.find(e->refs().contact_id());
        x.referrals.push_back({day, it == x.contact_source.end() ? "10" : it->second});
        break;
      }
      case P::kEarlyHelpStarted:
        x.early_help.push_back(
            {e->refs().early_help_id(), day, std::nullopt, e->early_help_started().organisation()});
        break;
      case P::kEarlyHelpClosed:
        for (auto& h : x.early_help)
          if (h.id == e->refs().early_help_id() && !h.end) h.end = day;
        break;
      case P::kChildSeen: {
        auto s = e->child_seen().status();
        if (s == v1::SEEN_STATUS_SEEN_ALONE || s == v1::SEEN_STATUS_SEEN_NOT_ALONE)
          x.visits.push_back({day, s == v1::SEEN_STATUS_SEEN_ALONE});
        break;
      }
      case P::kAssessmentCompleted:
        x.assessment_seen[e->refs().assessment_id()] = e->assessment_completed().child_seen();
        x.assessment_outcome[e->refs().assessment_id()] = e->assessment_completed().outcome();
        break;
      case P::kConferenceHeld:
        if (e->conference_held().type() == v1::CONFERENCE_TYPE_INITIAL)
          x.icpc_plan[e->refs().s47_id()] = e->conference_held().plan_required();
        break;
      case P::kCaseAllocated:
        x.team = e->case_allocated().team_id();
        x.worker = e->case_allocated().worker_id();
        break;
      default:
        break;
    }
  }
  return x;
}

bool Overlaps(Day start, const std::optional<Day>& end, const AnnexAPeriod& p) {
  return start <= p.to && (!end || *end >= p.from);
}

class Writer {
 public:
  Writer(const std::string& id, const cin::Child& child, const Extra& extra,
         const AnnexAPeriod& period)
      : id_(id), c_(child), x_(extra), p_(period) {}

  // Child Unique ID, Gender, Ethnicity, Date of Birth, Age of Child (Years).
  std::vector<std::string> Who() const {
    const v1::ChildDetailsRecorded& d = c_.details;
    std::string born, age;
    if (!d.unborn() && !d.date_of_birth().empty()) {
      if (auto dob = ParseDay(d.date_of_birth())) {
        born = Date(*dob);
        std::chrono::year_month_day b{*dob}, t{p_.to};
        int years = static_cast<int>(t.year()) - static_cast<int>(b.year());
        if (t.month() < b.month() || (t.month() == b.month() && t.day() < b.day())) --years;
        age = std::to_string(std::max(0, years));
      }
    }
    return {id_, Gender(d.gender()), Ethnicity(d.ethnicity()), born, age};
  }
  std::string Disability() const {
    switch (c_.details.disability()) {
      case v1::DISABILITY_YES:
        return kYes;
      case v1::DISABILITY_NONE:
        return kNo;
      default:
        return kUnknown;
    }
  }
  std::string Team() const { return x_.team.empty() ? kUnallocated : x_.team; }
  std::string Worker() const { return x_.worker.empty() ? kUnallocated : x_.worker; }
  std::optional<Extra::Visit> LastVisit(Day until) const {
    std::optional<Extra::Visit> last;
    for (const auto& v : x_.visits)
      if (v.day <= until) last = v;
    return last;
  }

  void Write(std::vector<AnnexAList>& lists, bool& named) const {
    auto row = [&](int list, std::vector<std::string> cells) {
      std::vector<std::string> r = Who();
      r.insert(r.end(), cells.begin(), cells.end());
      lists[static_cast<std::size_t>(list - 1)].rows.push_back(std::move(r));
      named = true;
    };
    for (const auto& k : x_.contacts)
      if (k.day >= p_.from && k.day <= p_.to) row(1, {Date(k.day), Source(k.source)});
    for (const auto& h : x_.early_help)
      if (Overlaps(h.start, h.end, p_))
        row(2, {Date(h.start), Date(h.end),
                h.organisation.empty() ? "Local authority early help" : h.organisation});
    for (const auto& r : x_.referrals) {
      if (r.day < p_.from || r.day > p_.to) continue;
      int in_year = 0;
      for (const auto& other : x_.referrals)
        in_year += other.day <= r.day && other.day > r.day - std::chrono::days(365);
      bool nfa = false;
      for (const cin::Episode& ep : c_.episodes)
        nfa = nfa || (ep.referral == r.day && ep.closed && !ep.Activity() && !ep.not_nfa_said);
      row(3, {Date(r.day), Source(r.source), nfa ? kYes : kNo, std::to_string(in_year), Team(),
              Worker()});
    }
    int s47_12m = 0, icpc_12m = 0;
    for (const cin::Episode& ep : c_.episodes)
      for (const cin::Section47& s : ep.s47s) {
        s47_12m += s.start <= p_.to && s.start > p_.to - std::chrono::days(365);
        icpc_12m += s.icpc && *s.icpc <= p_.to && *s.icpc > p_.to - std::chrono::days(365);
      }
    for (const cin::Episode& ep : c_.episodes) {
      for (const cin::Assessment& a : ep.assessments) {
        if (!Overlaps(a.start, a.end, p_)) continue;
        auto seen = x_.assessment_seen.find(a.id);
        std::string seen_text = !a.end || seen == x_.assessment_seen.end() ? kUnknown
                                : seen->second == v1::SEEN_STATUS_SEEN_ALONE ||
                                        seen->second == v1::SEEN_STATUS_SEEN_NOT_ALONE
                                    ? kYes
                                : seen->second == v1::SEEN_STATUS_NOT_RECORDED ? kUnknown
                                                                               : kNo;
        std::string support;
        if (auto o = x_.assessment_outcome.find(a.id); a.end && o != x_.assessment_outcome.end()) {
          bool needs = o->second == v1::ASSESSMENT_OUTCOME_CHILD_IN_NEED_PLAN ||
                       o->second == v1::ASSESSMENT_OUTCOME_S47_STRATEGY ||
                       o->second == v1::ASSESSMENT_OUTCOME_LOOKED_AFTER;
          support = o->second == v1::ASSESSMENT_OUTCOME_OTHER ? kUnknown : needs ? kYes : kNo;
        }
        row(4, {Disability(), Date(a.start), seen_text, Date(a.end), support, Team(), Worker()});
      }
      for (const cin::Section47& s : ep.s47s) {
        std::optional<Day> done = s.icpc ? s.icpc : std::optional<Day>();
        if (!Overlaps(s.start, done, p_) && !(s.icpc_not_required && s.start >= p_.from)) continue;
        std::string unnecessary = s.icpc_not_required ? kYes : s.icpc ? kNo : "";
        std::string plan;
        if (s.icpc) {
          auto it = x_.icpc_plan.find(s.id);
          plan = it == x_.icpc_plan.end() ? kUnknown : it->second ? kYes : kNo;
        }
        row(5, {Disability(), Date(s.start), unnecessary, Date(s.icpc), plan,
                std::to_string(s47_12m), std::to_string(icpc_12m), Team(), Worker()});
      }
      if (Overlaps(ep.referral, ep.closed, p_)) {
        auto last = LastVisit(ep.closed ? std::min(*ep.closed, p_.to) : p_.to);
        row(6, {Disability(), Date(ep.referral), Need(ep.need.empty() ? ep.concern_need : ep.need),
                last ? Date(last->day) : "", Date(ep.closed),
                ep.closed ? Closure(ep.closure_reason) : "", Status(ep), Team(), Worker()});
      }
      for (const cin::Plan& plan : ep.cp_plans) {
        if (!Overlaps(plan.start, plan.end, p_)) continue;
        Day until = plan.end ? std::min(*plan.end, p_.to) : p_.to;
        auto visit = LastVisit(until);
        if (visit && visit->day < plan.start) visit.reset();
        std::optional<Day> review;
        for (Day r : plan.reviews)
          if (r <= p_.to) review = r;
        row(7, {Disability(), Date(plan.start), Abuse(plan.initial_category),
                Abuse(plan.latest_category), visit ? Date(visit->day) : "",
                visit ? (visit->alone ? kYes : kNo) : "", Date(review), Date(plan.end),
                // Emergency protection orders and police protection are not in the schema.
                kUnknown, std::to_string(plan.previous_cp_plans), Team(), Worker()});
      }
    }
  }

 private:
  // The case's status as at the period's end.
  std::string Status(const cin::Episode& ep) const {
    if (ep.closed && *ep.closed <= p_.to) return "e) Closed episode";
    auto open = [&](const std::vector<cin::Plan>& plans) {
      return std::any_of(plans.begin(), plans.end(),
                         [&](const cin::Plan& p) { return !p.end || *p.end > p_.to; });
    };
    if (open(ep.cp_plans)) return "b) Child Protection plan";
    if (open(ep.cin_plans)) return "c) Child in need plan";
    return "d) Open assessment";
  }

  const std::string& id_;
  const cin::Child& c_;
  const Extra& x_;
  const AnnexAPeriod& p_;
};

}  // namespace

std::vector<AnnexAList> AnnexA(std::span<const events::v1::Envelope> events,
                               const AnnexAPeriod& period, std::vector<std::string>* child_ids) {
  std::vector<AnnexAList> lists = AnnexAHeadings();
  CinCensusFigures ignored;
  std::map<std::string, cin::Child> children = cin::FoldChildren(events, period.to, ignored);
  std::map<std::string, std::vector<v1::Envelope>> by_child;
  for (const v1::Envelope& e : events)
    if (!e.child_id().empty()) by_child[e.child_id()].push_back(e);
  for (const auto& [id, list] : by_child) {
    Effective eff = Resolve(list);
    Extra extra = Gather(eff.events, period.to);
    static const cin::Child kNone;
    auto child = children.find(id);
    bool named = false;
    Writer(id, child == children.end() ? kNone : child->second, extra, period).Write(lists, named);
    if (named && child_ids != nullptr) child_ids->push_back(id);
  }
  return lists;
}

std::string AnnexACsv(const AnnexAList& list) {
  std::string out;
  auto cell = [&](const std::string& text) {
    std::string t = text;
    // A spreadsheet reads a cell starting with one of these as a formula (OWASP's list: a tab or
    // carriage return first may be trimmed and leave one).
    if (!t.empty() && std::string_view("=+-@\t\r").find(t[0]) != std::string_view::npos)
      t = "'" + t;
    if (t.find_first_of(",\"\r\n") == std::string::npos) {
      out += t;
      return;
    }
    out += '"';
    for (char c : t) {
      if (c == '"') out += '"';
      out += c;
    }
    out += '"';
  };
  auto line = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) out += ',';
      cell(cells[i]);
    }
    out += "\r\n";
  };
  line(list.headers);
  for (const auto& r : list.rows) line(r);
  return out;
}

}  // namespace sightline::domain::returns
