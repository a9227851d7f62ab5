#!/usr/bin/env bash
# Fetches the pinned Kafka broker jars into $SIGHTLINE_KAFKA_LIBS (default .cache/kafka-libs).
# Idempotent: does nothing when the folder is complete for this pom.xml.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
libs=${SIGHTLINE_KAFKA_LIBS:-$root/.cache/kafka-libs}
stamp="$libs/.pom.sha256"
want=$(sha256sum "$here/pom.xml" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && ls "$libs"/kafka_2.13-*.jar >/dev/null 2>&1; then
  exit 0
fi
echo "kafka: fetching broker jars with Maven into $libs"
rm -rf "$libs.tmp" && mkdir -p "$libs.tmp"
mvn -B -q -f "$here/pom.xml" dependency:copy-dependencies \
  -DoutputDirectory="$libs.tmp" -DincludeScope=runtime
rm -rf "$libs" && mv "$libs.tmp" "$libs"
echo "$want" >"$stamp"
echo "kafka: $(ls "$libs" | wc -l) jars ready"
