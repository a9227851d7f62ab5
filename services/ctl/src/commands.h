// sightlinectl's subcommands. Each returns the process exit code: 0 done, 1 bad input or a
// failure worth a human's look, 2 a dependency (gateway, Kafka) unavailable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sightline/core/time.h"
#include "sightline/kafka/admin.h"
#include "sightline/kafka/properties.h"
#include "sightline/simulator/simulate.h"

namespace sightline::ctl {

struct EmitOptions {
  std::string file;
  std::string gateway = "http://127.0.0.1:8080";
  int batch = 500;
  // Requests in flight at once. Lines are dealt to senders by child, so one child's events are
  // still sent, and reach their partition, in file order.
  int in_flight = 4;
  int retries = 5;  // Times to resend a batch the gateway answered 503 (same event_ids: safe).
  // Events a second, all senders together (0: as fast as the gateway takes them). A steady
  // load for measuring something else under ingest (bench/ingest.sh).
  int rate = 0;
  std::string token_file;  // The bearer token to send (a file, so it never shows in `ps`).
  std::string token;       // Read from token_file by Emit.
};
int Emit(EmitOptions options);

struct SimulateOptions {
  domain::SimulationParams params;
  std::string start;  // YYYY-MM-DD, overrides params.start_day when set.
  std::string out;    // File; "-" or empty for standard output.
};
int Simulate(const SimulateOptions& options);

struct KafkaOptions {
  std::string brokers = "127.0.0.1:9092";
  kafka::Properties properties;
};

// Reads deploy/topics.yaml (or another file) into topic specs; errors name the key.
StatusOr<std::vector<kafka::TopicSpec>> LoadTopics(const std::string& path);
struct TopicsOptions {
  std::string file = "deploy/topics.yaml";
  int replication_factor = 0;   // 0: as the file says.
  int min_insync_replicas = 0;  // 0: as the file (or the broker) says.
};
int EnsureTopics(const KafkaOptions& kafka, const TopicsOptions& options);

struct SummaryOptions {
  std::string topic = "sightline.events.v1";
  bool json = false;
  int samples = 3;  // Events shown decoded, as examples.
};
int Summary(const KafkaOptions& kafka, const SummaryOptions& options);

struct BacktestOptions {
  std::string policy_file = "deploy/watchdog-policy.yaml";
  std::string events_file;  // NDJSON, one event per line (as `simulate` writes).
  std::string until;        // YYYY-MM-DD or RFC 3339: simulated time stops here.
  std::string tick = "1m";  // Simulated clock step.
  // As if every rule paged around the clock to the day ladder (how Sightline paged before rules
  // had an urgency): the "before" of a paging comparison.
  bool round_the_clock = false;
  std::string pages_file;  // Also write the pages-per-role table here.
  std::string pages_from;  // Count pages from here (YYYY-MM-DD or RFC 3339); default: the start.
};
// YYYY-MM-DD (local midnight starting that day, or ending it with day_end) or RFC 3339.
std::optional<Instant> ParseWhen(const std::string& text, bool day_end = false);

// Prints every alert lifecycle event the policy would have emitted, as JSON lines.
int Backtest(const BacktestOptions& options);
// Loads and validates a policy; prints its rules.
int CheckPolicy(const std::string& policy_file);

struct IdpOptions {
  std::string dir = "var/idp";  // signing-key.jwk (0600) and jwks.json.
  std::string alg = "ES256";
  std::string kid;
  bool rotate = false;
  std::string issuer = "https://idp.sightline.local";
  std::string audience = "sightline";
  std::string subject, role, team, agency;
  int ttl_minutes = 480;
  std::string out;  // Token file (written 0600); "-" or empty: standard output.
  int port = 8090;
  std::string port_file;
};
int IdpInit(const IdpOptions& options);
int IdpToken(const IdpOptions& options);
int IdpServe(const IdpOptions& options);

struct AuditOptions {
  std::string topic = "sightline.audit.v1";
  std::string child;      // Who read this child's record (and which answers listed it).
  std::string user;       // What this user read.
  std::string from, to;   // Bounds: YYYY-MM-DD (whole local days) or RFC 3339.
  bool refusals = false;  // For a child: refused attempts too (a user's are always shown).
  bool json = false;
};
int Audit(const KafkaOptions& kafka, const AuditOptions& options);

struct CinCensusOptions {
  std::string year;  // Collection year, e.g. 2026-27.
  std::string la;    // DfE three-digit LA number.
  // Where the events come from: the projector (its /v1/returns/cin-census, as the holder of
  // token_file, audited there) or, offline, a recorded NDJSON file (as `simulate` writes).
  std::string projector;
  std::string token_file;
  std::string events_file;
  std::string out;  // The XML file, written 0600.
  std::string calendar_file = "deploy/calendar/england-and-wales.txt";
  std::string serial_no = "1";
};
// Writes the CIN census XML for the year; prints what it holds.
int CinCensus(const CinCensusOptions& options);

struct AnnexAOptions {
  std::string from, to;  // The period, YYYY-MM-DD, both days included.
  // Where the events are, as for the census: the projector (audited there) or an NDJSON file.
  std::string projector;
  std::string token_file;
  std::string events_file;
  std::string out;  // A directory for list-1.csv ... list-11.csv (0700; files 0600).
};
// Writes Ofsted's Annex A lists as CSV files; prints the rows per list.
int AnnexA(const AnnexAOptions& options);

struct ImportOptions {
  std::string file;   // A CIN census XML return.
  std::string out;    // The events (NDJSON), written 0600.
  std::string actor;  // The user id of whoever imports: each event's actor.
};
// Turns a past CIN census return into imported events, ready for `emit`.
int ImportCinCensus(const ImportOptions& options);

}  // namespace sightline::ctl
