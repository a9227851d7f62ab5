#!/usr/bin/env bash
# A three-node Apache Kafka 3.9 KRaft cluster on loopback, on free ports, for failover tests and
# for trying a replicated deployment by hand. Each node is broker and controller (broker.sh);
# internal topics have replication factor 3 and min.insync.replicas 2, as production should
# (deploy/topics.yaml, docs/operations.md).
#
#   cluster.sh start   --dir D [--nodes N]   start N nodes (default 3), wait until all serve
#   cluster.sh stop    --dir D               stop every node cleanly
#   cluster.sh kill    --dir D --node I      SIGKILL node I (1-based)
#   cluster.sh restart --dir D --node I      start node I again, wait until the cluster lists all
#   cluster.sh bootstrap --dir D             print the bootstrap list (host:port,...)
#   cluster.sh port    --dir D --node I      print node I's client port
# The ports and the cluster id are kept in D/cluster.env, so restart finds them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cmd=${1:-}; shift || true
dir=; nodes=3; node=
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift 2 ;;
    --nodes) nodes=$2; shift 2 ;;
    --node) node=$2; shift 2 ;;
    *) echo "cluster.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$dir" ] || { echo "cluster.sh: --dir is required" >&2; exit 2; }
case "$nodes" in [1-9]) ;; *) echo "cluster.sh: --nodes must be 1-9" >&2; exit 2 ;; esac
env_file=$dir/cluster.env

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

load() {
  [ -f "$env_file" ] || { echo "cluster.sh: no cluster in $dir (start it first)" >&2; exit 1; }
  # shellcheck disable=SC1090
  . "$env_file"
}

node_args() {  # node_args I: broker.sh's options for node I
  local i=$1 p c
  p=$(echo "$PORTS" | cut -d' ' -f"$i"); c=$(echo "$CPORTS" | cut -d' ' -f"$i")
  echo --dir "$dir/node$i" --port "$p" --controller-port "$c" --node-id "$i" \
    --voters "$VOTERS" --cluster-id "$CLUSTER_ID" --replication "$RF" --expect-brokers "$NODES"
}

check_node() {
  load
  case "$node" in ''|*[!0-9]*) echo "cluster.sh: --node I is required (1-$NODES)" >&2; exit 2 ;; esac
  [ "$node" -ge 1 ] && [ "$node" -le "$NODES" ] || { echo "cluster.sh: no node $node" >&2; exit 2; }
}

start() {
  mkdir -p "$dir"
  if [ ! -f "$env_file" ]; then
    "$here/fetch.sh"
    local ports="" cports="" voters="" i p c libs
    libs=${SIGHTLINE_KAFKA_LIBS:-$(cd "$here/../.." && pwd)/.cache/kafka-libs}
    for i in $(seq 1 "$nodes"); do
      p=$(free_port); c=$(free_port)
      ports="$ports $p"; cports="$cports $c"; voters="$voters,$i@127.0.0.1:$c"
    done
    local rf=$nodes; [ "$rf" -gt 3 ] && rf=3
    {
      echo "NODES=$nodes"
      echo "RF=$rf"
      echo "PORTS='${ports# }'"
      echo "CPORTS='${cports# }'"
      echo "VOTERS='${voters#,}'"
      echo "CLUSTER_ID=$(java -cp "$libs/*" kafka.tools.StorageTool random-uuid 2>/dev/null)"
    } >"$env_file"
  fi
  load
  local i
  # Every node is launched before any is waited for: a controller quorum needs a majority up.
  for i in $(seq 1 "$NODES"); do
    # shellcheck disable=SC2046
    "$here/broker.sh" launch $(node_args "$i") >/dev/null
  done
  for i in $(seq 1 "$NODES"); do
    # shellcheck disable=SC2046
    "$here/broker.sh" start $(node_args "$i") >/dev/null
  done
  echo "kafka cluster: $NODES nodes ready at $(bootstrap) (replication $RF, data in $dir)"
}

bootstrap() {
  load
  local out="" p
  for p in $PORTS; do out="$out,127.0.0.1:$p"; done
  echo "${out#,}"
}

case "$cmd" in
  start) start ;;
  stop)
    load
    # All at once: a node stopping alone waits for a quorum that is stopping too.
    for i in $(seq 1 "$NODES"); do "$here/broker.sh" stop --dir "$dir/node$i" >/dev/null & done
    wait
    echo "kafka cluster: stopped" ;;
  kill) check_node; "$here/broker.sh" kill --dir "$dir/node$node" ;;
  # shellcheck disable=SC2046
  restart) check_node; "$here/broker.sh" start $(node_args "$node") ;;
  bootstrap) bootstrap ;;
  port) check_node; echo "$PORTS" | cut -d' ' -f"$node" ;;
  *) echo "usage: cluster.sh start|stop|kill|restart|bootstrap|port --dir D [--nodes N] [--node I]" >&2
     exit 2 ;;
esac
