#!/usr/bin/env bash
# The demo: a fresh local broker, the topics, the gateway and the projector; the last simulated
# week of a large county's front door sent through the gateway; then the triage queue, the line
# of sight and an access refusal from the triage API; the watchdog's alerts; the notifier taking
# them to a real local Alertmanager and a PagerDuty-shaped webhook; a second watchdog standing by
# and taking over when the first is SIGKILLed (ADR 0022); what landed in Kafka, and one event
# decoded by protoc from the project's own .proto files. `scripts/demo.sh --down` stops it.
# State lives in var/demo and is reset on each run, so the summary shows this run only.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
state=var/demo
kafka_port=${KAFKA_PORT:-9092}
gateway_port=${GATEWAY_PORT:-8080}
projector_port=${PROJECTOR_PORT:-8081}
watchdog_port=${WATCHDOG_PORT:-8082}
standby_port=${STANDBY_WATCHDOG_PORT:-8084}
notifier_port=${NOTIFIER_PORT:-8083}
alertmanager_port=${ALERTMANAGER_PORT:-9095}
webhook_port=${WEBHOOK_PORT:-9096}
idp_port=${IDP_PORT:-8090}
bin=build/bin
brokers=127.0.0.1:$kafka_port

stop_all() {
  for svc in notifier webhook alertmanager watchdog standby projector gateway idp; do
    if [ -f "$state/$svc.pid" ] && kill -0 "$(cat "$state/$svc.pid")" 2>/dev/null; then
      kill -TERM "$(cat "$state/$svc.pid")" && echo "$svc: stopped"
    fi
    rm -f "$state/$svc.pid"
  done
  scripts/kafka/broker.sh stop --dir "$state/kafka" >/dev/null 2>&1 || true
}
if [ "${1:-}" = "--down" ]; then
  stop_all
  echo "demo: stopped"
  exit 0
fi

# Waits until the service answers `url` (up to 60 s); shows its log and fails if it died.
wait_ready() {  # name url
  for _ in $(seq 1 300); do
    curl -fsS "$2" >/dev/null 2>&1 && return 0
    kill -0 "$(cat "$state/$1.pid")" 2>/dev/null || { cat "$state/$1.log"; exit 1; }
    sleep 0.2
  done
  echo "$1 did not become ready; see $state/$1.log"
  exit 1
}
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Fresh local Kafka broker (KRaft, one node) on $brokers"
stop_all
rm -rf "$state" && mkdir -p "$state"
scripts/kafka/broker.sh start --dir "$state/kafka" --port "$kafka_port"

step "Topics (deploy/topics.yaml)"
$bin/sightlinectl topics ensure --brokers "$brokers" --file deploy/topics.yaml

step "Identity provider on http://127.0.0.1:$idp_port (sightlinectl idp, standing in for the council's)"
# Staff sign in with access tokens (JWTs) this provider signs; the services fetch its public keys
# from the JWKS URL. System clients (the case-management relay, monitoring) keep static tokens.
$bin/sightlinectl idp init --dir "$state/idp"
$bin/sightlinectl idp serve --dir "$state/idp" --port "$idp_port" >"$state/idp.log" 2>&1 &
echo $! >"$state/idp.pid"
wait_ready idp "http://127.0.0.1:$idp_port/jwks.json"
jwt_block="  jwt: {issuer: \"https://idp.sightline.local\", audience: sightline, jwks_url: \"http://127.0.0.1:$idp_port/jwks.json\"}"
issue_token() {  # user role team -> an 8-hour access token, also kept in $state/tokens/<user>.jwt (0600)
  mkdir -p "$state/tokens"
  $bin/sightlinectl idp token --dir "$state/idp" --sub "$1" --role "$2" --team "$3" \
    --out "$state/tokens/$1.jwt"
  cat "$state/tokens/$1.jwt"
}

step "Gateway on http://127.0.0.1:$gateway_port"
# Who may write: a relay (the simulated county's case-management bridge, which records for the
# staff it names) and a MASH practitioner. Only SHA-256 sums go to the gateway; every secret file
# is mode 0600.
umask 077
relay_token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$relay_token" >"$state/relay.token"
cat >"$state/gateway-tokens.yaml" <<EOT
tokens:
  - {id: cms-bridge, relay: true, token_sha256: $(printf %s "$relay_token" | sha256sum | cut -d' ' -f1)}
EOT
gw_mash_token=$(issue_token mash-pr1 mash_practitioner mash)
umask 022
sed "s|^  tokens_file: .*|&\n$jwt_block|" deploy/gateway.yaml >"$state/gateway.yaml"
$bin/sightline-gateway --config "$state/gateway.yaml" --brokers "$brokers" \
  --http-port "$gateway_port" --auth-tokens-file "$state/gateway-tokens.yaml" \
  --data-dir "$state/gateway" \
  >"$state/gateway.log" 2>&1 &
echo $! >"$state/gateway.pid"
wait_ready gateway "http://127.0.0.1:$gateway_port/readyz"
curl -fsS "http://127.0.0.1:$gateway_port/readyz"; echo

# The most recent complete weekday: events in the future would rightly be refused.
day=$(date -u -d yesterday +%F)
while [ "$(date -u -d "$day" +%u)" -gt 5 ]; do day=$(date -u -d "$day - 1 day" +%F); done
start=$(date -u -d "$day - 6 days" +%F)
step "The last simulated week ($start to $day) of a large county's front door (seeded)"
$bin/sightlinectl simulate --seed 2026 --start "$start" --days 7 --contacts-per-day 120 \
  --out "$state/day.ndjson"

step "Sending it through the gateway (validated, acknowledged by Kafka)"
$bin/sightlinectl emit --file "$state/day.ndjson" --gateway "http://127.0.0.1:$gateway_port" \
  --token-file "$state/relay.token"

step "Without a credential nothing is written (401), and the refusal is audited"
curl -sS -X POST "http://127.0.0.1:$gateway_port/v1/events" -H 'Content-Type: application/json' \
  -d '{"eventId":"demo-anon-1"}'
echo
step "A MASH practitioner may not allocate a case, nor write as someone else (403, audited)"
curl -sS -X POST "http://127.0.0.1:$gateway_port/v1/events" -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $gw_mash_token" \
  -d '{"eventId":"demo-alloc-1","childId":"c-1","occurredAt":"2026-11-23T09:00:00Z","refs":{"referralId":"r1"},"caseAllocated":{"teamId":"mash"}}'
echo
curl -sS -X POST "http://127.0.0.1:$gateway_port/v1/events" -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $gw_mash_token" \
  -d '{"eventId":"demo-as-1","childId":"c-1","occurredAt":"2026-11-23T09:00:00Z","actor":{"userId":"team-1-tm1"},"refs":{"contactId":"c1"},"ragRated":{"rating":"RAG_RATING_RED"}}'
echo
step "A bad event is refused with the field and the reason"
curl -sS -X POST "http://127.0.0.1:$gateway_port/v1/events" -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $gw_mash_token" \
  -d '{"eventId":"demo-bad-1","occurredAt":"2026-11-23T09:00:00Z","sourceAgency":"AGENCY_POLICE","refs":{"contactId":"c1"},"ragRated":{"rating":"RAG_RATING_UNSPECIFIED"}}'
echo

step "Projector on http://127.0.0.1:$projector_port (RocksDB projections + triage API)"
# Demo users, one per role, signed in by the identity provider (tokens.txt and tokens/ are 0600).
(umask 077 && : >"$state/tokens.txt")
for spec in mash-pr1:mash_practitioner:mash team-1-tm1:team_manager:team-1 \
            svc-mgr1:service_manager:childrens-services hos1:head_of_service:childrens-services \
            qa-aud1:auditor:qa; do
  IFS=: read -r id role team <<<"$spec"
  echo "$id $role $(issue_token "$id" "$role" "$team")" >>"$state/tokens.txt"
done
{ sed "s|^  url: \"\" .*|  url: http://127.0.0.1:$gateway_port|" deploy/projector.yaml
  printf 'auth:\n%s\n' "$jwt_block"; } >"$state/projector.yaml"
$bin/sightline-projector --config "$state/projector.yaml" --brokers "$brokers" \
  --http-port "$projector_port" --data-dir "$state/projector" >"$state/projector.log" 2>&1 &
echo $! >"$state/projector.pid"
wait_ready projector "http://127.0.0.1:$projector_port/readyz"
curl -sS "http://127.0.0.1:$projector_port/readyz" | head -c 300; echo
mgr_token=$(awk '$2=="service_manager"{print $3}' "$state/tokens.txt")
mash_token=$(awk '$2=="mash_practitioner"{print $3}' "$state/tokens.txt")

step "The triage queue, most urgent first (as the MASH practitioner sees it)"
curl -fsS -H "Authorization: Bearer $mash_token" "http://127.0.0.1:$projector_port/v1/queue?limit=8" |
  python3 scripts/demo_show.py queue

step "Line of sight (as the service manager sees it)"
curl -fsS -H "Authorization: Bearer $mgr_token" "http://127.0.0.1:$projector_port/v1/line-of-sight" |
  python3 scripts/demo_show.py line-of-sight

step "A practitioner without a need to know is refused (and the refusal is audited)"
other=$(grep '"case_allocated"' "$state/day.ndjson" | tail -1 | grep -o '"child_id":"[^"]*"' | cut -d'"' -f4)
echo "MASH practitioner asks for $other (allocated to a locality team):"
curl -sS -H "Authorization: Bearer $mash_token" "http://127.0.0.1:$projector_port/v1/children/$other"; echo
echo "No token at all:"
curl -sS "http://127.0.0.1:$projector_port/v1/queue"; echo

step "Watchdog on http://127.0.0.1:$watchdog_port (statutory clocks, deploy/watchdog-policy.yaml)"
# The operational APIs (watchdog, notifier) take an on-call service manager's token.
umask 077
ops_token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$ops_token" >"$state/ops.token"
cat >"$state/ops-tokens.yaml" <<EOT
tokens:
  - {id: svc-mgr1, role: service_manager, team: childrens-services, token_sha256: $(printf %s "$ops_token" | sha256sum | cut -d' ' -f1)}
EOT
umask 022
ops_auth="Authorization: Bearer $ops_token"
# With the lease (ADR 0022), so that a second watchdog can stand by later in the demo.
sed -e 's|^  lease_topic: ""|  lease_topic: sightline.leases.v1|' \
  -e 's|^  lease_session_timeout_ms: 10000|  lease_session_timeout_ms: 6000|' \
  deploy/watchdog.yaml >"$state/watchdog.yaml"
$bin/sightline-watchdog --config "$state/watchdog.yaml" --brokers "$brokers" \
  --http-port "$watchdog_port" --data-dir "$state/watchdog" \
  --auth-tokens-file "$state/ops-tokens.yaml" >"$state/watchdog.log" 2>&1 &
echo $! >"$state/watchdog.pid"
wait_ready watchdog "http://127.0.0.1:$watchdog_port/readyz"
# Its first caught-up tick fires every clock that is overdue now, with the ladder it has climbed.
for _ in $(seq 1 100); do
  pending=$(curl -fsS -H "$ops_auth" "http://127.0.0.1:$watchdog_port/v1/status" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(1 if j["horizon"] == "" or j["outbox_pending"] else 0)')
  [ "$pending" = 0 ] && break
  sleep 0.2
done
curl -fsS -H "$ops_auth" "http://127.0.0.1:$watchdog_port/v1/alerts" | python3 scripts/demo_show.py alerts

step "Alert lifecycle events on sightline.alerts.v1 (one decoded with protoc)"
kcat -C -b "$brokers" -t sightline.alerts.v1 -p 0 -o 0 -c 1 -D '' -e -q |
  protoc -I proto --decode=sightline.alerts.v1.AlertEvent sightline/alerts/v1/alerts.proto

step "On-call: the notifier takes the alerts to Alertmanager (:$alertmanager_port) and a webhook (:$webhook_port)"
prometheus-alertmanager --config.file=deploy/alertmanager/alertmanager.yml \
  --storage.path="$state/alertmanager" --web.listen-address="127.0.0.1:$alertmanager_port" \
  --cluster.listen-address= >"$state/alertmanager.log" 2>&1 &
echo $! >"$state/alertmanager.pid"
wait_ready alertmanager "http://127.0.0.1:$alertmanager_port/-/ready"
python3 scripts/demo_webhook.py "$webhook_port" "$state/webhook.jsonl" >"$state/webhook.log" 2>&1 &
echo $! >"$state/webhook.pid"
wait_ready webhook "http://127.0.0.1:$webhook_port/"
sed -e "s#127.0.0.1:9095#127.0.0.1:$alertmanager_port#" -e "s#127.0.0.1:9096#127.0.0.1:$webhook_port#" \
  -e "s#http://127.0.0.1:8081/app#http://127.0.0.1:$projector_port/app#" deploy/notifier.yaml \
  >"$state/notifier.yaml"
$bin/sightline-notifier --config "$state/notifier.yaml" --brokers "$brokers" \
  --http-port "$notifier_port" --data-dir "$state/notifier" \
  --auth-tokens-file "$state/ops-tokens.yaml" >"$state/notifier.log" 2>&1 &
echo $! >"$state/notifier.pid"
wait_ready notifier "http://127.0.0.1:$notifier_port/readyz"
# Until every alert event is consumed and nothing waits for a receiver (twice in a row: the
# status is refreshed a few times a second).
settled=0
for _ in $(seq 1 300); do
  waiting=$(curl -fsS -H "$ops_auth" "http://127.0.0.1:$notifier_port/v1/status" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(sum(r["waiting"] for r in j["receivers"]) + sum(p["high_watermark"] < 0 or p["applied_next"] < p["high_watermark"] for p in j["partitions"]) + (not j["partitions"]))')
  if [ "$waiting" = 0 ]; then settled=$((settled + 1)); else settled=0; fi
  [ "$settled" -ge 2 ] && break
  sleep 0.3
done
curl -fsS "http://127.0.0.1:$alertmanager_port/api/v2/alerts?active=true" | python3 scripts/demo_show.py alertmanager
python3 scripts/demo_show.py webhook <"$state/webhook.jsonl"

step "The alerts panel of the triage screen (GET /v1/alerts), as the service manager sees it"
for _ in $(seq 1 50); do  # The projector's alert board follows the alerts topic.
  n=$(curl -fsS -H "Authorization: Bearer $mgr_token" "http://127.0.0.1:$projector_port/v1/alerts" |
      python3 -c 'import json,sys; print(len(json.load(sys.stdin)["alerts"]))')
  [ "$n" -gt 0 ] && break
  sleep 0.2
done
curl -fsS -H "Authorization: Bearer $mgr_token" "http://127.0.0.1:$projector_port/v1/alerts" \
  >"$state/alerts.json"
python3 - "$state/alerts.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
print(f"{len(b['alerts'])} open alerts; {b['hidden']} more about children this manager may not read")
for rule, levels in sorted(b["by_rule_level"].items()):
    print(f"  {rule}: " + ", ".join(f"{n} at {l}" for l, n in sorted(levels.items())))
for a in b["alerts"][:5]:
    pages = ",".join(a.get("paged_roles", []))
    print(f"  due {a['due_at'][:16]}  {a['child_id']:<16} {a['rule_id']:<24} L{a['level']} {a['state']:<12} pages {pages}")
PY
echo "(open http://127.0.0.1:$projector_port/app/#alerts with a manager's token to acknowledge from the screen)"

step "Policy backtest: what the rules would have emitted over the same week, in simulated time"
$bin/sightlinectl policy backtest --events "$state/day.ndjson" --until "$(date -u +%F)" --tick 5m \
  --round-the-clock --pages-from "$start" --pages-file "$state/pages-before.txt" >/dev/null 2>&1
$bin/sightlinectl policy backtest --events "$state/day.ndjson" --until "$(date -u +%F)" --tick 5m \
  --pages-from "$start" --pages-file "$state/pages-after.txt" \
  >"$state/backtest.jsonl" 2>"$state/backtest.log"
echo "(every alert event as JSON lines in $state/backtest.jsonl)"
echo
echo "Before: every rule paging around the clock, waits in calendar time, up to the director"
cat "$state/pages-before.txt"
echo
echo "After: urgent rules around the clock (out of hours to the emergency duty team and the on-call"
echo "manager of the rota); the rest only in working hours, overnight ones at the team's opening"
cat "$state/pages-after.txt"
# The promise of ADR 0010, checked on the demo's own week.
grep -q "not urgent, out of hours: 0$" "$state/pages-after.txt" ||
  { echo "demo: a rule that is not urgent paged out of hours" >&2; exit 1; }
awk '$1 == "director" && $2 != $5 { bad = 1 } END { exit bad }' "$state/pages-after.txt" ||
  { echo "demo: the director was paged for a rule that is not urgent" >&2; exit 1; }

step "Who read what: sightlinectl audit, from sightline.audit.v1"
curl -fsS -H "Authorization: Bearer $mgr_token" "http://127.0.0.1:$projector_port/v1/children/$other" >/dev/null
echo "Who read child $other (granted and refused):"
$bin/sightlinectl audit child "$other" --refusals --brokers "$brokers"
echo "What the MASH practitioner read:"
$bin/sightlinectl audit user mash-pr1 --brokers "$brokers" | head -8

step "Statutory returns: the CIN census and Annex A, made by the projector as the head of service"
# The collection year that holds the simulated week (1 April to 31 March).
y=${day%%-*} m=${day#*-}; m=${m%%-*}
[ "$((10#$m))" -ge 4 ] || y=$((y - 1))
year="$y-$(printf %02d $(((y + 1) % 100)))"
$bin/sightlinectl returns cin-census --projector "http://127.0.0.1:$projector_port" \
  --token-file "$state/tokens/hos1.jwt" --year "$year" --la 886 --out "$state/cin-census-$year.xml"
$bin/sightlinectl returns annex-a --projector "http://127.0.0.1:$projector_port" \
  --token-file "$state/tokens/hos1.jwt" --from "$start" --to "$day" --out "$state/annex-a"
echo "The service manager may not make a return (it names every child, restricted ones too):"
$bin/sightlinectl returns cin-census --projector "http://127.0.0.1:$projector_port" \
  --token-file "$state/tokens/svc-mgr1.jwt" --year "$year" --la 886 \
  --out "$state/refused.xml" 2>&1 | head -c 300 || true
echo

step "Data minimisation: the watchdog and notifier keep no child's name (strings and ldb over their stores)"
scripts/check-minimisation.sh --events "$state/day.ndjson" \
  --none-in "$state/watchdog" --none-in "$state/notifier" --some-in "$state/projector"

step "Failover: a second watchdog stands by; the first is SIGKILLed and the standby takes over"
alert_events() {  # Alert events on sightline.alerts.v1
  kcat -Q -b "$brokers" $(for p in 0 1 2 3 4 5; do printf -- '-t sightline.alerts.v1:%s:-1 ' "$p"; done) |
    awk '{s += $NF} END {print s + 0}'
}
lease_of() { curl -fsS -H "$ops_auth" "http://127.0.0.1:$1/v1/status" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["lease"], j["takeovers"], j["horizon"])'; }
$bin/sightline-watchdog --config "$state/watchdog.yaml" --brokers "$brokers" \
  --http-port "$standby_port" --data-dir "$state/standby" \
  --auth-tokens-file "$state/ops-tokens.yaml" >"$state/standby.log" 2>&1 &
echo $! >"$state/standby.pid"
wait_ready standby "http://127.0.0.1:$standby_port/readyz"
echo "first watchdog (:$watchdog_port): $(lease_of "$watchdog_port" | cut -d' ' -f1); second (:$standby_port): $(lease_of "$standby_port" | cut -d' ' -f1), its store filled from the topic"
before=$(alert_events)
{ kill -KILL "$(cat "$state/watchdog.pid")" && wait "$(cat "$state/watchdog.pid")"; } 2>/dev/null || true
rm -f "$state/watchdog.pid"
killed=$(date +%s.%N)
for _ in $(seq 1 300); do
  read -r lease takeovers horizon <<<"$(lease_of "$standby_port")"
  [ "$lease" = held ] && [ "$takeovers" = 1 ] && [ -n "$horizon" ] && break
  sleep 0.1
done
[ "$lease" = held ] || { echo "demo: the standby did not take over; see $state/standby.log" >&2; exit 1; }
echo "SIGKILLed the first; the second holds the lease and ticked at $horizon," \
  "$(python3 -c "import sys, time; print(f'{time.time() - float(sys.argv[1]):.1f}')" "$killed") s later"
echo "alert events on sightline.alerts.v1: $before before the kill, $(alert_events) now" \
  "(it read what the first had sent and sends only what is missing)"
grep 'holding the lease' "$state/standby.log" | tail -1
watchdog_port=$standby_port

step "What landed in sightline.events.v1"
$bin/sightlinectl summary --brokers "$brokers" --samples 1

step "One message straight off the topic, decoded with protoc and proto/"
# Offset 1: offset 0 may be the gateway's first pipeline heartbeat.
kcat -C -b "$brokers" -t sightline.events.v1 -p 0 -o 1 -c 1 -D '' -e -q |
  protoc -I proto --decode=sightline.events.v1.Envelope sightline/events/v1/envelope.proto

step "Done"
cat <<EOT
Triage screen (service manager): http://127.0.0.1:$projector_port/app/#token=$mgr_token
Triage screen (MASH practitioner): http://127.0.0.1:$projector_port/app/#token=$mash_token
Other demo users and tokens: $state/tokens.txt
Triage API: http://127.0.0.1:$projector_port/v1/queue (docs/api/openapi.yaml), /readyz, /metrics
On-call alerts in Alertmanager: http://127.0.0.1:$alertmanager_port/#/alerts (grouped by team)
PagerDuty-shaped webhook events: $state/webhook.jsonl
Notifier: http://127.0.0.1:$notifier_port/v1/status, /metrics
Watchdog: http://127.0.0.1:$watchdog_port/v1/alerts, /v1/children/{id}/clocks, /v1/status, /metrics
          (/v1 needs: -H "Authorization: Bearer \$(cat $state/ops.token)")
Gateway:  http://127.0.0.1:$gateway_port  (POST /v1/events, /healthz, /readyz, /metrics)
Kafka:    $brokers   (kcat -C -b $brokers -t sightline.events.v1)
Events:   $state/day.ndjson
Returns:  $state/cin-census-$year.xml, $state/annex-a/ (mode 0600; docs/returns.md)
Stop it:  make down
EOT
