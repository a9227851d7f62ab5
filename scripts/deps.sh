#!/usr/bin/env bash
# Installs what Sightline needs to build, test and run the demo, from Debian packages (and the
# Kafka jars through Maven, see scripts/kafka/fetch.sh). Idempotent and fast when all is there:
# apt-get runs only when a package is missing.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config git
  librdkafka-dev libprotobuf-dev protobuf-compiler librocksdb-dev prometheus-cpp-dev
  libgtest-dev libgmock-dev libyaml-cpp-dev nlohmann-json3-dev libboost1.81-dev libcli11-dev
  libcjose-dev libjansson-dev kcat wrk clang clang-format clang-tidy libclang-rt-14-dev zlib1g-dev maven openjdk-17-jre-headless curl libssl-dev
  chromium nodejs npm prometheus prometheus-alertmanager python3-yaml python3-venv
  rocksdb-tools binutils libjemalloc-dev libexpat1-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A Node.js with npm from elsewhere serves as well as Debian's.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs/}")
  missing=("${missing[@]/npm/}")
fi
# A JDK from elsewhere (e.g. a preinstalled one) serves as well as Debian's JRE.
if command -v java >/dev/null 2>&1; then
  missing=("${missing[@]/openjdk-17-jre-headless/}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
"$(dirname "$0")/kafka/fetch.sh"
# playwright-core and axe-core for the browser tests, pinned by tests/browser/package-lock.json;
# playwright drives Debian's chromium (installed above), so no browser is downloaded. `npm ls`
# fails when anything pinned is missing or of another version.
browser_dir="$(dirname "$0")/../tests/browser"
if ! (cd "$browser_dir" && npm ls --depth=0 >/dev/null 2>&1); then
  (cd "$browser_dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
fi
# GOV.UK Frontend for the triage screen (ADR 0012), pinned by web/package-lock.json: its compiled
# CSS is served from web/node_modules as a static file.
web_dir="$(dirname "$0")/../web"
if ! (cd "$web_dir" && npm ls --depth=0 >/dev/null 2>&1); then
  (cd "$web_dir" && npm ci --no-audit --no-fund --silent)
fi
# A venv of Debian's python3 with a pinned requirements file, remade when the file changes.
pinned_venv() {  # dir requirements [pip options]
  if ! cmp -s "$2" "$1/$(basename "$2")" 2>/dev/null; then
    rm -rf "$1"
    /usr/bin/python3 -m venv "$1"
    "$1/bin/pip" install -q --disable-pip-version-check "${@:3}" -r "$2"
    cp "$2" "$1/$(basename "$2")"
  fi
}
# Python test tools (schemathesis).
pinned_venv "$(dirname "$0")/../build/venv" "$(dirname "$0")/requirements-test.txt"
# The statutory returns' checkers (DfE's CIN census validator, liiatools' Annex A cleaner), in a
# venv of their own: their pandas and numpy pins are not the test tools'. A complete lock, so
# --no-deps (liiatools' cchardet pin is left out; the file says why).
pinned_venv "$(dirname "$0")/../build/venv-returns" "$(dirname "$0")/requirements-returns.txt" --no-deps
echo "deps: ready"
