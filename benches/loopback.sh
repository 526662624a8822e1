#!/usr/bin/env bash
# The loopback comparison: weir's servers against hyper, the h2 crate and nghttpd, under
# h2load and wrk, in alternating rounds, server and load generator pinned to separate
# cores. Prints a table of medians (requests per second, server CPU per request, and
# the ratio of weir's tokio-server to each peer) and writes it, with a chart, to
# benches/results/.
#
#   benches/loopback.sh [ROUNDS] [SECONDS]     (defaults: 5 rounds of 5 s per cell)
#
# Needs h2load (Debian: nghttp2-client), wrk and taskset; nghttpd (nghttp2-server) is
# measured when installed. Every number comes from this run: compare within it.
set -euo pipefail

ROUNDS=${1:-5}
SECONDS_PER_RUN=${2:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/benches/results"
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

for tool in h2load wrk taskset python3; do
    command -v "$tool" >/dev/null || { echo "loopback: $tool is missing" >&2; exit 1; }
done
CORES=$(nproc)
SERVER_CPU=0
LOAD_CPU=$((CORES > 1 ? 1 : 0))
[ "$CORES" -gt 1 ] || echo "loopback: one core only: server and load share it" >&2

cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" \
    -p weir-tokio -p weir-blocking -p weir-bench
BIN="$ROOT/target/release"
mkdir -p "$OUT"
ulimit -n 8192 2>/dev/null || true

# ---- servers ---------------------------------------------------------------------------

# Starts server NAME pinned to the server core; sets PID and ADDR.
start() {
    local name=$1
    case $name in
        weir-tokio) set -- "$BIN/tokio-server" --listen 127.0.0.1:0 --threads 1 ;;
        weir-blocking) set -- "$BIN/blocking-server" --listen 127.0.0.1:0 ;;
        hyper) set -- "$BIN/peer-server" hyper ;;
        h2) set -- "$BIN/peer-server" h2 ;;
        nghttpd)
            mkdir -p "$WORK/docroot/bytes"
            printf 'Hello, World!\n' > "$WORK/docroot/index.html"
            head -c 1048576 /dev/zero | tr '\0' x > "$WORK/docroot/bytes/1048576"
            local port
            port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
            taskset -c $SERVER_CPU nghttpd --no-tls -n 1 -d "$WORK/docroot" "$port" \
                > /dev/null 2>&1 &
            PID=$!
            ADDR=127.0.0.1:$port
            for _ in $(seq 50); do
                (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
                sleep 0.1
            done
            echo "loopback: nghttpd did not start" >&2
            exit 1
            ;;
    esac
    taskset -c $SERVER_CPU "$@" > "$WORK/listen" 2>/dev/null &
    PID=$!
    for _ in $(seq 50); do
        ADDR=$(sed -n 's/^listening on //p' "$WORK/listen")
        [ -n "$ADDR" ] && return 0
        sleep 0.1
    done
    echo "loopback: $name did not start" >&2
    exit 1
}

stop() {
    kill "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
}

# The server's CPU time so far, in microseconds (user + system, all its threads).
cpu_us() {
    local ticks
    ticks=$(awk '{print $14 + $15}' "/proc/$1/stat")
    echo $((ticks * 1000000 / $(getconf CLK_TCK)))
}

# ---- loads -----------------------------------------------------------------------------

cat > "$WORK/pipeline.lua" <<'LUA'
-- 16 requests per write: wrk counts each response.
init = function(args)
  local r = {}
  for i = 1, 16 do r[i] = wrk.format(nil, "/") end
  req = table.concat(r)
end
request = function() return req end
LUA

# Runs load TEST against ADDR; prints "requests bytes".
load() {
    local test=$1 url="http://$ADDR"
    local t=$SECONDS_PER_RUN
    case $test in
        h2_small)
            taskset -c $LOAD_CPU h2load -D "$t" -t 1 -c 16 -m 32 "$url/" \
                > "$WORK/out" 2>&1 ;;
        h2_1mib)
            taskset -c $LOAD_CPU h2load -D "$t" -t 1 -c 4 -m 1 \
                "$url/bytes/1048576" > "$WORK/out" 2>&1 ;;
        h1)
            taskset -c $LOAD_CPU wrk -t 1 -c 16 -d "${t}s" "$url/" > "$WORK/out" 2>&1 ;;
        h1_pipelined)
            taskset -c $LOAD_CPU wrk -t 1 -c 16 -d "${t}s" -s "$WORK/pipeline.lua" "$url/" \
                > "$WORK/out" 2>&1 ;;
    esac
    case $test in
        h2_*)
            # "requests: N total, N started, N done, N succeeded, ..." and
            # "traffic: ... total, ... headers ..., ... data ..." (bytes in parentheses).
            local done bytes
            done=$(sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p' "$WORK/out")
            bytes=$(sed -n 's/^traffic: [^(]*(\([0-9]*\)) total.*/\1/p' "$WORK/out")
            echo "${done:-0} ${bytes:-0}" ;;
        *)
            # "N requests in Ts, B read"; the bytes from "Transfer/sec" are rounded, so
            # requests alone are kept.
            local reqs
            reqs=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$WORK/out")
            echo "${reqs:-0} 0" ;;
    esac
}

# Which servers run which load.
servers_for() {
    case $1 in
        h2_*)
            echo weir-tokio weir-blocking hyper h2
            command -v nghttpd >/dev/null && echo nghttpd ;;
        *) echo weir-tokio weir-blocking hyper ;;
    esac
}

# ---- the rounds ------------------------------------------------------------------------

RESULTS="$WORK/results.tsv"
: > "$RESULTS"
for round in $(seq "$ROUNDS"); do
    for test in h2_small h2_1mib h1 h1_pipelined; do
        # Alternate the order from round to round, so that drift favours nobody.
        servers=$(servers_for $test | tr ' ' '\n')
        [ $((round % 2)) -eq 0 ] && servers=$(echo "$servers" | tac)
        for server in $servers; do
            start "$server"
            before=$(cpu_us "$PID")
            read -r reqs bytes < <(load "$test")
            after=$(cpu_us "$PID")
            stop
            printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$test" "$server" "$round" "$reqs" "$bytes" \
                $((after - before)) >> "$RESULTS"
            echo "round $round $test $server: $reqs requests" >&2
        done
    done
done

# ---- idle memory -----------------------------------------------------------------------

# Server RSS per idle connection, with 1,000 of them open (and 20 opened before the
# baseline, so that what a first connection allocates once is not counted).
rss_kb() { awk '/^VmRSS/{print $2}' "/proc/$1/status"; }
idle() {
    local server=$1 version=$2
    start "$server"
    "$BIN/idle-conns" "$ADDR" 20 "$version" < /dev/null > /dev/null
    sleep 0.5
    local before after
    before=$(rss_kb "$PID")
    mkfifo "$WORK/hold"
    "$BIN/idle-conns" "$ADDR" 1000 "$version" < "$WORK/hold" > "$WORK/idle" &
    local holder=$!
    exec 4> "$WORK/hold"
    for _ in $(seq 200); do grep -q ready "$WORK/idle" 2>/dev/null && break; sleep 0.1; done
    # Past the quiet time after which weir's adapter releases buffers.
    sleep 1
    after=$(rss_kb "$PID")
    exec 4>&-
    wait "$holder" 2>/dev/null || true
    rm -f "$WORK/hold"
    stop
    printf 'idle_%s\t%s\t1\t1000\t%s\t0\n' "$version" "$server" $(((after - before) * 1024)) \
        >> "$RESULTS"
}
for server in weir-tokio weir-blocking hyper; do idle "$server" h1; done
for server in weir-tokio weir-blocking hyper h2; do idle "$server" h2; done

python3 "$ROOT/benches/loopback_report.py" "$RESULTS" "$SECONDS_PER_RUN" "$OUT"
