# Sourced by CTest scripts that need a live gateway and projector (the browser test, the API
# schema test): `start_stack NAME` creates topics of their own on the shared test broker
# (SIGHTLINE_TEST_BROKERS), starts both services with one mash_practitioner token, seeds a
# simulated day and waits for the projector to catch up. Sets: work, topic (the events topic),
# gw, app, token (the projector's), hos_token (a head of service's, who may make the returns;
# also in $work/hos.token), gateway_token (a relay's, for the gateway; also in
# $work/gateway.token). The day is in $work/day.ndjson, the projector's store in $work/data.
# Everything started is stopped when the calling script exits. SIGHTLINE_STACK_FOLD_CACHE sets the
# projector's apply.fold_cache_children (0: no kept folds), and SIGHTLINE_STACK_KEPT_RECORDS its
# http.kept_record_json (0: no records kept as JSON), for benches that compare the two.
# SIGHTLINE_STACK_PROJECTOR_KAFKA adds librdkafka properties to the projector's kafka.properties,
# as YAML flow pairs (e.g. '"linger.ms": "0"'), to try its audit producer's settings.
src=${SIGHTLINE_SOURCE_DIR:?} bin=${SIGHTLINE_BIN_DIR:?} brokers=${SIGHTLINE_TEST_BROKERS:?run through make test}
stack_pids=()
# A passing run leaves nothing behind; a failing one keeps its logs and stores to be looked at
# (and so does SIGHTLINE_KEEP_TEST_DIRS=1).
stop_stack() {
  local rc=$?
  for p in "${stack_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$rc" -eq 0 ] && [ -z "${SIGHTLINE_KEEP_TEST_DIRS:-}" ] && [ -n "${work:-}" ]; then
    rm -rf "$work"
  fi
}
trap stop_stack EXIT

start_stack() {
  local name=$1 hash day
  work=$(mktemp -d "/tmp/sightline-$name-XXXXXX")
  topic="test.$name.$$.$RANDOM"
  cat >"$work/topics.yaml" <<EOT
topics:
  - {name: $topic, partitions: 3, replication_factor: 1}
  - {name: $topic.dlq, partitions: 1, replication_factor: 1}
  - {name: $topic.audit, partitions: 1, replication_factor: 1}
EOT
  "$bin/sightlinectl" topics ensure --brokers "$brokers" --file "$work/topics.yaml" >/dev/null
  token=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  hash=$(printf %s "$token" | sha256sum | cut -d' ' -f1)
  hos_token=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  (umask 077 && printf '%s\n' "$hos_token" >"$work/hos.token")
  gateway_token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  (umask 077 && printf '%s\n' "$gateway_token" >"$work/gateway.token")
  cat >"$work/gateway.yaml" <<EOT
http: {port: 0}
kafka: {brokers: "$brokers", topic: $topic, audit_topic: $topic.audit}
store: {data_dir: "$work/gateway-ids"}
auth:
  tokens:
    - {id: importer, relay: true, token_sha256: $(printf %s "$gateway_token" | sha256sum | cut -d' ' -f1)}
EOT
  local projector_kafka=""
  [ -z "${SIGHTLINE_STACK_PROJECTOR_KAFKA:-}" ] ||
    projector_kafka=", properties: {$SIGHTLINE_STACK_PROJECTOR_KAFKA}"
  cat >"$work/projector.yaml" <<EOT
http: {port: 0, web_root: "$src/web"${SIGHTLINE_STACK_KEPT_RECORDS:+, kept_record_json: $SIGHTLINE_STACK_KEPT_RECORDS}}
kafka: {brokers: "$brokers", topic: $topic, dead_letter_topic: $topic.dlq, audit_topic: $topic.audit, group_id: $topic.p$projector_kafka}
store: {data_dir: "$work/data", sync_writes: false}
apply: {ready_max_lag: 0${SIGHTLINE_STACK_FOLD_CACHE:+, fold_cache_children: $SIGHTLINE_STACK_FOLD_CACHE}}
clocks: {calendar_file: "$src/deploy/calendar/england-and-wales.txt"}
access:
  users:
    - {id: mash-pr1, role: mash_practitioner, team: mash, token_sha256: $hash}
    - {id: hos-data1, role: head_of_service, team: svc, token_sha256: $(printf %s "$hos_token" | sha256sum | cut -d' ' -f1)}
EOT
  "$bin/sightline-gateway" --config "$work/gateway.yaml" --port-file "$work/gw.port" >"$work/gateway.log" 2>&1 &
  stack_pids+=($!)
  "$bin/sightline-projector" --config "$work/projector.yaml" --port-file "$work/pr.port" >"$work/projector.log" 2>&1 &
  stack_pids+=($!)
  for _ in $(seq 1 100); do [ -s "$work/gw.port" ] && [ -s "$work/pr.port" ] && break; sleep 0.1; done
  gw="http://127.0.0.1:$(cat "$work/gw.port")" app="http://127.0.0.1:$(cat "$work/pr.port")"
  day=$(date -u -d yesterday +%F)
  "$bin/sightlinectl" simulate --seed 5 --start "$day" --days 1 --contacts-per-day 40 --out "$work/day.ndjson" 2>/dev/null
  "$bin/sightlinectl" emit --file "$work/day.ndjson" --gateway "$gw" \
    --token-file "$work/gateway.token" >/dev/null
  for _ in $(seq 1 200); do curl -fsS "$app/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
}
