#!/usr/bin/env bash
# Keep-alive HTTP figures (issue 12): wrk against /healthz and the projector's /v1/queue (with a
# token; every call is audited to Kafka) on a gateway and projector seeded with a simulated day
# (tests/support/stack.sh). Prints one markdown row per (endpoint, connections).
#   SIGHTLINE_BIN_DIR=build/bin scripts/with-test-broker.sh bench/http.sh [SECONDS]
# Point SIGHTLINE_BIN_DIR at an older build to measure "before".
set -euo pipefail
export SIGHTLINE_SOURCE_DIR=${SIGHTLINE_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
seconds=${1:-10}
. "$SIGHTLINE_SOURCE_DIR/tests/support/stack.sh"
start_stack bench-http
command -v wrk >/dev/null || { echo "wrk missing (apt-get install wrk)"; exit 1; }
row() {
  local name=$1 conns=$2 url=$3 out p50 p99 rate
  shift 3
  out=$(wrk -t1 -c"$conns" -d"${seconds}s" --latency "$@" "$url")
  p50=$(echo "$out" | awk '$1=="50%"{print $2}')
  p99=$(echo "$out" | awk '$1=="99%"{print $2}')
  rate=$(echo "$out" | awk '$1=="Requests/sec:"{print $2}')
  non2xx=$(echo "$out" | awk '/Non-2xx/{print $NF}')
  echo "| \`$name\` | \`-c$conns\` | $p50 | $p99 | $rate | ${non2xx:-0} |"
}
echo "| endpoint | connections | p50 | p99 | requests/s | non-2xx |"
echo "|---|---|---|---|---|---|"
for c in 1 64; do row /healthz "$c" "$app/healthz"; done
for c in 1 64; do row /v1/queue "$c" "$app/v1/queue" -H "Authorization: Bearer $token"; done
