#!/usr/bin/env bash
# Ofsted's Annex A (issue 16) checked by the ecosystem's own tool: a simulated county's lists for
# six months, packed into a workbook, go through liiatools' Annex A cleaner (liiatools 0.2.0, in
# build/venv-returns), which must log no cell error and keep every row. Also: the directory is
# 0700 and every file 0600, and lists 1-7 are not empty. Rows per list are printed for the note.
set -euo pipefail
src=${SIGHTLINE_SOURCE_DIR:?} bin=${SIGHTLINE_BIN_DIR:?}
venv=${SIGHTLINE_RETURNS_VENV:-$src/build/venv-returns}
[ -x "$venv/bin/python" ] || { echo "annex_a: $venv missing (scripts/deps.sh makes it)" >&2; exit 1; }
work=$(mktemp -d /tmp/sightline-annex-XXXXXX)
trap 'rm -rf "$work"' EXIT

"$bin/sightlinectl" simulate --seed 16 --start 2025-10-01 --days 365 --contacts-per-day 10 \
  --la 886 --id-prefix ax --out "$work/county.ndjson" 2>/dev/null
umask 022  # The lists must be private whatever the umask would give.
"$bin/sightlinectl" returns annex-a --from 2026-04-01 --to 2026-09-30 \
  --events "$work/county.ndjson" --out "$work/lists" | tee "$work/said"
[ "$(stat -c %a "$work/lists")" = 700 ] || { echo "annex_a: the directory is not 0700" >&2; exit 1; }
for f in "$work"/lists/*.csv; do
  [ "$(stat -c %a "$f")" = 600 ] || { echo "annex_a: $f is not 0600" >&2; exit 1; }
done
for n in 1 2 3 4 5 6 7; do
  grep -Eq "^  List $n .*: [1-9][0-9]* rows" "$work/said" || { echo "annex_a: List $n is empty" >&2; exit 1; }
done
"$venv/bin/python" "$src/scripts/returns/annex-a-workbook.py" "$work/lists" "$work/annex-a.xlsx"
[ "$(stat -c %a "$work/annex-a.xlsx")" = 600 ] || { echo "annex_a: the workbook is not 0600" >&2; exit 1; }
"$venv/bin/python" "$src/scripts/returns/check-annex-a.py" "$work/annex-a.xlsx" 2>&1 | grep -v '^Loading '
exit "${PIPESTATUS[0]}"
