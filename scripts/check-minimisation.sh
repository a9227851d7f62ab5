#!/usr/bin/env bash
# Data minimisation, checked from outside (issue 13): none of the children's names in a recorded
# event stream may be found in the stores of services that never need them (the watchdog and the
# notifier). Each store is searched two ways, and both must find nothing:
#   - `strings` over every file of the RocksDB directory (WAL, tables, logs), as an auditor would;
#   - `ldb scan` of every column family, since table blocks are compressed and `strings` alone
#     could miss a name inside them.
# A control store that does hold names (the projector's) must show them found, so a check that
# could find nothing proves nothing.
#   scripts/check-minimisation.sh --events day.ndjson --none-in DIR [--none-in DIR] [--some-in DIR]
set -euo pipefail
events="" none=() some=()
while [ $# -gt 0 ]; do
  case "$1" in
    --events) events=$2; shift 2 ;;
    --none-in) none+=("$2"); shift 2 ;;
    --some-in) some+=("$2"); shift 2 ;;
    *) echo "check-minimisation: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -f "$events" ] || { echo "check-minimisation: --events FILE (NDJSON) is required" >&2; exit 2; }
command -v ldb >/dev/null || { echo "check-minimisation: ldb missing (scripts/deps.sh installs rocksdb-tools)" >&2; exit 2; }
names=$(mktemp)
trap 'rm -f "$names"' EXIT
python3 - "$events" >"$names" <<'PY'
import json, sys
seen = set()
for line in open(sys.argv[1]):
    e = json.loads(line) if line.strip() else {}
    d = e.get("childDetailsRecorded") or e.get("child_details_recorded") or {}
    if len(d.get("name", "")) >= 5:
        seen.add(d["name"])
print("\n".join(sorted(seen)))
PY
total=$(grep -c . "$names" || true)
[ "$total" -gt 0 ] || { echo "check-minimisation: no names in $events" >&2; exit 2; }

# Names of `names` found in store $1, by strings over its files and by ldb over its families
# (opened as a secondary instance, so a running service's store can be read too).
found_in() {
  local dir=$1 secondary
  secondary=$(mktemp -d)
  {
    find "$dir" -type f -print0 | xargs -0 -r strings -a -n 5
    # Every RocksDB under the directory (the projector keeps its stores one level down).
    find "$dir" -name CURRENT -type f | while read -r current; do
      db=$(dirname "$current")
      for cf in $(ldb --db="$db" list_column_families 2>/dev/null | grep '^{' | tr -d '{},'); do
        ldb --db="$db" --secondary_path="$secondary" --column_family="$cf" scan 2>/dev/null |
          strings -a -n 5
      done
    done
  } | { grep -oF -f "$names" || true; } | sort -u | wc -l
  rm -rf "$secondary"
}

rc=0
for dir in "${none[@]}"; do
  n=$(found_in "$dir")
  echo "check-minimisation: $n of $total simulated names in $dir (expected none)"
  [ "$n" -eq 0 ] || rc=1
done
for dir in "${some[@]}"; do
  n=$(found_in "$dir")
  echo "check-minimisation: $n of $total simulated names in $dir (control: it needs them)"
  [ "$n" -gt 0 ] || { echo "check-minimisation: the control found nothing: the search is broken" >&2; rc=1; }
done
exit $rc
