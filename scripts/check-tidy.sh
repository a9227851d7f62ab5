#!/usr/bin/env bash
# clang-tidy with the checks of .clang-tidy (every finding an error) over the project's sources.
#   scripts/check-tidy.sh            the .cc files changed since HEAD~1, uncommitted ones too, and
#                                    the .cc files that include a changed header (CI, make check)
#   scripts/check-tidy.sh --base REV the same against REV (e.g. the branch point of a change)
#   scripts/check-tidy.sh --all      every file (about 10 minutes on 2 cores: make tidy-all)
# Needs build/compile_commands.json and the generated protos (make build).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${SIGHTLINE_BUILD_DIR:-build}
[ -f "$build/compile_commands.json" ] || { echo "no $build/compile_commands.json: run make build"; exit 1; }
dirs='^(domain|adapters|services|tools|tests|bench)/'
if [ "${1:-}" = "--all" ]; then
  files=$(git ls-files '*.cc' | grep -E "$dirs" || true)
else
  base=${2:-HEAD~1}
  [ "${1:-}" = "--base" ] || base=HEAD~1
  git rev-parse -q --verify "$base^{commit}" >/dev/null || base=$(git rev-list --max-parents=0 HEAD)
  changed=$( (git diff --name-only --diff-filter=d "$base"; git diff --name-only --diff-filter=d;
              git ls-files --others --exclude-standard) | sort -u | grep -E "$dirs" || true)
  files=$(echo "$changed" | grep '\.cc$' || true)
  for h in $(echo "$changed" | grep '\.h$' || true); do
    files="$files $(git grep -l -F "$(basename "$h")\"" -- '*.cc' | grep -E "$dirs" || true)"
  done
  files=$(echo $files | tr ' ' '\n' | sort -u | grep -v '^$' || true)
fi
[ -n "$files" ] || { echo "clang-tidy: no C++ sources changed"; exit 0; }
n=$(echo "$files" | wc -l)
echo "clang-tidy: $n files"
# The tests' precompiled header is GCC's, which clang cannot read: tidy sees each file without it,
# as the file stands (ADR 0025's addendum).
db=$(mktemp -d)
python3 - "$build/compile_commands.json" "$db/compile_commands.json" <<'PY'
import json, re, sys
entries = json.load(open(sys.argv[1]))
for e in entries:
    e["command"] = re.sub(r" -Winvalid-pch| -include \S*cmake_pch\.hxx", "", e["command"])
json.dump(entries, open(sys.argv[2], "w"))
PY
log=$(mktemp)
if ! echo "$files" | xargs -P "$(nproc)" -n 1 clang-tidy -p "$db" --quiet >"$log" 2>&1; then
  grep -E 'warning:|error:' -A3 "$log" | head -200
  rm -rf "$log" "$db"
  echo "clang-tidy: findings above (.clang-tidy says why each check is on)"
  exit 1
fi
rm -rf "$log" "$db"
echo "clang-tidy: ok"
