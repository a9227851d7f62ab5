#!/usr/bin/env bash
# `make test`: builds, starts a private Kafka broker on free ports, runs every test (unit, then
# the ones labelled "kafka"), and stops the broker on the way out, also on failure or Ctrl-C.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${SIGHTLINE_BUILD_DIR:-build}
# One ctest run for all, so its closing line counts every test. The longest start first (their
# COST); the "kafka" ones share the broker (the outage and failover tests start their own).
scripts/with-test-broker.sh ctest --test-dir "$build" --output-on-failure -j "$(nproc)" --no-tests=error
