#!/usr/bin/env bash
# Issue 17: projector replicas behind a load balancer, and a session that never sees time go
# backwards (read_token.h, ADR 0022). Replica A serves a seeded day; more events are written;
# replica B starts from nothing on the same topic. A client that has read A's newest answer asks
# B with X-Sightline-Not-Before: B waits until it has applied that much, or answers 503 with
# Retry-After, and never answers from an older state. Then the client alternates between the two,
# and the applied offsets it is shown never go back on any partition.
set -euo pipefail
. "$(dirname "$0")/../support/stack.sh"
start_stack replicas

applied_of() {  # applied_of URL [NOT_BEFORE]: "<status> <X-Sightline-Applied>" of GET /v1/queue
  local h=()
  [ -n "${2:-}" ] && h=(-H "X-Sightline-Not-Before: $2")
  curl -sS -o /dev/null -D "$work/headers" -w '%{http_code}' -H "Authorization: Bearer $token" \
    "${h[@]}" "$1/v1/queue" >"$work/code"
  printf '%s %s\n' "$(cat "$work/code")" \
    "$(tr -d '\r' <"$work/headers" | sed -n 's/^[Xx]-[Ss]ightline-[Aa]pplied: //p')"
}
# covers A B: every partition of token B is at or below A's.
covers() { python3 -c '
import sys
a = dict(p.split(":") for p in sys.argv[1].split(",") if p)
b = dict(p.split(":") for p in sys.argv[2].split(",") if p)
sys.exit(0 if all(int(a.get(k, -1)) >= int(v) for k, v in b.items()) else 1)' "$1" "$2"; }

# More events than replica A had: a second day, through the gateway.
"$bin/sightlinectl" simulate --seed 6 --start "$(date -u -d '2 days ago' +%F)" --days 1 \
  --contacts-per-day 40 --id-prefix rep --out "$work/day2.ndjson" 2>/dev/null
"$bin/sightlinectl" emit --file "$work/day2.ndjson" --gateway "$gw" \
  --token-file "$work/gateway.token" >/dev/null
total=$(( $(wc -l <"$work/day.ndjson") + $(wc -l <"$work/day2.ndjson") ))
for _ in $(seq 1 300); do
  seen=$(applied_of "$app" | cut -d' ' -f2)
  [ "$(echo "$seen" | tr ',' '\n' | awk -F: '{s += $2} END {print s + 0}')" -ge "$total" ] && break
  sleep 0.1
done
echo "replicas: A has applied $seen"

# Replica B: the same topic, a store of its own, started now.
sed -e "s|data_dir: \"$work/data\"|data_dir: \"$work/data-b\"|" -e "s|group_id: $topic.p}|group_id: $topic.p-b}|" \
  "$work/projector.yaml" >"$work/projector-b.yaml"
"$bin/sightline-projector" --config "$work/projector-b.yaml" --port-file "$work/pr-b.port" \
  >"$work/projector-b.log" 2>&1 &
stack_pids+=($!)
for _ in $(seq 1 100); do [ -s "$work/pr-b.port" ] && break; sleep 0.1; done
app_b="http://127.0.0.1:$(cat "$work/pr-b.port")"

# Asked for what the client has seen, B answers only once it has applied it.
waited=0
for _ in $(seq 1 30); do
  read -r code applied <<<"$(applied_of "$app_b" "$seen")"
  [ "$code" = 200 ] && break
  [ "$code" = 503 ] || { echo "replicas: B answered $code" >&2; exit 1; }
  waited=$((waited + 1))
done
[ "$code" = 200 ] || { echo "replicas: B never caught up" >&2; exit 1; }
covers "$applied" "$seen" || { echo "replicas: B answered from $applied, older than $seen" >&2; exit 1; }
echo "replicas: B answered after $waited answers of 503, from $applied"

# Beyond anything on the topic: 503 with Retry-After, never an older answer.
future=$(python3 -c 'import sys; print(",".join(f"{p}:{int(o) + 1000000}" for p, o in (x.split(":") for x in sys.argv[1].split(","))))' "$seen")
read -r code _ <<<"$(applied_of "$app_b" "$future")"
[ "$code" = 503 ] || { echo "replicas: a token from the future got $code, not 503" >&2; exit 1; }
grep -qi '^retry-after: 1' "$work/headers" || { echo "replicas: no Retry-After" >&2; exit 1; }
read -r code _ <<<"$(applied_of "$app_b" "0:x")"
[ "$code" = 400 ] || { echo "replicas: a malformed token got $code, not 400" >&2; exit 1; }

# A session alternating between the replicas never goes back.
session=$seen
for i in $(seq 1 20); do
  url=$app; [ $((i % 2)) = 0 ] && url=$app_b
  read -r code applied <<<"$(applied_of "$url" "$session")"
  [ "$code" = 200 ] || { echo "replicas: request $i answered $code" >&2; exit 1; }
  covers "$applied" "$session" || { echo "replicas: request $i went back: $applied < $session" >&2; exit 1; }
  session=$applied
done
echo "replicas: 20 reads alternating between two replicas, none older than the one before"
