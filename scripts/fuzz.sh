#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets (preset `fuzz`: clang, ASan + UBSan, build/fuzz),
# replays every saved crash in fuzz/regressions/<target>/, then fuzzes each target for
# SECONDS (default 60) from its committed corpus in fuzz/corpus/<target>/, two at a time.
# Reports executions per target; fails on any crash, leak, timeout or out-of-memory, leaving the
# input in build/fuzz/artifacts/ (copy it into fuzz/regressions/<target>/ with the fix).
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seconds=${1:-60}
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)" --target fuzzers
bin=build/fuzz/bin
artifacts=build/fuzz/artifacts
mkdir -p "$artifacts"
targets=$(cd fuzz/corpus && ls)
options=(-max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)

# Saved crashes first: each must now run clean.
for t in $targets; do
  if [ -d "fuzz/regressions/$t" ] && [ -n "$(ls -A "fuzz/regressions/$t")" ]; then
    "$bin/fuzz_$t" "${options[@]}" fuzz/regressions/"$t"/* >"$artifacts/$t.regressions.log" 2>&1 ||
      { cat "$artifacts/$t.regressions.log"; echo "fuzz: $t: a saved regression fails again"; exit 1; }
  fi
done

run() {
  local t=$1 work
  work=$(mktemp -d)
  cp fuzz/corpus/"$t"/* "$work"/  # The committed corpus stays as it is.
  if "$bin/fuzz_$t" "${options[@]}" -max_total_time="$seconds" -artifact_prefix="$artifacts/$t-" \
      "$work" >"$artifacts/$t.log" 2>&1; then
    echo "ok"
  else
    echo "FAILED"
  fi >"$artifacts/$t.result"
  rm -rf "$work"
}

pids=()
for t in $targets; do
  run "$t" &
  pids+=($!)
  if [ ${#pids[@]} -ge "$(nproc)" ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done
wait

failed=0
printf '%-16s %14s %10s %8s  %s\n' target executions exec/s corpus result
for t in $targets; do
  log="$artifacts/$t.log"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  corpus=$(sed -n 's/.*corp: \([0-9]*\)\/.*/\1/p' "$log" | tail -1)
  result=$(cat "$artifacts/$t.result")
  printf '%-16s %14s %10s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${corpus:-?}" "$result"
  if [ "$result" != ok ]; then
    failed=1
    grep -E "ERROR|SUMMARY|Test unit written" "$log" | head -5
  fi
done
[ "$failed" -eq 0 ] || { echo "fuzz: crashes found (inputs in $artifacts)"; exit 1; }
echo "fuzz: 0 crashes in $(echo "$targets" | wc -w) targets, ${seconds} s each"
