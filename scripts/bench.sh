#!/usr/bin/env bash
# Runs the benchmarks against a private broker on free ports (state in var/bench, reset).
#   scripts/bench.sh            full sizes (about 4.5 minutes on 2 cores)
#   scripts/bench.sh --quick    CI-sized runs (about 3 minutes)
set -euo pipefail
quick=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    *) echo "usage: scripts/bench.sh [--quick]" >&2; exit 2 ;;
  esac
done
if [ "$quick" = 1 ]; then
  projector_args=(--days 80 --contacts-per-day 120)      # about 100,000 events
  watchdog_args=(--children 100000 --live-seconds 10)
  ingest_args=(5 5)                                      # about 26,000 events; 5 s windows
else
  projector_args=(--days 80 --contacts-per-day 1200)     # about 1,000,000 events
  watchdog_args=(--children 1000000 --live-seconds 20)
  ingest_args=(20 10)                                    # about 104,000 events; 10 s windows
fi
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
state=var/bench
scripts/kafka/broker.sh stop --dir "$state/kafka" >/dev/null 2>&1 || true
rm -rf "$state" && mkdir -p "$state"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
trap 'scripts/kafka/broker.sh stop --dir "$state/kafka" >/dev/null 2>&1 || true' EXIT
scripts/kafka/broker.sh start --dir "$state/kafka" --port "$port" --controller-port "$cport" >/dev/null
echo "== a changed child's fold by history length (in-process)"
build/bin/sightline-bench-fold
echo
echo "== who is asking: a credential's check per request (in-process)"
build/bin/sightline-bench-auth
echo
echo "== projector"
build/bin/sightline-bench-projector --brokers "127.0.0.1:$port" --bin-dir build/bin \
  --source-dir "$root" --work-dir "$state" "${projector_args[@]}"
echo
echo "== notifier"
build/bin/sightline-bench-notifier --brokers "127.0.0.1:$port" --bin-dir build/bin \
  --work-dir "$state"
echo
echo "== watchdog"
build/bin/sightline-bench-watchdog --brokers "127.0.0.1:$port" --bin-dir build/bin \
  --source-dir "$root" --work-dir "$state" "${watchdog_args[@]}"
echo
echo "== gateway, and the triage API under ingest"
SIGHTLINE_BIN_DIR=build/bin SIGHTLINE_TEST_BROKERS="127.0.0.1:$port" bench/ingest.sh "${ingest_args[@]}"
