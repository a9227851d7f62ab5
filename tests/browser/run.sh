#!/usr/bin/env bash
# CTest entry for the browser test: a gateway and a projector seeded with a simulated day
# (tests/support/stack.sh), then triage.test.mjs in Debian's chromium. Screenshot:
# $SIGHTLINE_SCREENSHOT or the build dir.
set -euo pipefail
. "$(dirname "$0")/../support/stack.sh"
start_stack browser
cd "$src/tests/browser"
[ -d node_modules/playwright-core ] || { echo "playwright-core missing: run scripts/deps.sh"; exit 1; }
SIGHTLINE_APP_URL=$app SIGHTLINE_GATEWAY_URL=$gw SIGHTLINE_TOKEN=$token \
  SIGHTLINE_GATEWAY_TOKEN=$gateway_token \
  SIGHTLINE_SCREENSHOT=${SIGHTLINE_SCREENSHOT:-$bin/../triage-queue.png} node triage.test.mjs
