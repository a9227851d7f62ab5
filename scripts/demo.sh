#!/usr/bin/env bash
# The demo: a fresh local broker, the topics, the gateway, then one simulated weekday of a large
# county's front door sent through the gateway, and a summary of what landed in Kafka, with one
# event decoded by protoc from the project's own .proto files. `scripts/demo.sh --down` stops it.
# State lives in var/demo and is reset on each run, so the summary shows this run only.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
state=var/demo
kafka_port=${KAFKA_PORT:-9092}
gateway_port=${GATEWAY_PORT:-8080}
bin=build/bin
brokers=127.0.0.1:$kafka_port

stop_all() {
  if [ -f "$state/gateway.pid" ] && kill -0 "$(cat "$state/gateway.pid")" 2>/dev/null; then
    kill -TERM "$(cat "$state/gateway.pid")" && echo "gateway: stopped"
  fi
  rm -f "$state/gateway.pid"
  scripts/kafka/broker.sh stop --dir "$state/kafka" >/dev/null 2>&1 || true
}
if [ "${1:-}" = "--down" ]; then
  stop_all
  echo "demo: stopped"
  exit 0
fi

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Fresh local Kafka broker (KRaft, one node) on $brokers"
stop_all
rm -rf "$state" && mkdir -p "$state"
scripts/kafka/broker.sh start --dir "$state/kafka" --port "$kafka_port"

step "Topics (deploy/topics.yaml)"
$bin/sightlinectl topics ensure --brokers "$brokers" --file deploy/topics.yaml

step "Gateway on http://127.0.0.1:$gateway_port"
$bin/sightline-gateway --config deploy/gateway.yaml --brokers "$brokers" \
  --http-port "$gateway_port" >"$state/gateway.log" 2>&1 &
echo $! >"$state/gateway.pid"
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$gateway_port/readyz" >/dev/null 2>&1 && break
  kill -0 "$(cat "$state/gateway.pid")" 2>/dev/null || { cat "$state/gateway.log"; exit 1; }
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$gateway_port/readyz"; echo

# The most recent complete weekday: events in the future would rightly be refused.
day=$(date -u -d yesterday +%F)
while [ "$(date -u -d "$day" +%u)" -gt 5 ]; do day=$(date -u -d "$day - 1 day" +%F); done
step "One simulated weekday ($day) of a large county's front door (seeded)"
$bin/sightlinectl simulate --seed 2026 --start "$day" --days 1 --contacts-per-day 120 \
  --out "$state/day.ndjson"

step "Sending it through the gateway (validated, acknowledged by Kafka)"
$bin/sightlinectl emit --file "$state/day.ndjson" --gateway "http://127.0.0.1:$gateway_port"

step "A bad event is refused with the field and the reason"
curl -sS -X POST "http://127.0.0.1:$gateway_port/v1/events" -H 'Content-Type: application/json' \
  -d '{"eventId":"demo-bad-1","occurredAt":"2026-11-23T09:00:00Z","actor":{"userId":"u1","role":"ROLE_MASH_PRACTITIONER"},"sourceAgency":"AGENCY_POLICE","refs":{"contactId":"c1"},"ragRated":{"rating":"RAG_RATING_UNSPECIFIED"}}'
echo

step "What landed in sightline.events.v1"
$bin/sightlinectl summary --brokers "$brokers" --samples 1

step "One message straight off the topic, decoded with protoc and proto/"
kcat -C -b "$brokers" -t sightline.events.v1 -p 0 -o 0 -c 1 -D '' -e -q |
  protoc -I proto --decode=sightline.events.v1.Envelope sightline/events/v1/envelope.proto

step "Done"
cat <<EOT
Gateway:  http://127.0.0.1:$gateway_port  (POST /v1/events, /healthz, /readyz, /metrics)
Kafka:    $brokers   (kcat -C -b $brokers -t sightline.events.v1)
Events:   $state/day.ndjson
Stop it:  make down
EOT
