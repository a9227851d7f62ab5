#!/usr/bin/env bash
# Checks the dependency direction (docs/ARCHITECTURE.md): domain includes nothing of ours but
# itself and the generated schema, and no adapter library; each third-party library is included
# only by its adapter; services never include each other. Prints every violation; exits 1 if any.
set -uo pipefail
cd "$(dirname "$0")/.."
fail=0
violation() { echo "dependency violation: $*"; fail=1; }

# 1. Domain is pure.
while IFS= read -r line; do violation "domain includes an adapter or service: $line"; done < <(
  grep -rnE '#include *[<"](sightline/(kafka|http|config|metrics|clock|storage|crypto|runtime)/|librdkafka|rdkafka|rocksdb/|prometheus/|httplib|yaml-cpp|nlohmann|CLI/)' domain/ || true)

# 2. Each library only in its adapter.
check_only() {  # pattern allowed-dir
  while IFS= read -r line; do violation "$1 outside $2: $line"; done < <(
    grep -rnE "#include *[<\"]$1" --include='*.h' --include='*.cc' domain adapters services tests |
      grep -v "^$2/" || true)
}
check_only 'librdkafka/' adapters/kafka
check_only 'rocksdb/' adapters/storage
check_only 'httplib' adapters/http
check_only 'yaml-cpp/' adapters/config
check_only 'openssl/' adapters/crypto

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
