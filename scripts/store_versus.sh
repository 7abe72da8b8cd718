#!/usr/bin/env bash
# The store on against --store none, interleaved, in one run: chatload's scenario against a fresh release
# chatroom-server of each kind in turn, RUNS times; each store is a new file in a temporary folder.
# Prints one line per run: delivered of expected, p50 and p99 (ms), server CPU per delivery (us).
# usage (from the project root, after `swift build -c release`):
#   scripts/store_versus.sh mid|sat|ceilRATE [runs]          e.g. scripts/store_versus.sh ceil10000 3
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SCEN=${1:-mid}; RUNS=${2:-3}
BIN=${BIN:-$HERE/../.build/release/chatroom-server}
[ -x "$BIN" ] || { echo "no $BIN: run swift build -c release first" >&2; exit 2; }
gcc -O2 -o /tmp/chatload "$HERE/../../shared/bench/chatload.c" || exit 2
case $SCEN in
  mid)    args="--clients 100 --senders 10 --rate 1000 --duration 8 --warmup 2" ;;
  sat)    args="--clients 100 --senders 20 --rate 5000 --duration 8 --warmup 2" ;;
  ceil*)  args="--clients 200 --senders 20 --rate ${SCEN#ceil} --duration 8 --warmup 2" ;;
  *) echo "scenario: mid, sat or ceilRATE" >&2; exit 2 ;;
esac
ulimit -n 65536 2>/dev/null || true
for _ in $(seq "$RUNS"); do
  for mode in store none; do
    folder=$(mktemp -d); port=$((7000 + RANDOM % 400))
    if [ $mode = store ]; then store="$folder/bench.sqlite"; else store=none; fi
    "$BIN" --host 127.0.0.1 --port $port --rate 0 --log-level error --store "$store" >/dev/null 2>&1 & pid=$!
    sleep 1  # the server's start-up; chatload retries its connections anyway
    result=$(timeout 120 /tmp/chatload --proto chatroom --port $port --server-pid $pid --json $args)
    kill $pid; wait $pid 2>/dev/null
    rm -rf "$folder"
    echo "$SCEN $mode $(echo "$result" | python3 -c 'import json, sys
d = json.load(sys.stdin)
print("delivered %d of %d  p50 %.2f ms  p99 %.2f ms  cpu %.2f us/delivery" % (
    d["delivered"], d["expected"], d["p50_us"] / 1000, d["p99_us"] / 1000, d["cpu_us_per_delivery"]))')"
  done
done
