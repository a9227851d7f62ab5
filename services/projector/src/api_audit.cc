// The audited door of the triage API: who is asking (refused and audited when no one, or not
// staff), the audit record of every read, and answers held until their records are acknowledged
// (ADR 0017) or until work on a pool of its own has run (acknowledgements, returns).
#include <atomic>
#include <chrono>
#include <iostream>

#include "api.h"
#include "api_internal.h"
#include "api_json.h"
#include "read_token.h"
#include "sightline/core/no_wait.h"

namespace sightline::projector {
namespace {

namespace au = audit::v1;
using api_json::Busy;
using api_json::Error;

std::atomic<std::uint64_t> audit_seq{0};

// The audit records of the request this pool thread is handling, when its answer is held until
// they are acknowledged (TriageApi::HoldForAudit); null otherwise (records are written at once).
thread_local std::vector<au::AccessAudited>* t_held_audits = nullptr;

}  // namespace

bool TriageApi::Audit(const domain::User* user, const std::string& endpoint,
                      const std::string& child, const std::string& household, int outcome,
                      http::Response& refusal, const AuditExtra& extra) {
  au::AccessAudited e = audit_log::NewRecord(d_.service_name, d_.clock.Now(), ++audit_seq);
  if (user) {
    e.set_user_id(user->id);
    e.set_role(std::string(domain::RoleName(user->role)));
    e.set_team_id(user->team_id);
  }
  e.set_child_id(child);
  e.set_household_id(household);
  e.set_endpoint(endpoint);
  e.set_outcome(static_cast<au::Outcome>(outcome));
  e.set_token_fingerprint(extra.token_fingerprint);
  e.set_query(extra.query);
  for (const std::string& id : extra.shown) e.add_child_ids_shown(id);
  e.set_detail(extra.detail);
  if (t_held_audits != nullptr) {
    t_held_audits->push_back(std::move(e));  // Written, and waited for, before the answer goes.
    return true;
  }
  // Written at once, waiting for Kafka: not on a thread that may not wait (the answer made there
  // is thrown away, and made again where it may).
  if (RefuseToWait()) {
    refusal = Error(503, "access audit not written on the I/O thread");
    return false;
  }
  Status s = d_.audit.Record(e);
  if (!s.ok()) {
    refusal = Error(503, "access audit unavailable; nothing is shown unaudited");
    d_.metrics.Audited("failed");
    return false;
  }
  d_.metrics.Audited(au::Outcome_Name(e.outcome()));
  return true;
}

std::optional<domain::User> TriageApi::Authenticate(const http::Request& req,
                                                    const std::string& endpoint,
                                                    http::Response& refusal) {
  identity::AuthResult who = d_.auth.Authenticate(req);
  if (who.principal) {
    if (auto user = who.principal->AsUser()) return user;
    // A partner system's credential proves who it is, but the triage API is for staff.
    refusal = Error(403, "'" + who.principal->subject + "' is not a member of staff");
    http::Response audit_failed;
    if (!Audit(nullptr, endpoint, "", "", au::OUTCOME_DENIED_NO_NEED_TO_KNOW, audit_failed,
               {.token_fingerprint = who.fingerprint, .detail = who.principal->subject}))
      refusal = audit_failed;
    return std::nullopt;
  }
  refusal = identity::Authenticator::Refusal(who);
  http::Response audit_failed;
  if (!Audit(nullptr, endpoint, "", "", au::OUTCOME_UNAUTHENTICATED, audit_failed,
             {.token_fingerprint = who.fingerprint, .detail = who.reason}))
    refusal = audit_failed;
  return std::nullopt;
}

http::Response TriageApi::HoldForAudit(const http::Request& req,
                                       http::Response (TriageApi::*read)(const http::Request&)) {
  // Never older than what this session has seen on any replica (read_token.h).
  if (auto seen = req.Header("x-sightline-not-before")) {
    auto wanted = ParseApplied(*seen);
    if (!wanted) {
      return Error(400,
                   "X-Sightline-Not-Before: must be <partition>:<offset> pairs, "
                   "comma-separated, as X-Sightline-Applied gave them");
    }
    // Waiting holds a handler thread, so only a member of staff may make this replica wait, and
    // only a few at once; anyone else's read goes ahead and is refused (and audited) as usual.
    if (!HasApplied(d_.consumer_status(), *wanted) &&
        api_internal::IsStaff(d_.auth.Authenticate(req))) {
      if (RefuseToWait()) return Busy("not answered on the I/O thread", 1);  // Thrown away.
      switch (waits_.Wait(d_.consumer_status, *wanted, d_.not_before_wait)) {
        case AppliedWaits::Outcome::kApplied:
          break;
        case AppliedWaits::Outcome::kTooMany:
          return Busy(
              "this replica has not yet applied what you have already seen, and enough reads are "
              "already waiting for it; ask again",
              1);
        case AppliedWaits::Outcome::kTimedOut:
          return Busy("this replica has not yet applied what you have already seen; ask again", 1);
      }
    }
  }
  const std::string applied = FormatApplied(d_.consumer_status());
  std::vector<au::AccessAudited> records;
  struct Collect {
    explicit Collect(std::vector<au::AccessAudited>* r) { t_held_audits = r; }
    ~Collect() { t_held_audits = nullptr; }
    Collect(const Collect&) = delete;
    Collect& operator=(const Collect&) = delete;
  } collect(&records);
  http::Response answer = (this->*read)(req);
  answer.headers["X-Sightline-Applied"] = applied;
  if (records.empty()) return answer;
  answer.after = [this, records = std::move(records)](http::Completion done) mutable {
    std::vector<std::string> outcomes;
    for (const au::AccessAudited& e : records) outcomes.push_back(au::Outcome_Name(e.outcome()));
    {
      std::lock_guard lock(held_->mu);
      ++held_->in_flight;
    }
    const auto held_from = std::chrono::steady_clock::now();
    d_.audit.RecordAll(records, [this, held = held_, outcomes = std::move(outcomes),
                                 done = std::move(done), held_from](const Status& s) {
      d_.metrics.AuditHeld(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - held_from).count());
      if (s.ok()) {
        for (const std::string& outcome : outcomes) d_.metrics.Audited(outcome);
        done(std::nullopt);
      } else {
        d_.metrics.Audited("failed");
        done(Error(503, "access audit unavailable; nothing is shown unaudited"));
      }
      std::lock_guard lock(held->mu);  // Last: the API may be destroyed once this is zero.
      if (--held->in_flight == 0) held->settled.notify_all();
    });
  };
  return answer;
}

http::Response TriageApi::AnswerOnPool(CallPool& pool, http::Response answer,
                                       std::function<void(const http::Completion&)> work,
                                       http::Response busy) {
  answer.after = [&pool, work = std::move(work),
                  busy = std::move(busy)](const http::Completion& done) {
    bool queued = pool.Submit([work, done] {
      try {  // As the server does for a handler on its own pool: 500, and the thread goes on.
        work(done);
      } catch (const std::exception& e) {
        std::cerr << "sightline-projector: a call on a pool threw: " << e.what() << "\n";
        done(Error(500, "internal error"));
      }
    });
    if (!queued) done(busy);
  };
  return answer;
}

}  // namespace sightline::projector
