#!/usr/bin/env bash
# Issue 13: Kafka with TLS, SCRAM users per service and the KRaft StandardAuthorizer. Starts its
# own broker from deploy/kafka/broker-sasl-ssl.properties.in (a CA made here with openssl),
# grants the ACLs of deploy/kafka/acls.sh, then shows that
#   - the gateway and the projector with their own credentials work end to end (202, applied);
#   - a wrong password, a user without ACLs and a plaintext client are refused;
#   - each service can do only what its ACLs say (the gateway cannot read events, the projector
#     cannot write them, nobody but the auditor reads the audit topic).
set -euo pipefail
src=${SIGHTLINE_SOURCE_DIR:?} bin=${SIGHTLINE_BIN_DIR:?}
work=$(mktemp -d /tmp/sightline-kafka-acl-XXXXXX)
libs=${SIGHTLINE_KAFKA_LIBS:-$src/.cache/kafka-libs}
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  # Whatever has not stopped within 20 s (a broker mid-shutdown, say) is killed.
  for _ in $(seq 1 40); do
    alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.5
  done
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  # The work directory (logs) is kept when the test failed.
  [ "${passed:-0}" = 1 ] && rm -rf "$work"
  return 0
}
trap cleanup EXIT
fail() { echo "FAIL: $*; logs in $work" >&2; exit 1; }
# Waits (up to 60 s: a loaded CI machine is slow to start a JVM and a TLS session) for a service's
# port file; fails with its log when the service has died or never answered.
wait_port() {  # port-file log pid
  for _ in $(seq 1 600); do
    [ -s "$1" ] && return 0
    kill -0 "$3" 2>/dev/null || break
    sleep 0.1
  done
  tail -20 "$2" >&2
  fail "no port in $1"
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
"$src/scripts/kafka/fetch.sh" >/dev/null
"$src/tests/support/make-test-pki.sh" "$work/pki"
cat "$work/pki/server.key" "$work/pki/server.pem" >"$work/pki/broker-keystore.pem"
chmod 600 "$work/pki/broker-keystore.pem"
port=$(free_port) cport=$(free_port)
declare -A pw
for u in admin gateway projector watchdog notifier auditor intruder; do
  pw[$u]=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
done
sed -e "s|@PORT@|$port|g; s|@CPORT@|$cport|g; s|@DATA@|$work/data|g; s|@PKI@|$work/pki|g" \
  -e "s|@ADMIN_PASSWORD@|${pw[admin]}|g" "$src/deploy/kafka/broker-sasl-ssl.properties.in" \
  >"$work/server.properties"
java_opts=(-Xmx512m -Xms256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1
  -Dlog4j.configuration="file:$src/scripts/kafka/log4j.properties" -Dkafka.logs.dir="$work/logs")
scram=()
for u in "${!pw[@]}"; do scram+=(--add-scram "SCRAM-SHA-512=[name=$u,password=${pw[$u]}]"); done
java -cp "$libs/*" "${java_opts[@]}" kafka.tools.StorageTool format \
  -t "$(java -cp "$libs/*" "${java_opts[@]}" kafka.tools.StorageTool random-uuid)" \
  -c "$work/server.properties" "${scram[@]}" >"$work/format.log" 2>&1
java -cp "$libs/*" "${java_opts[@]}" kafka.Kafka "$work/server.properties" >"$work/broker.log" 2>&1 &
pids+=($!)
brokers="127.0.0.1:$port"
# librdkafka settings of user $1 (password $2 by default its own).
props() { echo "security.protocol=sasl_ssl;sasl.mechanisms=SCRAM-SHA-512;sasl.username=$1;sasl.password=${2:-${pw[$1]}};ssl.ca.location=$work/pki/ca.pem"; }
kc() {  # kcat as user $1 (then kcat arguments)
  local user=$1; shift
  kcat -b "$brokers" -X security.protocol=sasl_ssl -X sasl.mechanisms=SCRAM-SHA-512 \
    -X sasl.username="$user" -X sasl.password="${pw[$user]}" -X ssl.ca.location="$work/pki/ca.pem" "$@"
}
for _ in $(seq 1 120); do kc admin -L -m 2 2>/dev/null | grep -q ' 1 brokers:' && break; sleep 1; done
kc admin -L -m 2 | grep -q ' 1 brokers:' || { tail -30 "$work/broker.log"; fail "secure broker did not start"; }
cat >"$work/admin.properties" <<EOT
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${pw[admin]}";
ssl.truststore.type=PEM
ssl.truststore.location=$work/pki/ca.pem
EOT
"$src/deploy/kafka/acls.sh" "$brokers" "$work/admin.properties" "$libs"
cat >"$work/topics.yaml" <<EOT
topics:
  - {name: sightline.events.v1, partitions: 3, replication_factor: 1}
  - {name: sightline.dlq.v1, partitions: 1, replication_factor: 1}
  - {name: sightline.audit.v1, partitions: 1, replication_factor: 1}
  - {name: sightline.alerts.v1, partitions: 3, replication_factor: 1}
EOT
SIGHTLINE_KAFKA_PROPERTIES=$(props admin) "$bin/sightlinectl" topics ensure --brokers "$brokers" \
  --file "$work/topics.yaml" >/dev/null
echo "secure broker on $brokers with ACLs; topics created"

# A gateway with the gateway's credentials: an event is acknowledged.
token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
start_gateway() {  # name, kafka properties; sets `url` (not in a subshell: pids must be kept)
  cat >"$work/$1.yaml" <<EOT
http: {port: 0}
kafka: {brokers: "$brokers", produce_timeout_ms: 5000}
store: {data_dir: "$work/$1-ids"}
heartbeat: {interval_seconds: 0}
auth: {tokens: [{id: cms-bridge, relay: true, token_sha256: $(printf %s "$token" | sha256sum | cut -d' ' -f1)}]}
EOT
  SIGHTLINE_KAFKA_PROPERTIES=$2 "$bin/sightline-gateway" --config "$work/$1.yaml" \
    --port-file "$work/$1.port" >"$work/$1.log" 2>&1 &
  pids+=($!)
  wait_port "$work/$1.port" "$work/$1.log" $!
  url="http://127.0.0.1:$(cat "$work/$1.port")"
}
post() {  # url, event id -> HTTP status
  curl -sS -o "$work/last.json" -w '%{http_code}' -X POST "$1/v1/events" \
    -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"eventId":"'"$2"'","childId":"acl-child-1","occurredAt":"2026-11-20T09:00:00Z","actor":{"userId":"mash-1","role":"ROLE_MASH_PRACTITIONER","teamId":"mash"},"sourceAgency":"AGENCY_POLICE","refs":{"contactId":"c-'"$2"'"},"contactReceived":{"source":"AGENCY_POLICE","concerns":["CONCERN_CATEGORY_NEGLECT"]}}'
}
start_gateway gw-ok "$(props gateway)"
gw=$url
status=$(post "$gw" acl-ev-1)
[ "$status" = 202 ] || fail "gateway with its own credentials: $status $(cat "$work/last.json")"
echo "ok: the gateway with its credentials writes (202)"

# A wrong password, and a valid user without ACLs: nothing is acknowledged (503), nothing written.
start_gateway gw-badpw "$(props gateway not-the-password)"
gw_bad=$url
status=$(post "$gw_bad" acl-ev-2)
[ "$status" = 503 ] || fail "gateway with a wrong password: $status"
grep -qi "authentication" "$work/gw-badpw.log" "$work/last.json" || fail "no authentication failure reported"
echo "ok: a wrong password is refused (503; the log says authentication failed)"
start_gateway gw-intruder "$(props intruder)"
gw_intruder=$url
status=$(post "$gw_intruder" acl-ev-3)
[ "$status" = 503 ] || fail "a user without ACLs: $status"
grep -qi "authoriz" "$work/last.json" "$work/gw-intruder.log" || fail "no authorisation failure reported"
echo "ok: a user without ACLs is refused (503, topic authorisation failed)"

# Plaintext against the TLS listener: no metadata at all.
if kcat -b "$brokers" -L -m 5 >/dev/null 2>&1; then fail "a plaintext client got metadata"; fi
echo "ok: a plaintext client gets nothing"

# Each service only what its ACLs say.
kc gateway -C -t sightline.events.v1 -o beginning -e -q >"$work/gw-read.out" 2>&1 && fail "the gateway read events"
grep -qi "authoriz" "$work/gw-read.out" || fail "gateway read: $(cat "$work/gw-read.out")"
echo "ok: the gateway may not read events"
echo '{}' | kc projector -P -t sightline.events.v1 >"$work/pr-write.out" 2>&1 || true
grep -qi "authoriz" "$work/pr-write.out" || fail "the projector wrote events: $(cat "$work/pr-write.out")"
echo "ok: the projector may not write events"
kc projector -C -t sightline.audit.v1 -o beginning -e -q >"$work/pr-audit.out" 2>&1 && fail "the projector read the audit topic"
grep -qi "authoriz" "$work/pr-audit.out" || fail "projector audit read: $(cat "$work/pr-audit.out")"
kc auditor -C -t sightline.audit.v1 -o beginning -e -q >"$work/aud.out" 2>&1 ||
  fail "the auditor could not read the audit topic: $(cat "$work/aud.out")"
echo "ok: the auditor reads the audit topic, the projector may not"

# The projector with its own credentials applies the event written above.
cat >"$work/projector.yaml" <<EOT
http: {port: 0, web_root: "$src/web"}
kafka: {brokers: "$brokers"}
store: {data_dir: "$work/projector"}
apply: {ready_max_lag: 0}
clocks: {calendar_file: "$src/deploy/calendar/england-and-wales.txt"}
EOT
SIGHTLINE_KAFKA_PROPERTIES=$(props projector) "$bin/sightline-projector" --config "$work/projector.yaml" \
  --port-file "$work/pr.port" >"$work/projector.log" 2>&1 &
pids+=($!)
wait_port "$work/pr.port" "$work/projector.log" $!
pr="http://127.0.0.1:$(cat "$work/pr.port")"
applied=0
for _ in $(seq 1 300); do
  applied=$(curl -fsS "$pr/readyz" 2>/dev/null | python3 -c 'import json,sys; print(sum(p["applied_next"] for p in json.load(sys.stdin)["partitions"]))' 2>/dev/null || echo 0)
  [ "$applied" -ge 1 ] && break
  sleep 0.2
done
[ "$applied" -ge 1 ] || fail "the projector applied nothing; see $work/projector.log"
echo "ok: the projector with its credentials reads events ($applied applied)"
passed=1
echo "kafka ACL test passed in ${SECONDS} s"
