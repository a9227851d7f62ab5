#!/usr/bin/env bash
# The projector's rebuild at growing sizes (issue 15's curve): for each size in simulated days of
# 1,200 contacts (80 days: about 1M events; 240: 3.3M; 673: 10.5M; 800: 11.9-12.6M), a fresh
# topic on a private broker, the consume-only ceiling, the rebuild's rate and its peak RSS.
# Minutes per size above 1M, so it is not part of `make bench`:
#   bench/projector-curve.sh [days ...]      (default: 80 240)
# With SIGHTLINE_CURVE_LIVE=1 each size also times the live projector catching up on the topic
# from an empty store, and its peak RSS (about 30 s a million events). With
# SIGHTLINE_CURVE_COUNTIES=N each size is N counties of that history on the one topic (a region:
# 3 counties of 800 days is about 2.8M children and 38M events), simulated one at a time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(80 240)
for d in "${sizes[@]}"; do
  [[ "$d" =~ ^[0-9]+$ ]] && [ "$d" -ge 1 ] && [ "$d" -le 3650 ] ||
    { echo "usage: bench/projector-curve.sh [days ...] (1-3650 each)" >&2; exit 2; }
done
# A private broker on free ports (scripts/with-test-broker.sh), unless one is given.
if [ -z "${SIGHTLINE_TEST_BROKERS:-}" ]; then
  exec scripts/with-test-broker.sh "$0" "${sizes[@]}"
fi
state=var/bench-curve
rm -rf "$state" && mkdir -p "$state"
for d in "${sizes[@]}"; do
  echo "== projector rebuild, $d simulated days, ${SIGHTLINE_CURVE_COUNTIES:-1} county or counties"
  rm -rf "$state/run" && mkdir -p "$state/run"
  build/bin/sightline-bench-projector --brokers "$SIGHTLINE_TEST_BROKERS" --bin-dir build/bin \
    --source-dir "$root" --work-dir "$state/run" --days "$d" --contacts-per-day 1200 \
    --counties "${SIGHTLINE_CURVE_COUNTIES:-1}" \
    $([ "${SIGHTLINE_CURVE_LIVE:-0}" = 1 ] || echo --no-live)
  grep -E "replayed in|folded and flushed" "$state/run/rebuild.log" || true
  echo
done
