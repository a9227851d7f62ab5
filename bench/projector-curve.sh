#!/usr/bin/env bash
# The projector's rebuild at growing sizes (issue 15's curve): for each size in simulated days of
# 1,200 contacts (80 days: about 1M events; 240: 3.3M; 800: 11M), a fresh topic on a private
# broker, the consume-only ceiling, the rebuild's rate and its peak RSS. Minutes per size above
# 1M, so it is not part of `make bench`:
#   bench/projector-curve.sh [days ...]      (default: 80 240)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(80 240)
for d in "${sizes[@]}"; do
  [[ "$d" =~ ^[0-9]+$ ]] && [ "$d" -ge 1 ] && [ "$d" -le 3650 ] ||
    { echo "usage: bench/projector-curve.sh [days ...] (1-3650 each)" >&2; exit 2; }
done
state=var/bench-curve
scripts/kafka/broker.sh stop --dir "$state/kafka" >/dev/null 2>&1 || true
rm -rf "$state" && mkdir -p "$state"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
trap 'scripts/kafka/broker.sh stop --dir "$state/kafka" >/dev/null 2>&1 || true' EXIT
scripts/kafka/broker.sh start --dir "$state/kafka" --port "$port" --controller-port "$cport" >/dev/null
for d in "${sizes[@]}"; do
  echo "== projector rebuild, $d simulated days"
  rm -rf "$state/run" && mkdir -p "$state/run"
  build/bin/sightline-bench-projector --brokers "127.0.0.1:$port" --bin-dir build/bin \
    --source-dir "$root" --work-dir "$state/run" --days "$d" --contacts-per-day 1200
  grep -E "replayed in|folded and flushed" "$state/run/rebuild.log" || true
  echo
done
