#!/usr/bin/env bash
# Runs the benchmarks against a private broker on free ports (state in var/bench, reset).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
state=var/bench
scripts/kafka/broker.sh stop --dir "$state/kafka" >/dev/null 2>&1 || true
rm -rf "$state" && mkdir -p "$state"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
trap 'scripts/kafka/broker.sh stop --dir "$state/kafka" >/dev/null 2>&1 || true' EXIT
scripts/kafka/broker.sh start --dir "$state/kafka" --port "$port" --controller-port "$cport" >/dev/null
build/bin/sightline-bench-projector --brokers "127.0.0.1:$port" --bin-dir build/bin \
  --source-dir "$root" --work-dir "$state" "$@"
echo
build/bin/sightline-bench-notifier --brokers "127.0.0.1:$port" --bin-dir build/bin \
  --work-dir "$state"
