#!/usr/bin/env bash
# Only the clock adapter (adapters/clock) reads the wall clock: everything else is handed "now"
# (a Clock&, or an Instant), so domain logic replays deterministically and tests move time by
# hand (docs/ARCHITECTURE.md). Monotonic clocks (steady_clock) for timeouts and backoff are fine.
# Tests and benchmarks, which drive real processes, may read the wall clock.
# Prints every violation; exits 1 if any.
set -uo pipefail
cd "$(dirname "$0")/.."
pattern='system_clock::now|high_resolution_clock::now|utc_clock::now|file_clock::now|gettimeofday|CLOCK_REALTIME|\bstd::time\(|[^_a-zA-Z:.>]time\((nullptr|NULL|0)\)|\blocaltime(_r)?\(|\bftime\('
found=$(grep -rnE "$pattern" domain adapters services tools --include='*.cc' --include='*.h' |
  grep -v '^adapters/clock/' || true)
if [ -n "$found" ]; then
  echo "the wall clock is read outside adapters/clock (take a Clock& or an Instant instead):"
  echo "$found"
  exit 1
fi
echo "wall clock: only adapters/clock reads it"
