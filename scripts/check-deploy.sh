#!/usr/bin/env bash
# Checks the operations configs in deploy/ with the tools that will load them: Prometheus's
# scrape config and Sightline's health rules (promtool, including the rules' unit tests), the
# sample Alertmanager routing (amtool), and the Kubernetes manifests (kubernetes-validate, offline,
# strict, against the schemas it ships). Exits non-zero on the first problem.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in promtool amtool; do
  command -v "$tool" >/dev/null || { echo "check-deploy: $tool missing (scripts/deps.sh installs it)"; exit 1; }
done
promtool check config deploy/prometheus/prometheus.yml >/dev/null
promtool test rules deploy/prometheus/sightline-rules.test.yml >/dev/null
amtool check-config deploy/alertmanager/alertmanager.yml >/dev/null
# Paging (ADR 0010): urgent alerts out of hours reach the rotas; the rest the day ladder.
route() {  # expected-receivers label=value...
  local want=$1; shift
  amtool config routes test --config.file=deploy/alertmanager/alertmanager.yml \
    --verify.receivers="$want" alertname=SightlineClockOverdue "$@" >/dev/null 2>&1 ||
    { echo "check-deploy: $* should route to $want"; exit 1; }
}
route emergency-duty-team,on-call-manager level=1 urgency=urgent team=mash \
  paged=emergency_duty_team,on_call_manager
route on-call-manager level=2 urgency=urgent team=mash paged=on_call_manager
route front-door-team-managers level=1 urgency=urgent team=mash paged=team_manager
route front-door-team-managers level=1 urgency=working-hours team=mash paged=team_manager
route heads-of-service-and-director level=3 urgency=working-hours team=mash paged=head_of_service
# Kubernetes (issue 17): every manifest against the API schemas of the oldest supported release
# and the newest the validator knows, rejecting unknown fields; the policy ConfigMap must be the
# policy and calendar the tests run.
validate=build/venv/bin/kubernetes-validate
[ -x "$validate" ] || { echo "check-deploy: $validate missing (scripts/deps.sh installs it)"; exit 1; }
for version in 1.29.0 1.34.0; do
  "$validate" --strict --quiet -k "$version" deploy/k8s/*.yaml ||
    { echo "check-deploy: deploy/k8s does not validate against Kubernetes $version"; exit 1; }
done
python3 scripts/k8s-policy.py --check
echo "deploy configs: ok (promtool check config, promtool test rules, amtool check-config, routes," \
  "kubernetes-validate)"
