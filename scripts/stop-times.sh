#!/usr/bin/env bash
# Stop times under load, N rounds (default 5): semdex serve (SIGTERM while `bench abuse` runs against it) and
# semdex demo (SIGTERM while the docs export is being embedded). usage: scripts/stop-times.sh [BIN/semdex] [N]
set -u
S=${1:-dist/target/semdex/bin/semdex}; N=${2:-5}; SHARED=${SEMDEX_SHARED_DATA:-$(dirname "$0")/../../shared/data}
ms() { date +%s%3N; }
wait_ready() { for _ in $(seq 1 600); do curl -sf -o /dev/null "http://127.0.0.1:$1/ready" && return 0; sleep 0.5; done; return 1; }
stop() { # pid name log
  local t0=$(ms); kill -TERM "$1"; local rc=0; wait "$1" || rc=$?; local t1=$(ms)
  echo "$2: exit $rc in $((t1 - t0)) ms ($(grep -c ' ERROR ' "$3") ERROR lines)"
}
for i in $(seq 1 "$N"); do
  d=$(mktemp -d /tmp/stops-XXXX); dp=$((18100 + i)); sp=$((18200 + i))
  "$S" demo --data "$d" --port $dp > "$d/demo.log" 2>&1 & demo=$!
  wait_ready $dp || { echo "demo not ready"; tail -20 "$d/demo.log"; exit 1; }
  "$S" produce "$SHARED/docs" --data "$d" > "$d/produce.log" 2>&1
  "$S" serve --data "$d" --port $sp > "$d/serve.log" 2>&1 & serve=$!
  wait_ready $sp || { echo "serve not ready"; tail -20 "$d/serve.log"; exit 1; }
  "$S" bench abuse --url "http://127.0.0.1:$sp" --seconds 60 --clients 8 > "$d/abuse.log" 2>&1 & abuse=$!
  sleep 8
  echo "round $i (load $(cut -d' ' -f1 /proc/loadavg), units published so far: $(curl -s "http://127.0.0.1:$dp/api/status" | grep -o '"units":[0-9]*'))"
  stop $serve "  serve, under bench abuse" "$d/serve.log"
  kill $abuse 2>/dev/null; wait $abuse 2>/dev/null
  stop $demo "  demo, mid-export" "$d/demo.log"
  rm -rf "$d"
done
