#!/usr/bin/env bash
# `make test-tsan`: the unit tests (the domain's aside) and the consumer shell's broker test (the
# threads of the shell, librdkafka, RocksDB and the HTTP servers together) built with
# ThreadSanitizer, in build/tsan.
# Any data race fails the run. Starts and stops its own broker like scripts/test.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cmake --preset tsan >/dev/null
# The unit tests that are binaries (not the deploy-config check), and the shell's broker test.
# Not the domain's tests: the domain is pure logic with no threads (nothing in domain/ or
# tests/domain/ starts one or shares memory between threads), so ThreadSanitizer has nothing to
# find there, and building them a third time took about half a minute of CI.
tests=$(ctest --test-dir build/tsan -N -L unit | sed -n 's/^ *Test *#[0-9]*: \(.*_test\)$/\1/p' |
  grep -v '^domain_')
tests="$tests integration_consumer_shell_test"
# shellcheck disable=SC2086
cmake --build --preset tsan -j "$(nproc)" --target $tests
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$root/tests/tsan.supp"
regex="^($(echo $tests | sed 's/ /|/g'))\$"
scripts/with-test-broker.sh ctest --test-dir build/tsan --output-on-failure -j "$(nproc)" \
  -R "$regex" --no-tests=error
