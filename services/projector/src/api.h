// The triage API (docs/api/openapi.yaml), served from the projector's RocksDB store.
//
// Every request carries a bearer credential (a static token of access.users, or a JWT from the
// council's identity provider); partner systems' credentials are refused (403).
// Access follows domain/access (need to know; restricted records only for named roles).
// Every read of a child's record, every list read and every refusal is audited to
// sightline.audit.v1 before the answer goes out; if auditing fails the answer is 503. Over HTTP a
// read's answer waits for its audit records' acknowledgement without holding a thread (ADR 0017).
// Handlers are thread-safe (they only read the store and the shared, immutable config).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "call_pool.h"
#include "change_feed.h"
#include "config.h"
#include "metrics.h"
#include "online_rebuild.h"
#include "read_token.h"
#include "record_json.h"
#include "sightline/audit_log/sink.h"
#include "sightline/clock/clock.h"
#include "sightline/consumer/shell.h"
#include "sightline/domain/access/access.h"
#include "sightline/domain/calendar/calendar.h"
#include "sightline/events/v1/envelope.pb.h"
#include "sightline/http/client.h"
#include "sightline/http/server.h"
#include "sightline/identity/authenticator.h"
#include "sightline/storage/store.h"
#include "store_slot.h"
#include "stream_hub.h"

namespace sightline::projector {

struct ApiDeps {
  const StoreSlot& stores;  // Each request reads the store it starts with (ADR 0016).
  const domain::Calendar& calendar;
  const domain::AccessPolicy& access;
  const identity::Authenticator& auth;  // access.users and the auth block (ADR 0009).
  audit_log::AuditSink& audit;
  ChangeFeed& feed;
  ProjectorMetrics& metrics;
  const Clock& clock;
  std::function<consumer::ShellStatus()> consumer_status;  // For /readyz.
  std::string service_name = "sightline-projector";
  StreamLimits stream_limits{};
  // The alert board (alert_board.h); null: no alerts are shown.
  const storage::Store* alerts = nullptr;
  // Writes an event through the gateway as the caller (their Authorization header passed on),
  // for acknowledging from the screen; unset: acknowledging from the screen is off (501).
  std::function<StatusOr<http::ClientResponse>(const std::string& authorization,
                                               const std::string& event_json)>
      write_event = {};
  // Those writes wait for the gateway on `write_threads` threads of their own (call_pool.h), at
  // most `max_pending_writes` at once; beyond that an acknowledgement gets 503 at once.
  int write_threads = 2;
  std::size_t max_pending_writes = 32;
  // Statutory returns, which read every stored event, run one at a time on a thread of their own;
  // at most `max_pending_returns` wait or run, and beyond that a return gets 503 at once.
  std::size_t max_pending_returns = 2;
  // Rebuilding while serving (ADR 0016); null: /v1/admin/rebuild answers 501.
  OnlineRebuild* rebuild = nullptr;
  std::set<domain::UserRole> rebuild_roles = {};
  // A read with X-Sightline-Not-Before ahead of this replica waits on a handler thread for at
  // most `not_before_wait`; at most `max_waiting_reads` wait at once, so that the pool always has
  // threads for other reads. Beyond that, and for anyone who is not a member of staff, no wait.
  int max_waiting_reads = 1;
  std::chrono::milliseconds not_before_wait{2000};
  // Children whose record is kept written as JSON for the bytes it was written from
  // (record_json.h; http.kept_record_json); 0: every read writes the record afresh.
  std::size_t kept_record_json = 2000;
};

// What an audit record says beyond who, where and the outcome.
struct AuditExtra {
  std::string token_fingerprint = {};   // Of a refused credential.
  std::string query = {};               // A search's term.
  std::vector<std::string> shown = {};  // Every child the answer showed.
  std::string detail = {};
};

class TriageApi {
 public:
  explicit TriageApi(ApiDeps deps);
  ~TriageApi();
  TriageApi(const TriageApi&) = delete;
  TriageApi& operator=(const TriageApi&) = delete;
  void Register(http::Server& server, const std::string& web_root);

  http::Response Me(const http::Request& req);
  http::Response Queue(const http::Request& req);
  http::Response Child(const http::Request& req);
  http::Response Household(const http::Request& req);
  http::Response LineOfSight(const http::Request& req);
  http::Response QualityAssurance(const http::Request& req);
  http::Response Search(const http::Request& req);
  // GET /v1/alerts: open and acknowledged alerts the caller may see, oldest due first.
  http::Response Alerts(const http::Request& req);
  // POST /v1/acknowledgements {alert_id, note}: the caller acknowledges through the gateway.
  http::Response Acknowledge(const http::Request& req);
  // POST /v1/admin/rebuild: starts rebuilding the projection beside the live store (202).
  http::Response StartRebuild(const http::Request& req);
  // GET /v1/admin/rebuild: how the rebuild is going.
  http::Response RebuildStatus(const http::Request& req);
  // GET /v1/returns/cin-census?year=2026-27&la=886: the census XML (api_returns.cc).
  http::Response CinCensusReturn(const http::Request& req);
  // GET /v1/returns/annex-a?from=...&to=...: Ofsted's Annex A lists (api_returns.cc).
  http::Response AnnexAReturn(const http::Request& req);
  http::Response Ready(const http::Request& req);
  http::StreamResponse Stream(const http::Request& req);

 private:
  struct Caller;
  // The authenticated user, or the 401 answer (already audited).
  std::optional<domain::User> Authenticate(const http::Request& req, const std::string& endpoint,
                                           http::Response& refusal);
  // For the leaders' views (line of sight, QA): the authenticated manager, senior leader or
  // auditor, with no query parameters; else the refusal (401, 400, or an audited 403).
  std::optional<domain::User> AuthenticateLeader(const http::Request& req,
                                                 const std::string& endpoint,
                                                 const std::string& view, http::Response& refusal);
  // The authenticated user whose role is in rebuild_roles, with no query; else the refusal.
  std::optional<domain::User> AuthenticateRebuilder(const http::Request& req,
                                                    const std::string& endpoint,
                                                    http::Response& refusal);
  std::string RebuildRoles() const;
  // For the statutory returns: the authenticated user who may read every record, with `query`
  // holding the allowed parameters; else the refusal (401, 400, or an audited 403).
  std::optional<domain::User> AuthenticateReturnMaker(const http::Request& req,
                                                      const std::string& endpoint,
                                                      const std::set<std::string>& params,
                                                      std::map<std::string, std::string>& query,
                                                      http::Response& refusal);
  // Every child's stored events; nullopt with `failure` set when the store fails.
  std::optional<std::vector<events::v1::Envelope>> StoredEvents(const storage::Store& store,
                                                                http::Response& failure) const;
  // Audits a return as granted, naming every child in it (1,000 ids per record).
  bool AuditReturn(const domain::User& user, const std::string& endpoint,
                   const std::vector<std::string>& ids, const std::string& what,
                   http::Response& refusal);
  // Runs `read` with its audit records collected instead of written one by one, and holds its
  // answer (http::Response::after) until they are all acknowledged; 503 if they are not.
  http::Response HoldForAudit(const http::Request& req,
                              http::Response (TriageApi::*read)(const http::Request&));
  // HoldForAudit on the returns thread (returns_) for a caller who may make a return, so that the
  // request thread is free meanwhile; anyone else is refused on the request thread as before.
  http::Response OnReturnsThread(const http::Request& req,
                                 http::Response (TriageApi::*read)(const http::Request&));
  // `answer`, held (http::Response::after) until `work` has run on `pool` and called its
  // Completion, which sends `answer` (nullopt) or another answer. `work` calls it exactly once,
  // last; if `work` throws first, the answer is 500. When `pool` is full: `busy`, at once.
  static http::Response AnswerOnPool(CallPool& pool, http::Response answer,
                                     std::function<void(const http::Completion&)> work,
                                     http::Response busy);
  // Writes one audit event (or, inside HoldForAudit, adds it to the request's records); false (and
  // `refusal` set to 503) when it could not be written.
  bool Audit(const domain::User* user, const std::string& endpoint, const std::string& child,
             const std::string& household, int outcome, http::Response& refusal,
             const AuditExtra& extra = {});

  // The roles that may open a restricted record, for those who may not ("head_of_service").
  std::string RestrictedReaders() const;
  // Which of `changed` `user` may hear about on /v1/stream (in their queue or readable).
  std::vector<std::string> VisibleChanges(const domain::User& user,
                                          const std::vector<std::string>& changed) const;

  // Held answers whose audit records are not yet acknowledged (shared with their callbacks).
  struct HeldAudits {
    std::mutex mu;
    std::condition_variable settled;
    int in_flight = 0;
  };

  ApiDeps d_;
  AppliedWaits waits_{d_.max_waiting_reads};  // Reads waiting for their X-Sightline-Not-Before.
  std::shared_ptr<HeldAudits> held_ = std::make_shared<HeldAudits>();
  std::unique_ptr<CallPool> writes_;  // Acknowledgements' gateway writes; set with write_event.
  std::unique_ptr<CallPool> returns_ = std::make_unique<CallPool>(1, d_.max_pending_returns);
  RecordJsonCache records_{d_.kept_record_json};  // Children's records kept written as JSON.
  std::unique_ptr<StreamHub> hub_;                // Last: stopped before the rest goes.
};

}  // namespace sightline::projector
