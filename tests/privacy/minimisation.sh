#!/usr/bin/env bash
# Issue 13, data minimisation: a simulated day goes through the gateway to the projector, the
# watchdog and the notifier; afterwards none of the day's children's names may be in the
# watchdog's or the notifier's store (scripts/check-minimisation.sh: strings and ldb), while the
# projector's store, which shows names on the triage screen, must hold them (the control).
set -euo pipefail
. "$SIGHTLINE_SOURCE_DIR/tests/support/stack.sh"
start_stack minimisation
alerts="$topic.alerts"
cat >"$work/more-topics.yaml" <<EOT
topics:
  - {name: $alerts, partitions: 3, replication_factor: 1}
  - {name: $alerts.audit, partitions: 1, replication_factor: 1}
EOT
"$bin/sightlinectl" topics ensure --brokers "$brokers" --file "$work/more-topics.yaml" >/dev/null
ops_token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
ops_auth="auth: {tokens: [{id: ops-1, role: service_manager, team: ops, token_sha256: $(printf %s "$ops_token" | sha256sum | cut -d' ' -f1)}]}"
cat >"$work/watchdog.yaml" <<EOT
http: {port: 0}
kafka: {brokers: "$brokers", topic: $topic, alerts_topic: $alerts, dead_letter_topic: $topic.dlq, audit_topic: $alerts.audit, group_id: $topic.wd}
store: {data_dir: "$work/watchdog", sync_writes: false}
policy_file: $src/deploy/watchdog-policy.yaml
$ops_auth
EOT
cat >"$work/notifier.yaml" <<EOT
http: {port: 0}
kafka: {brokers: "$brokers", alerts_topic: $alerts, dead_letter_topic: $topic.dlq, audit_topic: $alerts.audit, group_id: $topic.nt}
store: {data_dir: "$work/notifier", sync_writes: false}
receivers:
  - {name: hook, kind: webhook, url: "http://127.0.0.1:9/hook", routing_key: rk}
routes:
  - {levels: [1, 2, 3, 4], receivers: [hook]}
$ops_auth
EOT
"$bin/sightline-watchdog" --config "$work/watchdog.yaml" --port-file "$work/wd.port" >"$work/watchdog.log" 2>&1 &
wd_pid=$!
stack_pids+=($wd_pid)
"$bin/sightline-notifier" --config "$work/notifier.yaml" --port-file "$work/nt.port" >"$work/notifier.log" 2>&1 &
nt_pid=$!
stack_pids+=($nt_pid)
for _ in $(seq 1 100); do [ -s "$work/wd.port" ] && [ -s "$work/nt.port" ] && break; sleep 0.1; done
wd="http://127.0.0.1:$(cat "$work/wd.port")" nt="http://127.0.0.1:$(cat "$work/nt.port")"
# The watchdog has folded the whole day and emptied its outbox; the notifier has read it all.
for _ in $(seq 1 300); do
  done_wd=$(curl -fsS -H "Authorization: Bearer $ops_token" "$wd/v1/status" 2>/dev/null |
    python3 -c 'import json,sys; j=json.load(sys.stdin); print(int(j["ready"] and j["horizon"] != "" and j["outbox_pending"] == 0))' 2>/dev/null || echo 0)
  [ "$done_wd" = 1 ] && curl -fsS "$nt/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
[ "$done_wd" = 1 ] || { echo "the watchdog did not catch up; see $work/watchdog.log" >&2; exit 1; }
applied=$(curl -fsS -H "Authorization: Bearer $ops_token" "$wd/v1/status" |
  python3 -c 'import json,sys; print(sum(p["applied_next"] for p in json.load(sys.stdin)["partitions"]))')
echo "watchdog applied $applied events of $(wc -l <"$work/day.ndjson") sent"
[ "$applied" -gt 0 ]
kill "$wd_pid" "$nt_pid"
wait "$wd_pid" "$nt_pid" || true
"$src/scripts/check-minimisation.sh" --events "$work/day.ndjson" \
  --none-in "$work/watchdog" --none-in "$work/notifier" --some-in "$work/data"
