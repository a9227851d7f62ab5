#!/usr/bin/env bash
# Checks the operations configs in deploy/ with the tools that will load them: Prometheus's
# scrape config and Sightline's health rules (promtool, including the rules' unit tests) and the
# sample Alertmanager routing (amtool). Exits non-zero on the first problem.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in promtool amtool; do
  command -v "$tool" >/dev/null || { echo "check-deploy: $tool missing (scripts/deps.sh installs it)"; exit 1; }
done
promtool check config deploy/prometheus/prometheus.yml >/dev/null
promtool test rules deploy/prometheus/sightline-rules.test.yml >/dev/null
amtool check-config deploy/alertmanager/alertmanager.yml >/dev/null
echo "deploy configs: ok (promtool check config, promtool test rules, amtool check-config)"
