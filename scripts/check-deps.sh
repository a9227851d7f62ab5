#!/usr/bin/env bash
# Checks the dependency direction (docs/ARCHITECTURE.md): domain includes nothing of ours but
# itself and the generated schema, and no adapter library; each room of the domain includes only
# the rooms it is allowed; each third-party library is included only by its adapter; services
# never include each other; the simulator is a tool that no service but sightlinectl uses.
# Prints every violation; exits 1 if any.
set -uo pipefail
cd "$(dirname "$0")/.."
fail=0
violation() { echo "dependency violation: $*"; fail=1; }

# 1. Domain is pure.
while IFS= read -r line; do violation "domain includes an adapter or service: $line"; done < <(
  grep -rnE '#include *[<"](sightline/(kafka|http|config|metrics|clock|storage|crypto|runtime)/|librdkafka|rdkafka|rocksdb/|prometheus/|httplib|yaml-cpp|nlohmann|CLI/)' domain/ || true)

# 1b. Rooms of the domain: what each may include of ours (the schema is open to all but core).
declare -A rooms=(
  [core]="core"
  [events]="core events"
  [calendar]="core calendar"
  [projection]="core events calendar projection"
  [clocks]="core events calendar clocks"
  [notify]="core calendar notify"
  [access]="core access"
  [returns]="core events calendar returns"
)
for room in "${!rooms[@]}"; do
  allowed=$(echo "${rooms[$room]}" | sed 's/ /|/g')
  while IFS= read -r line; do violation "domain room $room may include only ${rooms[$room]}: $line"; done < <(
    grep -rnE '#include *"sightline/' "domain/$room" |
      grep -vE "#include *\"sightline/(core|domain/($allowed))/" |
      grep -vE '#include *"sightline/(events|projections|alerts|watchdog|notifier|audit)/v1/' || true)
done
while IFS= read -r line; do violation "domain core includes the schema: $line"; done < <(
  grep -rnE '#include *"sightline/[a-z]+/v1/' domain/core || true)
while IFS= read -r line; do violation "domain code outside a room: $line"; done < <(
  find domain -name '*.h' -o -name '*.cc' | grep -vE "^domain/($(echo "${!rooms[@]}" | sed 's/ /|/g'))/" || true)

# 1c. The simulator is a tool: only sightlinectl, tests and benchmarks use it.
while IFS= read -r line; do violation "simulator used outside tools: $line"; done < <(
  grep -rnE '#include *"sightline/simulator/' domain adapters services | grep -v '^services/ctl/' || true)

# 2. Each library only in its adapter.
check_only() {  # pattern allowed-dir
  while IFS= read -r line; do violation "$1 outside $2: $line"; done < <(
    grep -rnE "#include *[<\"]$1" --include='*.h' --include='*.cc' domain adapters services tests |
      grep -v "^$2/" || true)
}
check_only 'librdkafka/' adapters/kafka
check_only 'rocksdb/' adapters/storage
check_only 'boost/' adapters/http
check_only 'yaml-cpp/' adapters/config
check_only 'openssl/' adapters/crypto
check_only 'cjose/' adapters/identity
check_only 'expat' adapters/xml

# 3. Services do not include each other (they talk through topics).
for svc in services/*/; do
  name=$(basename "$svc")
  while IFS= read -r line; do violation "service $name includes another service: $line"; done < <(
    grep -rnE '#include *"(\.\./)+[a-z]+/src/|#include *"services/' "$svc" || true)
done

# 4. Adapters do not include services.
while IFS= read -r line; do violation "adapter includes a service: $line"; done < <(
  grep -rnE '#include *"services/' adapters || true)

[ $fail -eq 0 ] && echo "dependency direction: ok"
exit $fail
