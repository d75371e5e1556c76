#!/usr/bin/env bash
# Benchmarks the server with openmfd-loadtest (issue 6): builds Release in
# build-release, starts the server on 127.0.0.1 (dry-run keyboard, key hold
# 0, port 0, a fresh data dir), pre-pairs clients with `clients add`, runs
# the scenarios and prints one table: scenario, figure, target, measured.
# Raw JSON reports stay in $OPENMFD_BENCH_KEEP when that is set; words in
# $OPENMFD_BENCH_SERVER_ARGS go to every server start (to compare settings,
# e.g. "--worker-threads 2").
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
root=$(openmfd_root)
openmfd_install_packages "${OPENMFD_BUILD_PACKAGES[@]}" jq
build="$root/build-release"
jobs=${OPENMFD_BENCH_JOBS:-1}

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DOPENMFD_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "$jobs" --target openmfd-server openmfd-loadtest \
  openmfd-baseline >/dev/null
server="$build/openmfd-server"
loadtest="$build/openmfd-loadtest"
baseline="$build/openmfd-baseline"

work=$(mktemp -d)
server_pid=""
flood_pid=""
cleanup() {
  for pid in $flood_pid $server_pid; do
    kill "$pid" 2>/dev/null || true
  done
  if [ -n "${OPENMFD_BENCH_KEEP:-}" ]; then
    mkdir -p "$OPENMFD_BENCH_KEEP" \
      && cp "$work"/*.json "$OPENMFD_BENCH_KEEP" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
# Ten thousand sessions need as many descriptors, in the server and here.
ulimit -n "$(ulimit -Hn)"

paired=100
for n in $(seq "$paired"); do
  id=$(cat /proc/sys/kernel/random/uuid)
  echo "$id" | "$server" clients add --id - --name "bench $n" \
    --data-dir "$work/data" >/dev/null
  echo "$id bench $n" >>"$work/ids"
done

# The keyboard of the next start_server (dry-run, no hold: the server's own
# cost), unless a scenario sets another.
keyboard=(--injector dry-run --key-hold-ms 0)

# start_server [server options...]: starts it and sets $server_pid, $port.
start_server() {
  "$server" --data-dir "$work/data" --bind 127.0.0.1 --port 0 \
    "${keyboard[@]}" --log-level error ${OPENMFD_BENCH_SERVER_ARGS:-} \
    --max-connections 20000 --max-sessions 20000 \
    --max-sessions-per-address 20000 --max-connections-per-address 20000 \
    --connection-rate-per-address 0 \
    "$@" </dev/null >"$work/server.out" \
    2>"$work/server.err" &
  server_pid=$!
  for _ in $(seq 300); do
    port=$(sed -n 's|^listening on https://.*:\([0-9]*\)$|\1|p' \
      "$work/server.out")
    server_id=$(sed -n 's|^server id: ||p' "$work/server.out")
    [ -n "$port" ] && [ -n "$server_id" ] && return 0
    sleep 0.1
  done
  echo "the server did not start: $(cat "$work/server.err")" >&2
  exit 1
}

stop_server() {
  kill -TERM "$server_pid"
  timeout 20 tail --pid="$server_pid" -f /dev/null || kill -KILL "$server_pid"
  server_pid=""
}

# run NAME [loadtest options...]: one run; its report is $work/NAME.json.
run() {
  local name=$1
  shift
  "$loadtest" --port "$port" --server-id "$server_id" --ids "$work/ids" \
    --server-pid "$server_pid" --timeout 20 --json "$@" \
    >"$work/$name.json" || true
}

# figure NAME JQ: one number from a report, rounded.
figure() {
  jq -r "$2 | if type == \"number\" then (. * 10 | round / 10) else . end" \
    "$work/$1.json"
}

rows=()
# row SCENARIO FIGURE TARGET MEASURED
row() { rows+=("$(printf '%-10s| %-42s| %-17s| %s' "$@")"); }

# The machine's own floor first (no server code): the figures below are
# the server's and this machine's together.
"$baseline" --json >"$work/machine.json" \
  || echo "note: openmfd-baseline reported failures (see machine rows)" >&2
row machine "loopback TCP round trip p50 (us)" "-" \
  "$(figure machine .tcp_round_trip_us.p50)"
row machine "thread wake-up round trip p50 (us)" "-" \
  "$(figure machine .thread_round_trip_us.p50)"
row machine "idle wake-up, tick to answer p50/p99 (us)" "-" \
  "$(figure machine .idle_wake_us.p50) / $(figure machine .idle_wake_us.p99)"
row machine "do-nothing echo, 100 connections (/s)" "-" \
  "$(figure machine .echo.round_trips_per_s)"
row machine "bare TLS connects/s, resumed / full" "-" \
  "$(figure machine .tls_resumed.connects_per_s) / $(figure machine \
  .tls_full.connects_per_s)"
row machine "TLS WebSocket echo, 1 conn. p50 (us)" "-" \
  "$(figure machine .websocket_echo_one.round_trip_us.p50)"
row machine "TLS WebSocket echo, 100 conn. (/s)" "-" \
  "$(figure machine .websocket_echo_many.round_trips_per_s)"
row machine "storm, fixed answers, TLS resumed (/s)" "-" \
  "$(figure machine .connect_flow.connects_per_s)"

errors() { figure "$1" '"\(.errors) errors \(.error_kinds)"'; }

start_server
run actions-100 --scenario actions --clients 100 --duration 10
row actions "acked run_action/s, 100 clients" ">= 50000" \
  "$(figure actions-100 .acks_per_s) ($(errors actions-100))"
run actions-1 --scenario actions --clients 1 --duration 10
row actions "1 client closed loop: ack p50 (us)" "<= 60" \
  "$(figure actions-1 .ack_us.p50)"
row actions "1 client closed loop: ack p99 (us)" "<= 250" \
  "$(figure actions-1 .ack_us.p99) ($(errors actions-1))"
run screens --scenario screens --clients 1000 --screen-members 10 \
  --rate 1000 --duration 10
row screens "100x10 at 1000 sets/s: delivery p99 (ms)" "<= 5" \
  "$(figure screens '.delivery_us.p99 / 1000') ($(figure screens \
  .deliveries)/$(figure screens .expected_deliveries) delivered)"
# Reconnecting panels resume their TLS sessions, as browsers do; the second
# run makes every handshake a full one.
run storm --scenario storm --clients 50 --duration 10
row storm "complete connects/s, TLS resumed" ">= 2000" \
  "$(figure storm .churn_connects_per_s) ($(figure storm \
  .tls_resumed_connects)/$(figure storm .connects) resumed, $(errors storm))"
run storm-full --scenario storm --clients 50 --duration 10 --full-handshakes
row storm "complete connects/s, full TLS handshakes" ">= 2000" \
  "$(figure storm-full .churn_connects_per_s) ($(errors storm-full))"
run joins-quiet --scenario joins --clients 1 --rate 100 --duration 5
run actions-quiet --scenario actions --clients 1 --rate 100 --duration 5
stop_server

start_server
run idle --scenario idle --clients 10000 --duration 30 \
  --connect-concurrency 256
row idle "sessions open of 10000" "10000" \
  "$(figure idle .connected_at_start) ($(errors idle))"
row idle "server RSS per session (KiB)" "<= 40" \
  "$(figure idle .server_rss_kib.per_session)"
row idle "missed heartbeats (pings answered)" "0" \
  "$(figure idle '.error_kinds.missed_heartbeat // 0') ($(figure idle .pings))"
stop_server

# during_flood FLOOD_NAME "FLOOD_ARGS" NAME [loadtest options...]: runs
# NAME for 10 s while FLOOD_NAME loads the server. The flood starts
# $flood_lead s before, so that its clients are connected and flooding: the
# figures are those of a flood, not of a thousand TLS handshakes.
flood_lead=4
during_flood() {
  local flood_name=$1 flood_args=$2
  shift 2
  # shellcheck disable=SC2086 # the flood's options are words
  run "$flood_name" $flood_args --duration $((flood_lead + 11)) &
  flood_pid=$!
  sleep "$flood_lead"
  run "$@" --duration 10
  wait "$flood_pid"
  flood_pid=""
  local connected_in
  connected_in=$(figure "$flood_name" .connect_phase_s)
  if [ "${connected_in%.*}" -ge "$flood_lead" ]; then
    echo "note: $flood_name took ${connected_in} s to connect (lead ${flood_lead} s)" >&2
  fi
}

screen_flood="--scenario screens --clients 1000 --screen-members 10"

# Isolation: a slow keyboard must not slow the screens, and a screen flood
# must not slow the keys. The quiet client's figures above are the baseline.
start_server --dry-run-delay-ms 5
during_flood flood-actions "--scenario actions --clients 100" \
  joins-loaded --scenario joins --clients 1 --rate 100
row isolation "join_screen ack p99 (us), keys slow" "<= 2000" \
  "$(figure joins-loaded .ack_us.p99) (quiet $(figure joins-quiet .ack_us.p99))"
stop_server

start_server
during_flood flood-screens "$screen_flood" \
  actions-loaded --scenario actions --clients 1 --rate 100
row isolation "run_action ack p99 (us), screen flood" "~ quiet: $(figure \
  actions-quiet .ack_us.p99)" "$(figure actions-loaded .ack_us.p99)"
stop_server

# Timing fidelity: under the same flood, keys held 50 ms (recorded by the
# record backend) must stay within 2 ms of it.
keyboard=(--injector record --record-file "$work/keys.jsonl" --key-hold-ms 50)
start_server
during_flood flood-fidelity "$screen_flood" \
  actions-held --scenario actions --clients 1 --rate 20
stop_server
hold_error=$(python3 - "$work/keys.jsonl" <<'PY'
import json, sys
down, errors = {}, []
for line in open(sys.argv[1]):
    event = json.loads(line)
    if event["down"]:
        down[event["key"]] = event["t_ns"]
    elif event["key"] in down:
        held_ms = (event["t_ns"] - down.pop(event["key"])) / 1e6
        errors.append(abs(held_ms - 50))
errors.sort()
p99 = errors[min(len(errors) - 1, int(0.99 * len(errors)))] if errors else 0
print(f"p99 {p99:.2f}, max {max(errors, default=0):.2f} ({len(errors)} holds)")
PY
)
row fidelity "50 ms holds under flood: |error| (ms)" "<= 2" "$hold_error"

printf '%-10s| %-42s| %-17s| %s\n' scenario figure target measured
printf '%s\n' "${rows[@]}"
