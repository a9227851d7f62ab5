#!/usr/bin/env bash
# An Apache Kafka 3.9 node (KRaft: broker and controller in one JVM) on loopback: alone, or one
# node of a cluster that cluster.sh starts.
#
#   broker.sh start  [--dir D] [--port P] [--controller-port C]  start, wait until it serves
#   broker.sh launch [...]                                       start, do not wait
#   broker.sh stop   [--dir D]                                   stop cleanly (SIGTERM, then KILL)
#   broker.sh kill   [--dir D]                                   SIGKILL (failover tests)
#   broker.sh status [--dir D]
# A cluster's node also takes --node-id N, --voters "1@host:c1,2@host:c2,...", --cluster-id ID
# (the same for every node), --replication R (internal topics' and the default replication
# factor; min.insync.replicas is R-1 when R > 1) and --expect-brokers B (ready when the node
# serves metadata listing B brokers).
#
# D defaults to var/kafka, P to 9092, C to P+1. Data survives stop/start in D/data. Readiness is
# asked of the broker itself (a metadata reply listing the brokers), never a fixed sleep.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cmd=${1:-}; shift || true
dir=$root/var/kafka; port=9092; cport=; node=1; voters=; cluster_id=; rf=1; expect=1
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --controller-port) cport=$2; shift 2 ;;
    --node-id) node=$2; shift 2 ;;
    --voters) voters=$2; shift 2 ;;
    --cluster-id) cluster_id=$2; shift 2 ;;
    --replication) rf=$2; shift 2 ;;
    --expect-brokers) expect=$2; shift 2 ;;
    *) echo "broker.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
cport=${cport:-$((port + 1))}
voters=${voters:-$node@127.0.0.1:$cport}
minisr=1; [ "$rf" -gt 1 ] && minisr=$((rf - 1))
libs=${SIGHTLINE_KAFKA_LIBS:-$root/.cache/kafka-libs}
pidfile=$dir/broker.pid

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

ready() { kcat -L -b "127.0.0.1:$port" -m 2 2>/dev/null | grep -q "^ *$expect brokers:"; }

launch() {
  if running; then
    echo "kafka: already running (pid $(cat "$pidfile")) in $dir"
    return 0
  fi
  "$here/fetch.sh"
  mkdir -p "$dir/data" "$dir/logs"
  sed -e "s|@PORT@|$port|g; s|@CPORT@|$cport|g; s|@DATA@|$dir/data|g; s|@NODE@|$node|g" \
    -e "s|@VOTERS@|$voters|g; s|@RF@|$rf|g; s|@MINISR@|$minisr|g" \
    "$here/server.properties.in" >"$dir/server.properties"
  local java_opts=(-Xmx512m -Xms256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1
    -Dlog4j.configuration="file:$here/log4j.properties" -Dkafka.logs.dir="$dir/logs")
  if [ ! -f "$dir/data/meta.properties" ]; then
    local id=$cluster_id
    [ -n "$id" ] || id=$(java -cp "$libs/*" "${java_opts[@]}" kafka.tools.StorageTool random-uuid)
    java -cp "$libs/*" "${java_opts[@]}" kafka.tools.StorageTool format -t "$id" \
      -c "$dir/server.properties" --ignore-formatted >"$dir/logs/format.log" 2>&1
  fi
  nohup java -cp "$libs/*" "${java_opts[@]}" kafka.Kafka "$dir/server.properties" \
    >"$dir/logs/stdout.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
}

start() {
  launch
  local waited=0
  until ready; do
    if ! running; then
      echo "kafka: the broker exited during start-up; last lines of its log:" >&2
      tail -n 30 "$dir/logs/stdout.log" "$dir/logs/server.log" 2>/dev/null >&2 || true
      exit 1
    fi
    if [ $waited -ge 120 ]; then
      echo "kafka: not ready after 120 s; see $dir/logs" >&2
      exit 1
    fi
    sleep 1; waited=$((waited + 1))
  done
  echo "kafka: ready at 127.0.0.1:$port (pid $(cat "$pidfile"), data in $dir/data)"
}

stop() {
  if ! running; then
    rm -f "$pidfile"
    echo "kafka: not running"
    return 0
  fi
  local pid; pid=$(cat "$pidfile")
  kill -TERM "$pid"
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "kafka: still running after 30 s; killing" >&2
    kill -KILL "$pid" || true
  fi
  rm -f "$pidfile"
  echo "kafka: stopped"
}

kill_now() {
  if running; then kill -KILL "$(cat "$pidfile")"; echo "kafka: killed the node in $dir"; fi
  rm -f "$pidfile"
}

case "$cmd" in
  start) start ;;
  launch) launch ;;
  kill) kill_now ;;
  stop) stop ;;
  status) if running && ready; then echo "kafka: ready at 127.0.0.1:$port"; else echo "kafka: down"; exit 1; fi ;;
  *) echo "usage: broker.sh start|launch|stop|kill|status [--dir D] [--port P] [--controller-port C] ..." >&2; exit 2 ;;
esac
