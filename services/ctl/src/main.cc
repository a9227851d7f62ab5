// sightlinectl: the operator's and developer's command-line tool. Only parses flags and calls
// the subcommands in this folder.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>

#include "commands.h"
#include "sightline/config/yaml_reader.h"

using namespace sightline;

int main(int argc, char** argv) {
  CLI::App app{"sightlinectl: simulate, send and inspect Sightline case events"};
  app.require_subcommand(1);

  ctl::KafkaOptions kafka;
  auto env = config::SightlineEnvironment();
  if (auto b = env.find("SIGHTLINE_KAFKA_BROKERS"); b != env.end() && !b->second.empty())
    kafka.brokers = b->second;
  std::vector<std::string> props;
  auto add_kafka = [&](CLI::App* cmd) {
    cmd->add_option("--brokers", kafka.brokers, "Kafka bootstrap servers")->capture_default_str();
    cmd->add_option("--kafka-property", props, "librdkafka property name=value (repeatable)");
  };

  ctl::SimulateOptions sim;
  CLI::App* simulate =
      app.add_subcommand("simulate", "Write seeded, realistic front-door traffic as NDJSON");
  simulate->add_option("--seed", sim.params.seed, "Random seed (same seed, same output)")
      ->capture_default_str();
  simulate->add_option("--days", sim.params.days, "Days to simulate")->capture_default_str();
  simulate
      ->add_option("--contacts-per-day", sim.params.contacts_per_day,
                   "Contacts on a weekday (county size)")
      ->capture_default_str();
  simulate->add_option("--teams", sim.params.teams, "Assessment teams")->capture_default_str();
  simulate->add_option("--care-leavers", sim.params.care_leavers, "Care leavers open at the start")
      ->capture_default_str();
  simulate->add_option("--la", sim.params.la_code, "DfE LA number in the children's UPNs")
      ->capture_default_str();
  simulate->add_option("--id-prefix", sim.params.id_prefix, "Prefix of every generated id")
      ->capture_default_str();
  simulate->add_option("--start", sim.start, "First day, YYYY-MM-DD (default 2026-11-02)");
  simulate->add_option("--out", sim.out, "Output file (default: standard output)");

  ctl::EmitOptions emit;
  CLI::App* emit_cmd =
      app.add_subcommand("emit", "Validate an NDJSON file and send it through the gateway");
  emit_cmd->add_option("--file", emit.file, "NDJSON file of events")->required();
  emit_cmd->add_option("--gateway", emit.gateway, "Gateway base URL")->capture_default_str();
  emit_cmd->add_option("--batch", emit.batch, "Events per request")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  emit_cmd
      ->add_option("--in-flight", emit.in_flight,
                   "Requests in flight at once (each child's events stay in file order)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  emit_cmd
      ->add_option("--rate", emit.rate,
                   "Events per second at most, all requests together (0: as fast as accepted)")
      ->check(CLI::Range(0, 10000000))
      ->capture_default_str();
  emit_cmd->add_option("--retries", emit.retries, "Resends of a batch answered 503")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  emit_cmd
      ->add_option("--token-file", emit.token_file,
                   "File holding the gateway bearer token (a relay token to send others' events)")
      ->envname("SIGHTLINE_GATEWAY_TOKEN_FILE")
      ->required();

  ctl::TopicsOptions topics_opts;
  CLI::App* topics = app.add_subcommand("topics", "Manage Sightline's Kafka topics");
  topics->require_subcommand(1);
  CLI::App* ensure = topics->add_subcommand("ensure", "Create the topics in the file, if missing");
  ensure->add_option("--file", topics_opts.file, "Topic definitions")->capture_default_str();
  ensure
      ->add_option("--replication-factor", topics_opts.replication_factor,
                   "Every topic's replication factor, over the file's (3 in production)")
      ->check(CLI::Range(1, 16));
  ensure
      ->add_option("--min-insync-replicas", topics_opts.min_insync_replicas,
                   "Every topic's min.insync.replicas (2 in production)")
      ->check(CLI::Range(1, 16));
  add_kafka(ensure);

  ctl::SummaryOptions summary_opts;
  CLI::App* summary = app.add_subcommand("summary", "Read a topic and summarise the events on it");
  summary->add_option("--topic", summary_opts.topic, "Topic")->capture_default_str();
  summary->add_flag("--json", summary_opts.json, "Machine-readable output");
  summary->add_option("--samples", summary_opts.samples, "Decoded examples to show")
      ->capture_default_str();
  add_kafka(summary);

  ctl::BacktestOptions backtest_opts;
  CLI::App* policy = app.add_subcommand("policy", "Check a watchdog policy or backtest it");
  policy->require_subcommand(1);
  CLI::App* check = policy->add_subcommand("check", "Validate a policy file and list its rules");
  check->add_option("--policy", backtest_opts.policy_file, "Policy file")->capture_default_str();
  CLI::App* backtest = policy->add_subcommand(
      "backtest", "Run the rules over recorded events with simulated time; print alert events");
  backtest->add_option("--policy", backtest_opts.policy_file, "Policy file")->capture_default_str();
  backtest->add_option("--events", backtest_opts.events_file, "NDJSON events")->required();
  backtest->add_option("--until", backtest_opts.until, "End of simulated time")->required();
  backtest->add_flag("--round-the-clock", backtest_opts.round_the_clock,
                     "As if every rule paged around the clock to the day ladder (the old way)");
  backtest->add_option("--pages-file", backtest_opts.pages_file,
                       "Also write the pages-per-role table to this file");
  backtest->add_option("--pages-from", backtest_opts.pages_from,
                       "Count pages from this day or instant (default: the first event)");
  backtest->add_option("--tick", backtest_opts.tick, "Simulated clock step (30s.. like 1m, 1h)")
      ->capture_default_str();

  ctl::AuditOptions audit_opts;
  CLI::App* audit = app.add_subcommand(
      "audit", "Who read a child's record, or what a user read, from the access audit topic");
  audit->require_subcommand(1);
  CLI::App* audit_child = audit->add_subcommand(
      "child", "Who read this child's record, when, through which endpoint (and what listed it)");
  audit_child->add_option("id", audit_opts.child, "Child id")->required();
  audit_child->add_flag("--refusals", audit_opts.refusals, "Refused attempts too");
  CLI::App* audit_user =
      audit->add_subcommand("user", "Every call this user made, and its outcome");
  audit_user->add_option("id", audit_opts.user, "User id")->required();
  for (CLI::App* a : {audit_child, audit_user}) {
    a->add_option("--topic", audit_opts.topic, "Audit topic")->capture_default_str();
    a->add_option("--from", audit_opts.from, "From (YYYY-MM-DD or RFC 3339)");
    a->add_option("--to", audit_opts.to, "To, inclusive of a whole day (YYYY-MM-DD or RFC 3339)");
    a->add_flag("--json", audit_opts.json, "One JSON object per line");
    add_kafka(a);
  }

  ctl::IdpOptions idp;
  CLI::App* idp_cmd = app.add_subcommand(
      "idp", "A local identity provider for the demo and tests: keys, signed tokens, JWKS");
  idp_cmd->require_subcommand(1);
  CLI::App* idp_init = idp_cmd->add_subcommand("init", "Make a signing key and publish its JWKS");
  idp_init->add_option("--alg", idp.alg, "RS256 or ES256")
      ->check(CLI::IsMember({"RS256", "ES256"}))
      ->capture_default_str();
  idp_init->add_option("--kid", idp.kid, "Key id (default: from the time)");
  idp_init->add_flag("--rotate", idp.rotate, "Replace the key, keeping the old one published");
  CLI::App* idp_token = idp_cmd->add_subcommand("token", "Sign an access token (JWT)");
  idp_token->add_option("--sub", idp.subject, "User or system id")->required();
  idp_token->add_option("--role", idp.role, "Staff role, e.g. team_manager");
  idp_token->add_option("--team", idp.team, "Staff team");
  idp_token->add_option("--agency", idp.agency, "Partner agency, e.g. AGENCY_POLICE");
  idp_token->add_option("--ttl-minutes", idp.ttl_minutes, "Lifetime")
      ->check(CLI::Range(1, 24 * 60))
      ->capture_default_str();
  idp_token->add_option("--out", idp.out, "Write the token here (mode 0600); default stdout");
  CLI::App* idp_serve = idp_cmd->add_subcommand("serve", "Serve the JWKS on loopback");
  idp_serve->add_option("--port", idp.port, "Port (0: any)")->check(CLI::Range(0, 65535));
  idp_serve->add_option("--port-file", idp.port_file, "Write the bound port here");
  for (CLI::App* a : {idp_init, idp_token, idp_serve})
    a->add_option("--dir", idp.dir, "Key directory")->capture_default_str();
  for (CLI::App* a : {idp_token, idp_serve}) {
    a->add_option("--issuer", idp.issuer, "iss")->capture_default_str();
  }
  idp_token->add_option("--audience", idp.audience, "aud")->capture_default_str();

  ctl::CinCensusOptions census;
  CLI::App* returns = app.add_subcommand("returns", "Statutory returns built from the events");
  returns->require_subcommand(1);
  CLI::App* cin = returns->add_subcommand(
      "cin-census", "The DfE Children in Need census XML for a collection year (written 0600)");
  cin->add_option("--year", census.year, "Collection year, e.g. 2026-27")->required();
  cin->add_option("--la", census.la, "The DfE three-digit LA number")->required();
  auto* from_projector =
      cin->add_option("--projector", census.projector,
                      "The projector's base URL: the return is made there, as the token's "
                      "holder, and audited");
  cin->add_option("--token-file", census.token_file, "File holding the bearer token")
      ->envname("SIGHTLINE_TOKEN_FILE")
      ->needs(from_projector);
  auto* from_file = cin->add_option("--events", census.events_file,
                                    "Offline: recorded events (NDJSON) instead of the projector");
  from_projector->excludes(from_file);
  from_file->excludes(from_projector);
  cin->add_option("--out", census.out, "The census file to write")->required();
  cin->add_option("--calendar", census.calendar_file, "Bank holidays")->capture_default_str();
  cin->add_option("--serial-no", census.serial_no, "Header SerialNo")->capture_default_str();

  ctl::AnnexAOptions annex;
  CLI::App* annex_a = returns->add_subcommand(
      "annex-a", "Ofsted's Annex A lists for a period, as CSV files (written 0600)");
  annex_a->add_option("--from", annex.from, "First day of the period, YYYY-MM-DD")->required();
  annex_a->add_option("--to", annex.to, "Last day of the period, YYYY-MM-DD")->required();
  auto* annex_projector = annex_a->add_option(
      "--projector", annex.projector,
      "The projector's base URL: the lists are made there, as the token's holder, and audited");
  annex_a->add_option("--token-file", annex.token_file, "File holding the bearer token")
      ->envname("SIGHTLINE_TOKEN_FILE")
      ->needs(annex_projector);
  auto* annex_file = annex_a->add_option(
      "--events", annex.events_file, "Offline: recorded events (NDJSON) instead of the projector");
  annex_projector->excludes(annex_file);
  annex_file->excludes(annex_projector);
  annex_a->add_option("--out", annex.out, "Directory for list-1.csv ... list-11.csv")->required();

  ctl::ImportOptions import_opts;
  CLI::App* import_cmd =
      app.add_subcommand("import", "History in: past returns as imported events (NDJSON)");
  import_cmd->require_subcommand(1);
  CLI::App* import_cin = import_cmd->add_subcommand(
      "cin-census", "A CIN census XML return as events, marked imported (send them with emit)");
  import_cin->add_option("file", import_opts.file, "The CIN census XML")->required();
  import_cin->add_option("--out", import_opts.out, "The events file to write (mode 0600)")
      ->required();
  import_cin
      ->add_option("--actor", import_opts.actor,
                   "Your user id: each event records who imported it (as head of service)")
      ->required();

  CLI11_PARSE(app, argc, argv);
  // As the services: SIGHTLINE_KAFKA_PROPERTIES ("name=value;...", e.g. SASL credentials, kept
  // out of `ps`), then --kafka-property flags.
  if (Status s =
          kafka::ApplyKafkaOverrides({.env = env, .brokers_flag = "", .property_flags = props},
                                     kafka.brokers, kafka.properties);
      !s.ok()) {
    std::cerr << s.message() << "\n";
    return 1;
  }
  if (simulate->parsed()) return ctl::Simulate(sim);
  if (emit_cmd->parsed()) return ctl::Emit(emit);
  if (ensure->parsed()) return ctl::EnsureTopics(kafka, topics_opts);
  if (summary->parsed()) return ctl::Summary(kafka, summary_opts);
  if (check->parsed()) return ctl::CheckPolicy(backtest_opts.policy_file);
  if (backtest->parsed()) return ctl::Backtest(backtest_opts);
  if (audit->parsed()) return ctl::Audit(kafka, audit_opts);
  if (idp_init->parsed()) return ctl::IdpInit(idp);
  if (idp_token->parsed()) return ctl::IdpToken(idp);
  if (idp_serve->parsed()) return ctl::IdpServe(idp);
  if (cin->parsed()) return ctl::CinCensus(census);
  if (annex_a->parsed()) return ctl::AnnexA(annex);
  if (import_cin->parsed()) return ctl::ImportCinCensus(import_opts);
  return 1;
}
