#!/usr/bin/env bash
# `make test`: builds, starts a private Kafka broker on free ports, runs every test (unit, then
# the ones labelled "kafka"), and stops the broker on the way out, also on failure or Ctrl-C.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${SIGHTLINE_BUILD_DIR:-build}
# One ctest run for all, so its closing line counts every test. The longest start first (their
# COST); the "kafka" ones share the broker (the outage and failover tests start their own).
# Twice as many tests as cores at once: they mostly wait (brokers starting, services restarted,
# deadlines passing). At one per core the two cores here were a third busy and the suite took
# 232-258 s; at two per core, 141-146 s.
scripts/with-test-broker.sh ctest --test-dir "$build" --output-on-failure -j "$(($(nproc) * 2))" \
  --no-tests=error
