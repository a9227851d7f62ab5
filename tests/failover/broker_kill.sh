#!/usr/bin/env bash
# Issue 17: a broker dies under load. A three-node KRaft cluster of its own (scripts/kafka/
# cluster.sh; topics with replication factor 3 and min.insync.replicas 2); four clients send
# about 100,000 events through one gateway at once; the node leading most of the events topic's
# partitions is SIGKILLed mid-way and started again. Every event the gateway answered 202 must be
# on the topic exactly once, and what it could not get acknowledged must have been answered 503
# (the clients resend those), so in the end every event is there once and the 503s are counted.
set -euo pipefail
src=${SIGHTLINE_SOURCE_DIR:?} bin=${SIGHTLINE_BIN_DIR:?}
work=$(mktemp -d /tmp/sightline-broker-kill-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$src/scripts/kafka/cluster.sh" stop --dir "$work/kafka" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
cluster() { "$src/scripts/kafka/cluster.sh" "$@" --dir "$work/kafka"; }

cluster start
brokers=$(cluster bootstrap)
topic=failover.events
cat >"$work/topics.yaml" <<EOT
topics:
  - {name: $topic, partitions: 6, replication_factor: 1}
  - {name: $topic.audit, partitions: 1, replication_factor: 1}
EOT
"$bin/sightlinectl" topics ensure --brokers "$brokers" --file "$work/topics.yaml" \
  --replication-factor 3 --min-insync-replicas 2

token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
(umask 077 && printf '%s\n' "$token" >"$work/relay.token")
cat >"$work/gateway.yaml" <<EOT
http: {port: 0, threads: 8}
kafka: {brokers: "$brokers", topic: $topic, audit_topic: $topic.audit, produce_timeout_ms: 10000}
store: {data_dir: "$work/gateway-ids"}
heartbeat: {interval_seconds: 0}
auth:
  tokens:
    - {id: feed, relay: true, token_sha256: $(printf %s "$token" | sha256sum | cut -d' ' -f1)}
EOT
"$bin/sightline-gateway" --config "$work/gateway.yaml" --port-file "$work/gw.port" \
  >"$work/gateway.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$work/gw.port" ] && break; sleep 0.1; done
gw="http://127.0.0.1:$(cat "$work/gw.port")"

"$bin/sightlinectl" simulate --seed 17 --start "$(date -u -d '60 days ago' +%F)" --days 48 \
  --contacts-per-day 200 --id-prefix bk --out "$work/all.ndjson" 2>/dev/null
total=$(wc -l <"$work/all.ndjson")
split -n l/4 -d "$work/all.ndjson" "$work/client."

# Four clients at once, two requests in flight each, resending what is answered 503.
clients=()
for f in "$work"/client.0*; do
  "$bin/sightlinectl" emit --file "$f" --gateway "$gw" --token-file "$work/relay.token" \
    --batch 250 --in-flight 2 --retries 30 >"$f.out" 2>"$f.err" &
  clients+=($!)
done

# The node that leads most of the topic's partitions, once a quarter of the events are in.
leader=$(kcat -L -b "$brokers" -t "$topic" |
  sed -n 's/.*partition [0-9]*, leader \([0-9]*\),.*/\1/p' | sort | uniq -c | sort -rn |
  head -1 | awk '{print $2}')
offsets() {  # Records on the topic (0 when the cluster cannot say)
  { timeout 10 kcat -Q -b "$brokers" $(for p in 0 1 2 3 4 5; do printf -- '-t %s:%s:-1 ' "$topic" "$p"; done) 2>/dev/null || true; } |
    awk '{s += $NF} END {print s + 0}'
}
for _ in $(seq 1 600); do [ "$(offsets)" -ge $((total / 4)) ] && break; sleep 0.05; done
at_kill=$(offsets)
cluster kill --node "$leader"
running=0
for c in "${clients[@]}"; do kill -0 "$c" 2>/dev/null && running=$((running + 1)); done
sleep 5
cluster restart --node "$leader" >/dev/null

failed=0
for c in "${clients[@]}"; do wait "$c" || failed=$((failed + 1)); done
cat "$work"/client.0*.err | sort | uniq -c | sort -rn | head -5 || true
[ "$failed" = 0 ] || { echo "broker_kill: $failed client(s) gave up" >&2; tail -n 20 "$work/gateway.log" >&2; exit 1; }

# Then a quorum lost: two nodes down, so no write can reach min.insync.replicas. The gateway must
# answer 503 (never 202) until they are back; the client resends and everything arrives once.
"$bin/sightlinectl" simulate --seed 18 --start "$(date -u -d '9 days ago' +%F)" --days 2 \
  --contacts-per-day 200 --id-prefix bq --out "$work/quorum.ndjson" 2>/dev/null
extra=$(wc -l <"$work/quorum.ndjson")
total=$((total + extra))
curl -fsS "$gw/metrics" >"$work/metrics-before-quorum.txt"
down=$(( leader % 3 + 1 ))
cluster kill --node "$leader"
cluster kill --node "$down"
"$bin/sightlinectl" emit --file "$work/quorum.ndjson" --gateway "$gw" --token-file "$work/relay.token" \
  --batch 250 --in-flight 2 --retries 60 >"$work/quorum.out" 2>"$work/quorum.err" &
quorum_client=$!
sleep 20
curl -fsS "$gw/metrics" >"$work/metrics-quorum-lost.txt"
cluster restart --node "$leader" >/dev/null &
cluster restart --node "$down" >/dev/null
wait "$quorum_client" || { echo "broker_kill: the client gave up after the quorum came back" >&2; exit 1; }

curl -fsS "$gw/metrics" >"$work/metrics.txt"
"$bin/sightlinectl" summary --brokers "$brokers" --topic "$topic" --json >"$work/summary.json"
python3 - "$work/summary.json" "$work" "$total" "$at_kill" "$running" "$leader" <<'PY'
import json, re, sys
s = json.load(open(sys.argv[1]))
work = sys.argv[2]
total, at_kill, running, leader = (int(x) for x in sys.argv[3:7])
def count(name, code):
    text = open(f"{work}/{name}").read()
    n = 0.0
    for labels, value in re.findall(r'sightline_gateway_http_requests_total\{([^}]*)\} (\S+)', text):
        if 'endpoint="/v1/events"' in labels and f'code="{code}"' in labels:
            n += float(value)
    return n
ok, unavailable = count("metrics.txt", "202"), count("metrics.txt", "503")
lost_ok = count("metrics-quorum-lost.txt", "202") - count("metrics-before-quorum.txt", "202")
lost_503 = count("metrics-quorum-lost.txt", "503") - count("metrics-before-quorum.txt", "503")
print(f"broker_kill: node {leader} (leading most partitions) killed with {at_kill} of {total} "
      f"events on the topic and {running} of 4 clients still sending; back after 5 s")
print(f"broker_kill: with two of three nodes down for 20 s the gateway answered 202 to "
      f"{lost_ok:.0f} requests and 503 to {lost_503:.0f}")
print(f"broker_kill: in all the gateway answered 202 to {ok:.0f} requests and 503 to "
      f"{unavailable:.0f}")
print(f"broker_kill: on the topic {s['records']} records, {len(s.get('by_type', {}))} event types, "
      f"{s['duplicates']} duplicates, {s['wrong_partition']} on the wrong partition; sent {total}")
problems = []
if running == 0: problems.append("every client had finished before the kill: it tested nothing")
if lost_ok != 0: problems.append(f"{lost_ok:.0f} requests answered 202 without a quorum")
if lost_503 == 0: problems.append("no request was answered 503 without a quorum")
if s["records"] != total: problems.append(f"{s['records']} records on the topic, not {total}")
if s["duplicates"] != 0: problems.append(f"{s['duplicates']} duplicates")
if s["wrong_partition"] != 0: problems.append(f"{s['wrong_partition']} on the wrong partition")
for p in problems: print("broker_kill: " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
