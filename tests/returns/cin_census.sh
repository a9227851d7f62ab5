#!/usr/bin/env bash
# The CIN census (issue 16) checked by DfE's own validator: a simulated county's year and the half
# year before it are exported for 2026-27, and csc-validator-be-cin (ruleset cin2026_27) must
# find no errors. Also: the file is written with mode 0600 and holds every simulated child with a
# referral in the year. The figures (rows per table, queries by rule) are printed for the note.
set -euo pipefail
src=${SIGHTLINE_SOURCE_DIR:?} bin=${SIGHTLINE_BIN_DIR:?}
venv=${SIGHTLINE_RETURNS_VENV:-$src/build/venv-returns}
[ -x "$venv/bin/python" ] || { echo "cin_census: $venv missing (scripts/deps.sh makes it)" >&2; exit 1; }
work=$(mktemp -d /tmp/sightline-cin-XXXXXX)
trap 'rm -rf "$work"' EXIT

"$bin/sightlinectl" simulate --seed 16 --start 2025-10-01 --days 547 --contacts-per-day 12 \
  --la 886 --id-prefix cin --out "$work/county.ndjson" 2>/dev/null
umask 022  # The census must be 0600 whatever the umask would give.
"$bin/sightlinectl" returns cin-census --year 2026-27 --la 886 --events "$work/county.ndjson" \
  --calendar "$src/deploy/calendar/england-and-wales.txt" --out "$work/cin.xml" | tee "$work/said"
mode=$(stat -c %a "$work/cin.xml")
[ "$mode" = 600 ] || { echo "cin_census: the census file has mode $mode, not 600" >&2; exit 1; }

# Every child with a referral in the year is in the file (counted from the events themselves).
python3 - "$work/county.ndjson" "$work/cin.xml" <<'PY'
import json, sys, xml.etree.ElementTree as ET
referred = set()
for line in open(sys.argv[1]):
    e = json.loads(line)
    d = e.get("contactDecided") or e.get("contact_decided")
    if d and d.get("decision") in ("CONTACT_DECISION_S17_ASSESSMENT", "CONTACT_DECISION_S47_STRATEGY"):
        day = (e.get("occurredAt") or e.get("occurred_at"))[:10]
        if "2026-04-01" <= day <= "2027-03-31":
            referred.add(e.get("childId") or e.get("child_id"))
def la_child_id(child):  # As domain/returns: the id, or "S" and its FNV-1a 64-bit hash.
    if child.isalnum() and child.isascii() and len(child) <= 20:
        return child
    h = 14695981039346656037
    for b in child.encode():
        h = ((h ^ b) * 1099511628211) % 2**64
    return f"S{h:016x}"
root = ET.parse(sys.argv[2]).getroot()
ids = {c.findtext("ChildIdentifiers/LAchildID") for c in root.iter("Child")}
missing = sorted(c for c in referred if la_child_id(c) not in ids)
print(f"children referred in the year {len(referred)}, children in the return {len(ids)}")
if not referred or missing:
    sys.exit(f"cin_census: {len(missing)} children referred in the year are missing, e.g. {missing[:3]}")
PY
"$venv/bin/python" "$src/scripts/returns/check-cin-census.py" "$work/cin.xml" --ruleset cin2026_27
