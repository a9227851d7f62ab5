#include "api.h"

#include <algorithm>

#include "alert_board.h"
#include "api_internal.h"
#include "api_json.h"
#include "sightline/core/text.h"
#include "sightline/crypto/digest.h"
#include "sightline/domain/events/names.h"
#include "sightline/domain/events/validation.h"
#include "sightline/domain/projection/projection.h"
#include "store_layout.h"

namespace sightline::projector {
namespace {

namespace pv = projections::v1;
namespace au = audit::v1;
using api_internal::AuditOutcome;
using api_internal::LoadSummary;
using api_internal::StoreError;
using api_json::Answer;
using api_json::AnswerText;
using api_json::Error;
using api_json::json;
using domain::Access;

std::optional<events::v1::RagRating> ParseRag(const std::string& s) {
  if (s == "red") return events::v1::RAG_RATING_RED;
  if (s == "amber") return events::v1::RAG_RATING_AMBER;
  if (s == "green") return events::v1::RAG_RATING_GREEN;
  if (s == "blue") return events::v1::RAG_RATING_BLUE;
  if (s == "unrated") return events::v1::RAG_RATING_UNSPECIFIED;
  return std::nullopt;
}

// "awaiting_decision" (or "awaiting decision") -> STAGE_AWAITING_DECISION.
std::optional<pv::Stage> ParseStage(const std::string& s) {
  std::string spaced = s;
  std::replace(spaced.begin(), spaced.end(), '_', ' ');
  for (int i = 1; i <= pv::Stage_MAX; ++i) {
    if (pv::Stage_IsValid(i) &&
        domain::EnumLabel(pv::Stage_Name(static_cast<pv::Stage>(i)), "STAGE_") == spaced)
      return static_cast<pv::Stage>(i);
  }
  return std::nullopt;
}

std::optional<std::string> HexDecode(std::string_view s) {
  if (s.size() % 2 || s.size() > 600) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < s.size(); i += 2) {
    int hi = nibble(s[i]), lo = nibble(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

}  // namespace

namespace api_internal {

bool IsStaff(const identity::AuthResult& who) {
  return who.principal && who.principal->AsUser().has_value();
}

std::optional<pv::ChildSummary> LoadSummary(const storage::Store& store, const std::string& id,
                                            Status& status) {
  auto bytes = store.Get(cf::kSummaries, id);
  if (!bytes.ok()) {
    status = bytes.status();
    return std::nullopt;
  }
  if (!bytes.value()) return std::nullopt;
  pv::ChildSummary s;
  if (!s.ParseFromString(*bytes.value())) {
    status = Internal("summary of " + id + " does not parse");
    return std::nullopt;
  }
  return s;
}

std::optional<http::Response> ForEachSummary(const storage::Store& store,
                                             const std::function<void(pv::ChildSummary&)>& visit) {
  bool corrupt = false;
  Status s = store.Scan(cf::kSummaries, "", [&](std::string_view, std::string_view value) {
    pv::ChildSummary c;
    if (!c.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      corrupt = true;
      return false;
    }
    visit(c);
    return true;
  });
  if (!s.ok()) return StoreError(s);
  if (corrupt) return Error(500, "summary row does not parse");
  return std::nullopt;
}

http::Response StoreError(const Status& s) {
  return Error(503, "store unavailable: " + s.message());
}

int AuditOutcome(Access a) {
  return a == Access::kGranted      ? au::OUTCOME_GRANTED
         : a == Access::kRestricted ? au::OUTCOME_DENIED_RESTRICTED
                                    : au::OUTCOME_DENIED_NO_NEED_TO_KNOW;
}

}  // namespace api_internal

TriageApi::TriageApi(ApiDeps deps)
    : d_(std::move(deps)),
      hub_(std::make_unique<StreamHub>(
          d_.feed,
          [this](const domain::User& user, const std::vector<std::string>& changed) {
            return VisibleChanges(user, changed);
          },
          d_.stream_limits,
          StreamHub::Hooks{.on_count = [this](int open) { d_.metrics.StreamClients(open); },
                           .on_close =
                               [this](const domain::User& user, std::chrono::seconds open_for,
                                      const std::vector<std::string>& children) {
                                 // Best effort: the stream is gone either way. At most 1,000 ids
                                 // per record.
                                 constexpr std::size_t kMaxIds = 1000;
                                 std::vector<std::string> shown(
                                     children.begin(),
                                     children.begin() + static_cast<std::ptrdiff_t>(
                                                            std::min(children.size(), kMaxIds)));
                                 std::string detail =
                                     "stream closed after " + std::to_string(open_for.count()) +
                                     " s; named " + std::to_string(children.size()) + " children";
                                 if (children.size() > kMaxIds)
                                   detail += " (the first 1000 listed)";
                                 http::Response ignored;
                                 Audit(&user, "GET /v1/stream", "", "", au::OUTCOME_GRANTED,
                                       ignored, {.shown = shown, .detail = detail});
                               }})) {
  if (d_.write_event) writes_ = std::make_unique<CallPool>(d_.write_threads, d_.max_pending_writes);
}

TriageApi::~TriageApi() {
  hub_.reset();     // Streams close (and are audited) first.
  writes_.reset();  // Acknowledgements still waiting for the gateway are answered.
  returns_.reset();
  // Held answers' callbacks use the API: wait for them (each ends by the producer's delivery
  // timeout at the latest).
  std::unique_lock lock(held_->mu);
  held_->settled.wait(lock, [&] { return held_->in_flight == 0; });
}

std::vector<std::string> TriageApi::VisibleChanges(const domain::User& user,
                                                   const std::vector<std::string>& changed) const {
  const auto held_store = d_.stores.Get();  // This request's store, even across a switch.
  const storage::Store& store = *held_store;
  std::vector<std::string> visible;
  for (const std::string& id : changed) {
    Status st;
    auto s = LoadSummary(store, id, st);
    if (s && (domain::InUsersQueue(user, *s, d_.access) ||
              domain::CanReadChild(user, *s, d_.access) == Access::kGranted))
      visible.push_back(id);
  }
  return visible;
}

http::Response TriageApi::Me(const http::Request& req) {
  http::Response refusal;
  auto user = Authenticate(req, "GET /v1/me", refusal);
  if (!user) return refusal;
  return Answer(200, {{"user_id", user->id},
                      {"role", domain::RoleName(user->role)},
                      {"team_id", user->team_id},
                      {"line_of_sight", domain::CanSeeLineOfSight(*user, d_.access)}});
}

http::Response TriageApi::Queue(const http::Request& req) {
  static const std::string kEndpoint = "GET /v1/queue";
  http::Response bad;
  auto user = Authenticate(req, kEndpoint, bad);
  if (!user) return bad;
  auto q = api_json::CheckQuery(req, {"team", "rag", "stage", "limit", "cursor"}, bad);
  if (!q) return bad;
  std::optional<events::v1::RagRating> rag;
  std::optional<pv::Stage> stage;
  std::string team, cursor;
  long limit = 100;
  if (auto it = q->find("team"); it != q->end()) {
    if (!IsWellFormedId(it->second)) return Error(400, "not a team id", "team");
    team = it->second;
  }
  if (auto it = q->find("rag"); it != q->end()) {
    rag = ParseRag(it->second);
    if (!rag) return Error(400, "must be red, amber, green, blue or unrated", "rag");
  }
  if (auto it = q->find("stage"); it != q->end()) {
    stage = ParseStage(it->second);
    if (!stage) return Error(400, "not a stage (e.g. awaiting_decision, assessment)", "stage");
  }
  if (auto it = q->find("limit"); it != q->end()) {
    char* end = nullptr;
    limit = std::strtol(it->second.c_str(), &end, 10);
    if (it->second.empty() || *end != '\0' || limit < 1 || limit > 500)
      return Error(400, "must be a whole number from 1 to 500", "limit");
  }
  if (auto it = q->find("cursor"); it != q->end()) {
    auto decoded = HexDecode(it->second);
    if (!decoded || decoded->empty()) return Error(400, "not a cursor from next_cursor", "cursor");
    cursor = *decoded;
  }
  Instant now = d_.clock.Now();
  // One pass into the body: the page's items first, then `total`, counted on the way.
  std::string body;
  JsonOut w(body);
  w.BeginObject();
  w.Key("as_of").String(api_json::Iso(now));
  w.Key("items").BeginArray();
  long page = 0;
  std::size_t total = 0;
  std::string next_cursor;
  std::vector<std::string> shown;
  bool more = false;
  // The queue view's snapshot (queue_view.h): every row is filtered and counted for `total`
  // from its head, kept parsed; a page's item is its waiting figures at `now`, then the members
  // the row keeps written for every page that shows it.
  auto queue = d_.stores.Queue()->Snapshot();
  if (!queue.ok()) {
    if (queue.status().code() == StatusCode::kInternal) return Error(500, queue.status().message());
    return StoreError(queue.status());
  }
  // About 600 bytes an item with its contacts: one allocation for most pages.
  constexpr std::size_t kItemBytes = 800;
  body.reserve(body.size() + 128 +
               kItemBytes * std::min(queue.value()->size(), static_cast<std::size_t>(limit)));
  for (const std::shared_ptr<const QueueRow>& row : *queue.value()) {
    const pv::ChildSummary& head = row->head;
    if (!domain::InUsersQueue(*user, head, d_.access)) continue;
    if (!team.empty() && head.queue_team_id() != team) continue;
    if (rag && head.rag() != *rag) continue;
    if (stage && head.stage() != *stage) continue;
    ++total;
    if (!cursor.empty() && row->key <= cursor) continue;
    if (page < limit) {
      bool full = domain::CanReadChild(*user, head, d_.access) == Access::kGranted;
      const std::string* members = row->ItemMembers(full);
      if (members == nullptr) return Error(500, "queue row does not parse");
      w.BeginObject();
      api_json::WaitingFields(w, head, d_.calendar, now);
      w.Members(*members);
      w.EndObject();
      shown.push_back(head.child_id());
      if (++page == limit) next_cursor = crypto::Hex(row->key);
    } else {
      more = true;  // Past the page: only counted for total.
    }
  }
  w.EndArray();
  if (!Audit(&*user, kEndpoint, "", "", au::OUTCOME_GRANTED, bad, {.shown = shown})) return bad;
  d_.metrics.Request("queue", 200);
  w.Key("total").Int(static_cast<std::int64_t>(total));
  if (more) w.Key("next_cursor").String(next_cursor);
  w.EndObject();
  return AnswerText(200, std::move(body));
}

http::Response TriageApi::Child(const http::Request& req) {
  const auto held_store = d_.stores.Get();  // This request's store, even across a switch.
  const storage::Store& store = *held_store;
  static const std::string kEndpoint = "GET /v1/children/{id}";
  http::Response bad;
  auto user = Authenticate(req, kEndpoint, bad);
  if (!user) return bad;
  if (!api_json::CheckQuery(req, {}, bad)) return bad;
  const std::string& id = req.path_params.at("id");
  if (!IsWellFormedId(id)) return Error(400, "not a child id", "id");
  Status status;
  auto summary = LoadSummary(store, id, status);
  if (!status.ok()) return StoreError(status);
  if (!summary) {
    if (!Audit(&*user, kEndpoint, id, "", au::OUTCOME_NOT_FOUND, bad)) return bad;
    return Error(404, "no such child");
  }
  Access access = domain::CanReadChild(*user, *summary, d_.access);
  if (!Audit(&*user, kEndpoint, id, summary->household_id(), AuditOutcome(access), bad)) return bad;
  if (access == Access::kRestricted) {
    return Answer(403, {{"error", "restricted record"},
                        {"child_id", id},
                        {"restricted", true},
                        {"ask", RestrictedReaders()}});
  }
  if (access != Access::kGranted) return Error(403, "no need to know: not your team or case");
  auto bytes = store.Get(cf::kChildren, id);
  if (!bytes.ok()) return StoreError(bytes.status());
  if (!bytes.value()) return Error(500, "child record missing");
  // Kept for these very bytes, or written from them now (record_json.h).
  std::shared_ptr<const RecordJson> json = records_.Get(id, *bytes.value());
  if (json == nullptr)
    return Error(500, "child record does not parse or cannot be written as JSON");
  Instant now = d_.clock.Now();
  // The watchdog's alerts about this child: why each fired (rule, the starting event, due),
  // who it pages, its state and its history (issue 14).
  std::vector<pv::AlertRow> alert_rows;
  if (d_.alerts != nullptr) {
    auto rows = AlertsOfChild(*d_.alerts, id);
    if (!rows.ok()) return StoreError(rows.status());
    alert_rows = std::move(rows.value());
  }
  std::string body;
  body.reserve(json->record.size() + json->clocks.size() * 200 + 512);
  JsonOut w(body);
  w.BeginObject();
  w.Key("as_of").String(api_json::Iso(now));
  w.Key("record").Raw(json->record);
  w.Key("clocks").BeginArray();
  for (const RecordJson::Clock& c : json->clocks) {
    w.BeginObject();
    w.Members(c.members);
    w.Key("overdue").Bool(now >= c.overdue_from);
    w.EndObject();
  }
  w.EndArray();
  w.Key("alerts").BeginArray();
  for (const pv::AlertRow& row : alert_rows)
    w.Raw(api_internal::AlertJson(row, d_.calendar, now).dump());
  w.EndArray();
  if (summary->awaiting_decision_size() > 0) {
    w.Key("waiting").BeginObject();
    api_json::WaitingFields(w, *summary, d_.calendar, now);
    w.EndObject();
  }
  w.EndObject();
  d_.metrics.Request("child", 200);
  return AnswerText(200, std::move(body));
}

http::Response TriageApi::Search(const http::Request& req) {
  const auto held_store = d_.stores.Get();  // This request's store, even across a switch.
  const storage::Store& store = *held_store;
  static const std::string kEndpoint = "GET /v1/search";
  http::Response bad;
  auto user = Authenticate(req, kEndpoint, bad);
  if (!user) return bad;
  auto q = api_json::CheckQuery(req, {"name"}, bad);
  if (!q) return bad;
  auto it = q->find("name");
  if (it == q->end()) return Error(400, "required: 2 to 100 characters of a name", "name");
  std::optional<std::size_t> length = Utf8Length(it->second);
  if (!length) return Error(400, "not valid UTF-8", "name");
  if (*length < 2 || *length > 100)
    return Error(400, "required: 2 to 100 characters of a name", "name");
  // No name holds a control character, and the term is audited as given.
  if (HasControlCharacter(it->second, /*line_breaks_too=*/true) || HasC1Control(it->second))
    return Error(400, "contains control characters", "name");
  std::string prefix = domain::keys::NamePrefix(it->second);
  json results = json::array();
  std::vector<std::string> shown;
  Status s = store.Scan(cf::kNames, prefix, [&](std::string_view key, std::string_view) {
    std::string child(key.substr(key.find('\0') + 1));
    Status st;
    auto summary = LoadSummary(store, child, st);
    if (!st.ok() || !summary) return st.ok();
    shown.push_back(child);
    Access access = domain::CanReadChild(*user, *summary, d_.access);
    // A restricted record the reader may not open is found, so a new concern reaches the people
    // who hold it rather than starting a second record, but says nothing of its own (not even
    // the name as recorded): only that it exists and who may read it (README, "restricted").
    if (access == Access::kRestricted) {
      results.push_back({{"child_id", child},
                         {"restricted", true},
                         {"can_read", false},
                         {"ask", RestrictedReaders()}});
    } else {
      results.push_back(
          {{"child_id", child},
           {"name", summary->name()},
           {"restricted", summary->restriction() != events::v1::RESTRICTION_UNSPECIFIED},
           {"can_read", access == Access::kGranted}});
    }
    return results.size() < 50;
  });
  if (!s.ok()) return StoreError(s);
  if (!Audit(&*user, kEndpoint, "", "", au::OUTCOME_GRANTED, bad,
             {.query = it->second, .shown = shown}))
    return bad;
  return Answer(200, {{"results", results}});
}

std::string TriageApi::RestrictedReaders() const {
  std::string roles;
  for (domain::UserRole r : d_.access.restricted_roles)
    roles += (roles.empty() ? "" : ", ") + std::string(domain::RoleName(r));
  return roles;
}

http::Response TriageApi::Ready(const http::Request&) {
  consumer::ShellStatus status = d_.consumer_status();
  return Answer(status.Ready() ? 200 : 503, consumer::ToJson(status));
}

http::StreamResponse TriageApi::Stream(const http::Request& req) {
  http::StreamResponse out;
  auto user = Authenticate(req, "GET /v1/stream", out.head);
  if (!user) return out;
  if (!api_json::CheckQuery(req, {}, out.head)) return out;
  out.head.status = 200;
  out.head.content_type = "text/event-stream";
  out.head.headers["Cache-Control"] = "no-store";
  out.head.headers["X-Accel-Buffering"] = "no";
  if (auto full = hub_->CheckCapacity(user->id)) {
    out.head = *full;
    return out;
  }
  // Opening is audited before anything is sent; the close is audited with every child the
  // stream named (StreamHub's on_close).
  if (!Audit(&*user, "GET /v1/stream", "", "", au::OUTCOME_GRANTED, out.head,
             {.detail = "stream opened"}))
    return out;
  domain::User who = *user;
  out.open = [this, who](const std::shared_ptr<http::StreamSink>& sink) {
    hub_->Attach(who, sink);
  };
  return out;
}

void TriageApi::Register(http::Server& server, const std::string& web_root) {
  // Reads: the answer is held, with no thread waiting, until Kafka has acknowledged its audit
  // records (ADR 0017). Writes (acknowledging, starting a rebuild) audit before they act.
  auto held = [this](http::Response (TriageApi::*read)(const http::Request&)) {
    return [this, read](const http::Request& r) { return HoldForAudit(r, read); };
  };
  // A record, a household and who you are are short reads, answered on the I/O thread when the
  // store has what they read in memory, and on the pool only when it has not: a hand-off to a
  // pool thread and back cost more than the read itself.
  constexpr http::Dispatch kFromMemory = http::Dispatch::kInlineFirst;
  server.Get("/v1/me", held(&TriageApi::Me), kFromMemory);
  server.Get("/v1/queue", held(&TriageApi::Queue));
  server.Get("/v1/children/:id", held(&TriageApi::Child), kFromMemory);
  server.Get("/v1/households/:id", held(&TriageApi::Household), kFromMemory);
  server.Get("/v1/line-of-sight", held(&TriageApi::LineOfSight));
  server.Get("/v1/qa", held(&TriageApi::QualityAssurance));
  server.Get("/v1/search", held(&TriageApi::Search));
  server.Get("/v1/alerts", held(&TriageApi::Alerts));
  // Returns read every stored event: one at a time, off the request threads.
  auto on_returns_thread = [this](http::Response (TriageApi::*read)(const http::Request&)) {
    return [this, read](const http::Request& r) { return OnReturnsThread(r, read); };
  };
  server.Get("/v1/returns/cin-census", on_returns_thread(&TriageApi::CinCensusReturn));
  server.Get("/v1/returns/annex-a", on_returns_thread(&TriageApi::AnnexAReturn));
  server.Post("/v1/acknowledgements", [this](const http::Request& r) { return Acknowledge(r); });
  server.Post("/v1/admin/rebuild", [this](const http::Request& r) { return StartRebuild(r); });
  server.Get("/v1/admin/rebuild", held(&TriageApi::RebuildStatus));
  server.GetStream("/v1/stream", [this](const http::Request& r) { return Stream(r); });
  server.Get(
      "/readyz", [this](const http::Request& r) { return Ready(r); }, http::Dispatch::kInline);
  server.Get(
      "/healthz",
      [](const http::Request&) {
        return Answer(200, {{"status", "ok"}});
      },
      http::Dispatch::kInline);
  if (!web_root.empty()) {
    server.Get("/", [](const http::Request&) {
      http::Response r;
      r.status = 302;
      r.headers["Location"] = "/app/";
      return r;
    });
  }
}

}  // namespace sightline::projector
