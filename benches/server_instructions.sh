#!/usr/bin/env bash
# Instructions per request of a whole server process under load: the server runs under
# callgrind with instrumentation off, wrk warms it up, then instrumentation is on for
# a run of wrk and the count is divided by the requests wrk saw. Where `instructions`
# counts weir's connection alone, this counts everything a request costs in user
# space: the adapter's loop, the runtime, the handler chain and the routes.
#
#   benches/server_instructions.sh [weir-tokio|weir-blocking|hyper] [SECONDS]
#
# Needs valgrind (callgrind_control) and wrk. Counts vary by about a percent between
# runs: how many requests one wake-up serves depends on timing.
set -euo pipefail

NAME=${1:-weir-tokio}
SECONDS_PER_RUN=${2:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

for tool in valgrind callgrind_control wrk; do
    command -v "$tool" >/dev/null || { echo "server_instructions: $tool is missing" >&2; exit 1; }
done
cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" -p weir-tokio -p weir-blocking -p weir-bench
BIN="$ROOT/target/release"
case $NAME in
    weir-tokio) set -- "$BIN/tokio-server" --listen 127.0.0.1:0 --threads 1 ;;
    weir-blocking) set -- "$BIN/blocking-server" --listen 127.0.0.1:0 ;;
    # HTTP/1.1 only: wrk speaks nothing else.
    hyper) set -- "$BIN/peer-server" hyper ;;
    *) echo "server_instructions: weir-tokio, weir-blocking or hyper, not $NAME" >&2; exit 1 ;;
esac

valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$WORK/cg" "$@" \
    > "$WORK/listen" 2> "$WORK/log" &
VG=$!
ADDR=
for _ in $(seq 100); do
    ADDR=$(sed -n 's/^listening on //p' "$WORK/listen")
    [ -n "$ADDR" ] && break
    sleep 0.2
done
[ -n "$ADDR" ] || { echo "server_instructions: $NAME did not start" >&2; exit 1; }
URL=http://$ADDR/

wrk -t 1 -c 4 -d 1s "$URL" > /dev/null
callgrind_control -i on "$VG" > /dev/null
REQUESTS=$(wrk -t 1 -c 4 -d "${SECONDS_PER_RUN}s" "$URL" | awk '/requests in/ {print $1}')
callgrind_control -i off "$VG" > /dev/null
kill -TERM "$VG"
wait "$VG" 2>/dev/null || true
INSTRUCTIONS=$(awk '/Collected :/ {n = $4} END {gsub(",", "", n); print n}' "$WORK/log")
echo "$NAME: $REQUESTS requests, $((INSTRUCTIONS / REQUESTS)) instructions per request"
