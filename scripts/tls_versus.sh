#!/usr/bin/env bash
# Plain against TLS, side by side in one run: a release chatroom-server with both listeners (plain and TLS) and
# chatroom-bench against each in turn, RUNS times. Prints each run, the medians and the TLS/plain ratios, and
# the issue's targets (TLS for server, client and bench) beside them.
#   mid|sat|ceilRATE   one server for every run; a scenario alternately over plain and TLS: delivered, p99,
#                      server CPU per delivery. Targets for mid: all delivered over TLS, p99 <= 5 ms, CPU per
#                      delivery <= 2x plain.
#   connect            a fresh server for every run (the memory per connection is measured from a fresh
#                      process's RSS): CLIENTS clients (1,000) connect, plain or TLS, and sit. How long until all
#                      were welcomed, the handshake rate, the server's RSS per connection. Targets: 1,000 TLS
#                      clients within 5 s, <= 64 KiB per TLS connection.
# The certificate: CERT=FILE KEY=FILE (PEM), verified against the system's authorities or CA=FILE; without them
# a self-signed EC P-256 one for 127.0.0.1 is made with openssl, and the bench verifies against it.
# usage (from the project root, after `swift build -c release`):
#   scripts/tls_versus.sh [mid|sat|ceilRATE|connect] [runs]       e.g. scripts/tls_versus.sh mid 3
#   extra server options: CHATROOM_ARGS="--store none"; extra bench options: BENCH_ARGS="--threads 2" (the last
#   of an option given twice wins: BENCH_ARGS="--duration 2 --warmup 0" makes a smoke run, without the targets)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
MODE=${1:-mid}; RUNS=${2:-3}
SERVER=${SERVER:-$HERE/../.build/release/chatroom-server}
BENCH=${BENCH:-$HERE/../.build/release/chatroom-bench}
for binary in "$SERVER" "$BENCH"; do
  [ -x "$binary" ] || { echo "no $binary: run swift build -c release first" >&2; exit 2; }
done
case $MODE in
  mid)     args="--clients 100 --senders 10 --rate 1000 --duration 8 --warmup 2" ;;
  sat)     args="--clients 100 --senders 20 --rate 5000 --duration 8 --warmup 2" ;;
  ceil*)   args="--clients 200 --senders 20 --rate ${MODE#ceil} --duration 8 --warmup 2" ;;
  connect) args="--clients ${CLIENTS:-1000} --rate 0" ;;
  *) echo "mode: mid, sat, ceilRATE or connect" >&2; exit 2 ;;
esac
ulimit -n 65536 2>/dev/null || true
work=$(mktemp -d)
pid=
stop() { # the server, if one runs
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  pid=
}
trap 'stop; rm -rf "$work"' EXIT

if [ -n "${CERT:-}" ]; then
  cert=$CERT; key=${KEY:?KEY=FILE goes with CERT=FILE}
  trust=${CA:+--tls-ca $CA}
else
  cert=$work/cert.pem; key=$work/key.pem
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout "$key" -out "$cert" 2>"$work/openssl.log" \
    || { cat "$work/openssl.log" >&2; exit 2; }
  trust="--tls-ca $cert"
fi

listening() { ss -Hltn "sport = :$1" | grep -q LISTEN; }

start() { # a server on two free-looking ports, $plain and $tls; a port taken meanwhile: another pick
  for _ in 1 2 3 4 5; do
    plain=$((7000 + RANDOM % 900)); tls=$((plain + 1000))
    listening $plain || listening $tls && continue
    rm -f "$work"/bench.sqlite*  # each server starts from an empty store
    "$SERVER" --host 127.0.0.1 --port $plain --tls-port $tls --tls-cert "$cert" --tls-key "$key" --rate 0 \
      --log-level error --store "$work/bench.sqlite" ${CHATROOM_ARGS:-} >>"$work/server.log" 2>&1 & pid=$!
    for _ in $(seq 100); do # up to 10 s for both listeners
      kill -0 $pid 2>/dev/null || break
      listening $plain && listening $tls && return 0
      sleep 0.1
    done
    stop
  done
  echo "the server did not start; its log:" >&2; cat "$work/server.log" >&2
  exit 2
}

bench() { # plain|tls -> one JSON line
  if [ "$1" = tls ]; then
    timeout 300 "$BENCH" --port $tls --tls $trust --server-pid $pid --json --quiet $args ${BENCH_ARGS:-}
  else
    timeout 300 "$BENCH" --port $plain --server-pid $pid --json --quiet $args ${BENCH_ARGS:-}
  fi || echo "{\"error\": \"chatroom-bench failed over $1\"}"
}

out=$work/results
[ "$MODE" = connect ] || start
for _ in $(seq "$RUNS"); do
  for kind in plain tls; do
    [ "$MODE" = connect ] && start
    echo "$kind $(bench $kind)" >>"$out"
    if [ "$MODE" = connect ]; then stop; else sleep 1; fi # the last run's server threads wind down
  done
done
stop

python3 - "$out" "$MODE" "${BENCH_ARGS:-}${CLIENTS:-}" <<'PY'
import json, statistics, sys
mode = sys.argv[2]
# The targets are for the scenarios as the issue gives them, not for a run changed by BENCH_ARGS or CLIENTS.
as_given = not sys.argv[3]
rows = {"plain": [], "tls": []}
for line in open(sys.argv[1]):
    kind, text = line.split(" ", 1)
    d = json.loads(text)
    if "error" in d or not d.get("ready"):
        print(f"{kind:5} no result: {d.get('error', 'no client connected')}")
        continue
    rows[kind].append(d)
    rate = d["handshakes_per_s"] or 0
    if mode == "connect":
        print(f"{kind:5} {d['ready']:,} of {d['clients']:,} welcomed in {d['connect_s']:.3f} s ({rate:,.0f}/s), "
              f"every JOIN read in {d['connect_joins_s']:.3f} s; RSS {d['rss_base_kb'] / 1024:.1f} -> "
              f"{d['rss_idle_kb'] / 1024:.1f} MiB = {d['rss_per_conn_kb']:.1f} KiB/connection")
    else:
        share = 100 * d["delivered"] / d["expected"] if d["expected"] else 0
        print(f"{kind:5} delivered {d['delivered']:>9,} of {d['expected']:>9,} ({share:7.3f}%)  "
              f"p50 {d['p50_us'] / 1000:6.2f} ms  p99 {d['p99_us'] / 1000:6.2f} ms  "
              f"cpu {d['cpu_us_per_delivery'] or 0:5.2f} us/delivery  connect {d['connect_s']:.3f} s ({rate:,.0f}/s)  "
              f"{d['rss_per_conn_kb']:.1f} KiB/conn  send lag p99 {d['send_lag_p99_us'] / 1000:.2f} ms")
if not rows["plain"] or not rows["tls"]:
    sys.exit("no comparison: a kind has no result")

def median(kind, key):
    return statistics.median((d[key] or 0) for d in rows[kind])

def ratio(key):
    plain = median("plain", key)
    return median("tls", key) / plain if plain else float("nan")

runs = min(len(rows["plain"]), len(rows["tls"]))
if mode == "connect":
    for kind in ("plain", "tls"):
        print(f"{kind:5} medians of {len(rows[kind])}: welcomed in {median(kind, 'connect_s'):.3f} s "
              f"({median(kind, 'handshakes_per_s'):,.0f}/s), {median(kind, 'rss_per_conn_kb'):.1f} KiB/connection")
    print(f"connect: TLS/plain time {ratio('connect_s'):.2f}x, memory per connection {ratio('rss_per_conn_kb'):.2f}x")
    clients = rows["tls"][0]["clients"]
    if not as_given:
        sys.exit(0)
    all_in = all(d["ready"] == d["clients"] for d in rows["tls"])
    print(f"targets ({clients:,} TLS clients): all in {'yes' if all_in else 'NO'}; "
          f"within 5 s {'yes' if median('tls', 'connect_s') <= 5 else 'NO'} ({median('tls', 'connect_s'):.2f} s); "
          f"<= 64 KiB per TLS connection {'yes' if median('tls', 'rss_per_conn_kb') <= 64 else 'NO'} "
          f"({median('tls', 'rss_per_conn_kb'):.1f} KiB)")
else:
    def delivered(kind):
        return statistics.median(100 * d["delivered"] / d["expected"] for d in rows[kind] if d["expected"])
    for kind in ("plain", "tls"):
        print(f"{kind:5} medians of {len(rows[kind])}: delivered {delivered(kind):.3f}%  "
              f"p99 {median(kind, 'p99_us') / 1000:.2f} ms  cpu {median(kind, 'cpu_us_per_delivery'):.2f} us/delivery")
    print(f"{mode}: medians of {runs}: TLS/plain p99 {ratio('p99_us'):.2f}x, CPU per delivery "
          f"{ratio('cpu_us_per_delivery'):.2f}x")
    if mode == "mid" and as_given:
        every = all(d["delivered"] == d["expected"] for d in rows["tls"])
        p99 = median("tls", "p99_us") / 1000
        print(f"targets (mid over TLS): all delivered {'yes' if every else 'NO'}; p99 <= 5 ms "
              f"{'yes' if p99 <= 5 else 'NO'} ({p99:.2f} ms); CPU per delivery <= 2x plain "
              f"{'yes' if ratio('cpu_us_per_delivery') <= 2 else 'NO'} ({ratio('cpu_us_per_delivery'):.2f}x)")
PY
