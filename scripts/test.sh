#!/usr/bin/env bash
# `make test`: builds, starts a private Kafka broker on free ports, runs every test (unit, then
# the ones labelled "kafka"), and stops the broker on the way out, also on failure or Ctrl-C.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${SIGHTLINE_BUILD_DIR:-build}
dir=$(mktemp -d /tmp/sightline-test-broker-XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
cport=$(free_port)
cleanup() {
  scripts/kafka/broker.sh stop --dir "$dir" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM
scripts/kafka/broker.sh start --dir "$dir" --port "$port" --controller-port "$cport"
export SIGHTLINE_TEST_BROKERS="127.0.0.1:$port"
# One ctest run for all, so its closing line counts every test. Unit tests take the first slots;
# the "kafka" ones share the broker above (the outage test starts its own).
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" --no-tests=error
