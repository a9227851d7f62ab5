#!/usr/bin/env bash
# Fails when a tracked C++ file is not clang-formatted (.clang-format). With --fix, formats them.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.cc' '*.h')
if [ "${1:-}" = "--fix" ]; then
  clang-format -i $files
  exit 0
fi
bad=$(for f in $files; do clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || echo "$f"; done)
if [ -n "$bad" ]; then
  echo "not clang-formatted (run scripts/check-format.sh --fix):"
  echo "$bad"
  exit 1
fi
echo "formatting: ok"
