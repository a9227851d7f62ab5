#!/usr/bin/env bash
# History in (issue 16), end to end: a simulated county's 2025-26 CIN census is exported offline,
# imported as events, sent through the gateway into an empty topic twice (the second import must
# change nothing), and made again by the projector as its head of service: the two returns are
# equal after sorting. The second return is audited naming every child in it. Annex A made by
# the projector equals Annex A made offline from the imported events.
set -euo pipefail
. "$(dirname "$0")/../support/stack.sh"
start_stack roundtrip
cal="$src/deploy/calendar/england-and-wales.txt"

"$bin/sightlinectl" simulate --seed 21 --start 2024-10-01 --days 547 --contacts-per-day 10 \
  --la 886 --id-prefix rt --out "$work/county.ndjson" 2>/dev/null
"$bin/sightlinectl" returns cin-census --year 2025-26 --la 886 --events "$work/county.ndjson" \
  --calendar "$cal" --out "$work/a.xml"
"$bin/sightlinectl" import cin-census "$work/a.xml" --actor hos-data1 --out "$work/imported.ndjson"
mode=$(stat -c %a "$work/imported.ndjson")
[ "$mode" = 600 ] || { echo "round_trip: the imported events have mode $mode, not 600" >&2; exit 1; }
imported=$(wc -l <"$work/imported.ndjson")
for pass in 1 2; do
  "$bin/sightlinectl" emit --file "$work/imported.ndjson" --gateway "$gw" \
    --token-file "$work/gateway.token" >/dev/null
done

# The projector's return, once it has caught up with every imported event.
ok=0
for _ in $(seq 1 120); do
  if "$bin/sightlinectl" returns cin-census --projector "$app" --token-file "$work/hos.token" \
      --year 2025-26 --la 886 --out "$work/b.xml" >"$work/said" 2>&1 &&
     python3 "$src/scripts/returns/compare-cin-census.py" "$work/a.xml" "$work/b.xml" >"$work/compared"; then
    ok=1
    break
  fi
  sleep 0.5
done
cat "$work/said" "$work/compared"
[ "$ok" = 1 ] || { echo "round_trip: the returns never agreed" >&2; exit 1; }
mode=$(stat -c %a "$work/b.xml")
[ "$mode" = 600 ] || { echo "round_trip: the projector's return has mode $mode, not 600" >&2; exit 1; }

# Annex A made by the projector is the one made offline from the same (imported) events.
"$bin/sightlinectl" returns annex-a --projector "$app" --token-file "$work/hos.token" \
  --from 2025-10-01 --to 2026-03-31 --out "$work/annex-projector"
"$bin/sightlinectl" returns annex-a --events "$work/imported.ndjson" \
  --from 2025-10-01 --to 2026-03-31 --out "$work/annex-offline" >/dev/null
diff -r "$work/annex-projector" "$work/annex-offline" >/dev/null ||
  { echo "round_trip: the projector's Annex A differs from the offline one" >&2; exit 1; }

# Imported twice, on the topic once: the day the stack seeded, and each imported event.
seeded=$(wc -l <"$work/day.ndjson")
"$bin/sightlinectl" summary --brokers "$brokers" --topic "$topic" --json >"$work/summary.json"
python3 - "$work/summary.json" "$((seeded + imported))" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
want = int(sys.argv[2])
beats = s["by_type"].get("pipeline_heartbeat", 0)  # The gateway's own, about no child.
events = s["records"] - beats
print(f"on the topic: {events} events ({s['duplicates']} duplicates) and {beats} heartbeats; "
      f"expected {want}")
if events != want or s["duplicates"] != 0:
    sys.exit("round_trip: the second import changed the topic")
PY

# A mash practitioner may not make the return; the head of service's run was audited.
if "$bin/sightlinectl" returns cin-census --projector "$app" --token-file <(printf '%s\n' "$token") \
    --year 2025-26 --la 886 --out "$work/c.xml" 2>"$work/refused"; then
  echo "round_trip: a mash practitioner made the return" >&2; exit 1
fi
grep -q 403 "$work/refused" || { cat "$work/refused" >&2; exit 1; }
[ ! -e "$work/c.xml" ] || { echo "round_trip: a refused return left a file" >&2; exit 1; }
"$bin/sightlinectl" audit user hos-data1 --brokers "$brokers" --topic "$topic.audit" --json \
  >"$work/audit.ndjson"
python3 - "$work/audit.ndjson" "$work/b.xml" <<'PY'
import json, sys, xml.etree.ElementTree as ET
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
census = [r for r in rows if r["endpoint"] == "GET /v1/returns/cin-census" and r["outcome"] == "GRANTED"]
children = len(list(ET.parse(sys.argv[2]).getroot().iter("Child")))
named = set()
for r in census:
    named.update(r.get("child_ids_shown", []))
print(f"audited: {len(census)} records naming {len(named)} distinct children; the last return holds {children}")
if not census or len(named) < children:
    sys.exit("round_trip: the return's children are not all named in the audit")
PY
