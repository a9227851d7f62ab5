#!/usr/bin/env bash
# CTest entry for the alert board in the browser (issue 14): a gateway, a watchdog on a
# simulated clock and a projector with its alert board, on topics of their own on the shared test
# broker. alerts.test.mjs then has a team manager open the alerts panel in Debian's chromium and
# acknowledge a red contact's alert from the screen; the watchdog's clock is moved on two hours
# and the alerts topic is read with kcat: the acknowledged alert did not escalate, the control
# (the same red contact, not acknowledged) did. Screenshots go to $SIGHTLINE_SCREENSHOT_DIR
# (default: the build dir).
set -euo pipefail
src=${SIGHTLINE_SOURCE_DIR:?} bin=${SIGHTLINE_BIN_DIR:?} brokers=${SIGHTLINE_TEST_BROKERS:?run through make test}
pids=()
work=$(mktemp -d /tmp/sightline-alerts-browser-XXXXXX)
# A passing run leaves nothing behind; a failing one keeps its logs (SIGHTLINE_KEEP_TEST_DIRS=1
# keeps them anyway).
cleanup() {
  local rc=$?
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ "$rc" -ne 0 ] || [ -n "${SIGHTLINE_KEEP_TEST_DIRS:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
topic="test.alerts-browser.$$.$RANDOM"
cat >"$work/topics.yaml" <<EOT
topics:
  - {name: $topic, partitions: 3, replication_factor: 1}
  - {name: $topic.alerts, partitions: 3, replication_factor: 1}
  - {name: $topic.dlq, partitions: 1, replication_factor: 1}
  - {name: $topic.audit, partitions: 1, replication_factor: 1}
EOT
"$bin/sightlinectl" topics ensure --brokers "$brokers" --file "$work/topics.yaml" >/dev/null
secret() { head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
sum() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
relay=$(secret) manager=$(secret) ops=$(secret)
tokens="  tokens:
    - {id: importer, relay: true, token_sha256: $(sum "$relay")}
    - {id: tm-mash, role: team_manager, team: mash, token_sha256: $(sum "$manager")}
    - {id: ops-1, role: service_manager, team: ops, token_sha256: $(sum "$ops")}"
cat >"$work/gateway.yaml" <<EOT
http: {port: 0}
kafka: {brokers: "$brokers", topic: $topic, audit_topic: $topic.audit}
store: {data_dir: "$work/gateway-ids"}
alerts: {policy_file: "$src/deploy/watchdog-policy.yaml"}
auth:
$tokens
EOT
cat >"$work/watchdog.yaml" <<EOT
http: {port: 0}
kafka: {brokers: "$brokers", topic: $topic, alerts_topic: $topic.alerts, dead_letter_topic: $topic.dlq, audit_topic: $topic.audit, group_id: $topic.w}
store: {data_dir: "$work/watchdog", sync_writes: false}
policy_file: $src/deploy/watchdog-policy.yaml
apply: {tick_ms: 50}
auth:
$tokens
EOT
cat >"$work/projector.yaml" <<EOT
http: {port: 0, web_root: "$src/web"}
kafka: {brokers: "$brokers", topic: $topic, alerts_topic: $topic.alerts, dead_letter_topic: $topic.dlq, audit_topic: $topic.audit, group_id: $topic.p}
store: {data_dir: "$work/projector", sync_writes: false}
apply: {ready_max_lag: 0}
clocks: {calendar_file: "$src/deploy/calendar/england-and-wales.txt"}
gateway: {url: "GATEWAY_URL"}
auth:
$tokens
EOT
start() {  # name binary args...
  local name=$1; shift
  "$@" --port-file "$work/$name.port" >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do [ -s "$work/$name.port" ] && break; sleep 0.1; done
  [ -s "$work/$name.port" ] || { echo "$name did not start:"; cat "$work/$name.log"; exit 1; }
}
now=$(date -u +%s)
echo "$now" >"$work/clock"
start gateway "$bin/sightline-gateway" --config "$work/gateway.yaml"
gw="http://127.0.0.1:$(cat "$work/gateway.port")"
sed -i "s|GATEWAY_URL|$gw|" "$work/projector.yaml"
start watchdog "$bin/sightline-watchdog" --config "$work/watchdog.yaml" --simulated-clock-file "$work/clock"
start projector "$bin/sightline-projector" --config "$work/projector.yaml"
wd="http://127.0.0.1:$(cat "$work/watchdog.port")" app="http://127.0.0.1:$(cat "$work/projector.port")"
cd "$src/tests/browser"
[ -d node_modules/playwright-core ] || { echo "playwright-core missing: run scripts/deps.sh"; exit 1; }
SIGHTLINE_APP_URL=$app SIGHTLINE_GATEWAY_URL=$gw SIGHTLINE_WATCHDOG_URL=$wd \
  SIGHTLINE_RELAY_TOKEN=$relay SIGHTLINE_TOKEN=$manager SIGHTLINE_OPS_TOKEN=$ops \
  SIGHTLINE_CLOCK_FILE=$work/clock SIGHTLINE_NOW=$now SIGHTLINE_BROKERS=$brokers \
  SIGHTLINE_ALERTS_TOPIC=$topic.alerts \
  SIGHTLINE_SCREENSHOT_DIR=${SIGHTLINE_SCREENSHOT_DIR:-$bin/..} node alerts.test.mjs ||
  { echo "logs in $work"; tail -n 5 "$work"/*.log; exit 1; }
