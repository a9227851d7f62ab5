#!/usr/bin/env bash
# Grants each Sightline service exactly what it needs on a broker with an authorizer (issue 13);
# everything else is denied (allow.everyone.if.no.acl.found=false). One SCRAM user per service:
#   gateway    writes events and audit records
#   projector  reads events and alerts (its alert board); writes dead letters and audit records
#   watchdog   reads events; writes alerts, dead letters and audit records
#   notifier   reads alerts; writes dead letters and audit records
#   auditor    reads audit records (sightlinectl audit)
# Consumer groups are the services' group ids and any starting with them (rebuilds, replicas).
#   deploy/kafka/acls.sh BOOTSTRAP ADMIN_CLIENT_PROPERTIES [KAFKA_LIBS_DIR]
set -euo pipefail
bootstrap=${1:?usage: acls.sh BOOTSTRAP ADMIN_CLIENT_PROPERTIES [KAFKA_LIBS_DIR]}
admin=${2:?usage: acls.sh BOOTSTRAP ADMIN_CLIENT_PROPERTIES [KAFKA_LIBS_DIR]}
root=$(cd "$(dirname "$0")/../.." && pwd)
libs=${3:-$root/.cache/kafka-libs}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
acl() {
  java -cp "$libs/*" -Dlog4j.configuration="file:$root/scripts/kafka/log4j.properties" \
    -Dkafka.logs.dir="$logs" kafka.admin.AclCommand \
    --bootstrap-server "$bootstrap" --command-config "$admin" --add --force "$@" >/dev/null
}
write() {  # user topic...
  local user=$1; shift
  for t in "$@"; do acl --allow-principal "User:$user" --operation Write --operation Describe --topic "$t"; done
  acl --allow-principal "User:$user" --operation IdempotentWrite --cluster
}
read_topic() {  # user group topic...
  local user=$1 group=$2; shift 2
  for t in "$@"; do acl --allow-principal "User:$user" --operation Read --operation Describe --topic "$t"; done
  acl --allow-principal "User:$user" --operation Read --group "$group" --resource-pattern-type prefixed
}
write gateway sightline.events.v1 sightline.audit.v1
read_topic projector sightline-projector sightline.events.v1 sightline.alerts.v1
write projector sightline.dlq.v1 sightline.audit.v1
read_topic watchdog sightline-watchdog sightline.events.v1
write watchdog sightline.alerts.v1 sightline.dlq.v1 sightline.audit.v1
read_topic notifier sightline-notifier sightline.alerts.v1
write notifier sightline.dlq.v1 sightline.audit.v1
read_topic auditor sightline-audit sightline.audit.v1
echo "acls: granted per service on $bootstrap"
