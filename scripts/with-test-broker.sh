#!/usr/bin/env bash
# Runs a command with a private Kafka broker on free ports (SIGHTLINE_TEST_BROKERS set for it),
# and stops the broker on the way out, also on failure or Ctrl-C. Exits with the command's code.
#   scripts/with-test-broker.sh ctest --test-dir build ...
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d /tmp/sightline-test-broker-XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
cport=$(free_port)
cleanup() {
  "$root/scripts/kafka/broker.sh" stop --dir "$dir" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM
"$root/scripts/kafka/broker.sh" start --dir "$dir" --port "$port" --controller-port "$cport"
export SIGHTLINE_TEST_BROKERS="127.0.0.1:$port"
"$@"
