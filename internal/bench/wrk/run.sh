#!/usr/bin/env bash
# Order sync measured from outside: wrk (its own process) against the real
# rebound binary, and against `rebound bench decode-server` (another
# process) as the baseline, alternating in slices within one run.
#
#   internal/bench/wrk/run.sh                     # SQLite, one server
#   DB=postgres://… internal/bench/wrk/run.sh     # PostgreSQL, one server
#   DB=postgres://… REPLICAS=2 internal/bench/wrk/run.sh   # two replicas, one wrk per replica
#
# Env: BIN (default: go build), SLICES (3), SLICE (5s), CONNS (32), THREADS (2),
# ID_POOL (orders.lua: ids cycle through that many orders, i.e. re-syncs).
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"' EXIT
BIN=${BIN:-}
if [[ -z "$BIN" ]]; then BIN=$work/rebound; (cd "$root" && go build -o "$BIN" ./cmd/rebound); fi
SLICES=${SLICES:-3} SLICE=${SLICE:-5s} CONNS=${CONNS:-32} THREADS=${THREADS:-2} REPLICAS=${REPLICAS:-1}
export ORDER_FILE=$root/internal/examples/order.json
dbargs=(--data-dir "$work/data")
env=()
if [[ -n "${DB:-}" ]]; then
  schema=wrk_$RANDOM$RANDOM
  psql "$DB" -qc "CREATE SCHEMA $schema"
  trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; psql "$DB" -qc "DROP SCHEMA '$schema' CASCADE"; rm -rf "$work"' EXIT
  sep='?'; [[ "$DB" == *\?* ]] && sep='&'
  dbargs=(--database-url "$DB${sep}search_path=$schema")
  env=(REBOUND_SECRET_KEY="$(head -c32 /dev/urandom | base64)")
fi
out=$(env "${env[@]}" "$BIN" store create --name wrk "${dbargs[@]}")
export STORE_ID=$(echo "$out" | sed 's/.*"storeId":"\([^"]*\)".*/\1/') API_KEY=$(echo "$out" | sed 's/.*"apiKey":"\([^"]*\)".*/\1/')
urls=()
for i in $(seq 1 "$REPLICAS"); do
  port=$((18100 + i))
  env "${env[@]}" REBOUND_LOG_LEVEL=warn "$BIN" serve --addr 127.0.0.1:$port "${dbargs[@]}" 2>>"$work/serve.log" & pids+=($!)
  urls+=(http://127.0.0.1:$port)
done
"$BIN" bench decode-server --addr 127.0.0.1:18099 2>/dev/null & pids+=($!)
for u in "${urls[@]}"; do until curl -sf -o /dev/null "$u/readyz"; do sleep 0.1; done; done
until curl -s -o /dev/null http://127.0.0.1:18099/; do sleep 0.1; done
drive() { # drive NAME URL... : one wrk per URL, CONNS split between them
  local name=$1; shift
  local n=$#
  local c=$((CONNS / n))
  local ps=()
  for u in "$@"; do wrk -t"$THREADS" -c"$c" -d"$SLICE" --latency -s "$root/internal/bench/wrk/orders.lua" "$u" | grep RESULT | sed "s|^|$name $u |" & ps+=($!); done
  wait "${ps[@]}"
}
drive warmup-decode http://127.0.0.1:18099 >/dev/null
drive warmup-sync "${urls[@]}" >/dev/null
for s in $(seq 1 "$SLICES"); do
  drive decode http://127.0.0.1:18099
  drive sync "${urls[@]}"
done
