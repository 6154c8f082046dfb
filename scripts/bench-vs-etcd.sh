#!/usr/bin/env bash
# Raft Lab against etcd 3.4 on this machine, in the same run (issue 8).
#
#   scripts/bench-vs-etcd.sh                 # 5 runs of each workload, medians
#   RUNS=1 scripts/bench-vs-etcd.sh          # a quick look
#
# Starts a 3-member etcd (Debian's etcd-server, installed if missing) and a
# 3-node Raft Lab cluster (raftlab-node, fsync on), both on 127.0.0.1 with
# their own data dirs, and drives both with raftlab-bench: the same client
# code, connection handling and measurement (--target etcd / raftlab).
# Workloads (8-byte keys, 256-byte values):
#   put    1 client, 1 conn, leader           put 1000 clients, 100 conns, leader
#   get-l  1 client, 1 conn, leader           get-l 1000 clients, 100 conns, all members
#   embedded put, 1000 concurrent callers on 3 Raft Lab nodes inside one process
# Each run does every workload on both systems, etcd and Raft Lab taking turns
# first. Reports medians of RUNS runs and CPU seconds (utime + stime of the 3
# server processes, from /proc/<pid>/stat) per 10,000 writes during the put
# workloads. Writes OUT/results.jsonl, OUT/table.md, OUT/perf-vs-etcd.png and
# OUT/machine.txt, every benchmark's full output in OUT/runs/ and the server
# logs in OUT/logs/. Every process it starts is stopped on exit.
#
# Environment: RUNS (5), BUILD_DIR (build), OUT (BUILD_DIR/bench-vs-etcd-<time>),
# PUT1_TOTAL (2000), PUTN_TOTAL (30000), GET1_TOTAL (4000), GETN_TOTAL (60000),
# EMBED_TOTAL (100000), MAX_SECONDS per workload run (120).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-5}
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
OUT=${OUT:-$BUILD_DIR/bench-vs-etcd-$(date -u +%Y%m%d-%H%M%S)}
PUT1_TOTAL=${PUT1_TOTAL:-2000}
PUTN_TOTAL=${PUTN_TOTAL:-30000}
GET1_TOTAL=${GET1_TOTAL:-4000}
GETN_TOTAL=${GETN_TOTAL:-60000}
EMBED_TOTAL=${EMBED_TOTAL:-100000}
MAX_SECONDS=${MAX_SECONDS:-120}
ETCD_PORTS=(24790 24791 24792)
ETCD_PEER_PORTS=(24800 24801 24802)
RL_PORTS=(29181 29182 29183)

die() { echo "bench-vs-etcd: $*" >&2; exit 1; }
case "$RUNS" in ''|*[!0-9]*|0) die "RUNS=$RUNS is not a positive number; e.g. RUNS=5" ;; esac

# ---------------------------------------------------------------- prerequisites
need_apt=()
[ -x /usr/bin/etcd ] || need_apt+=(etcd-server)
/usr/bin/python3 -c 'import matplotlib' 2>/dev/null || need_apt+=(python3-matplotlib)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "installing ${need_apt[*]} from Debian (apt-get)"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get install -y --no-install-recommends "${need_apt[@]}" >/dev/null ||
        die "apt-get install ${need_apt[*]} failed; install them by hand and rerun"
fi
BIN="$BUILD_DIR/bin"
if [ ! -x "$BIN/raftlab-node" ] || [ ! -x "$BIN/raftlab-bench" ]; then
    echo "building raftlab-node and raftlab-bench in $BUILD_DIR"
    [ -f "$BUILD_DIR/build.ninja" ] || cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$BUILD_DIR" --target raftlab-node raftlab-bench >/dev/null ||
        die "build failed; run cmake --build $BUILD_DIR --target raftlab-node raftlab-bench"
fi
for p in "${ETCD_PORTS[@]}" "${ETCD_PEER_PORTS[@]}" "${RL_PORTS[@]}"; do
    if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then
        die "port $p on 127.0.0.1 is in use; stop what holds it (an earlier run?)"
    fi
done

mkdir -p "$OUT/runs"
# Data on the same disk as the build (not a tmpfs): fsync must be real.
WORK=$(mktemp -d "$OUT/data.XXXXXX")
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    mkdir -p "$OUT/logs"; cp "$WORK"/*.log "$OUT/logs/" 2>/dev/null || true
    [ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- machine
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "nproc: $(nproc)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
    echo "kernel: $(uname -r)"
    echo "disk: $(findmnt -n -o SOURCE,FSTYPE -T "$WORK") ($(lsblk -dno SIZE,ROTA "$(findmnt -n -o SOURCE -T "$WORK")" 2>/dev/null | awk '{print $1 ", rotational=" $2}'))"
    echo "etcd: $(/usr/bin/etcd --version | head -1)"
    echo "raftlab: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/machine.txt"
cat "$OUT/machine.txt"

# ---------------------------------------------------------------- clusters
E_CLUSTER="e1=http://127.0.0.1:${ETCD_PEER_PORTS[0]},e2=http://127.0.0.1:${ETCD_PEER_PORTS[1]},e3=http://127.0.0.1:${ETCD_PEER_PORTS[2]}"
ETCD_EPS="127.0.0.1:${ETCD_PORTS[0]},127.0.0.1:${ETCD_PORTS[1]},127.0.0.1:${ETCD_PORTS[2]}"
RL_EPS="127.0.0.1:${RL_PORTS[0]},127.0.0.1:${RL_PORTS[1]},127.0.0.1:${RL_PORTS[2]}"
ETCD_PIDS=()
RL_PIDS=()
for i in 0 1 2; do
    n=e$((i + 1))
    /usr/bin/etcd --name "$n" --data-dir "$WORK/$n" \
        --listen-client-urls "http://127.0.0.1:${ETCD_PORTS[$i]}" \
        --advertise-client-urls "http://127.0.0.1:${ETCD_PORTS[$i]}" \
        --listen-peer-urls "http://127.0.0.1:${ETCD_PEER_PORTS[$i]}" \
        --initial-advertise-peer-urls "http://127.0.0.1:${ETCD_PEER_PORTS[$i]}" \
        --initial-cluster "$E_CLUSTER" --initial-cluster-state new \
        --initial-cluster-token raftlab-bench --logger zap --log-outputs stderr \
        >"$WORK/$n.log" 2>&1 &
    PIDS+=($!); ETCD_PIDS+=($!)
done
for i in 1 2 3; do
    cat >"$WORK/n$i.toml" <<TOML
[cluster]
node_id = $i
listen_address = "127.0.0.1:${RL_PORTS[$((i - 1))]}"
db_root_dir = "$WORK/raftlab"
initial_cluster = [
    { id = 1, address = "127.0.0.1:${RL_PORTS[0]}", role = 0, status = 2 },
    { id = 2, address = "127.0.0.1:${RL_PORTS[1]}", role = 0, status = 2 },
    { id = 3, address = "127.0.0.1:${RL_PORTS[2]}", role = 0, status = 2 },
]
TOML
    "$BIN/raftlab-node" --config "$WORK/n$i.toml" --log-level info >"$WORK/n$i.log" 2>&1 &
    PIDS+=($!); RL_PIDS+=($!)
done

BENCH="$BIN/raftlab-bench"
wait_ready() {  # target endpoints
    local deadline=$((SECONDS + 30))
    until "$BENCH" --target "$1" --endpoints "$2" --target-leader --max-seconds 5 \
        put --total 1 --key-size 8 >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || die "$1 cluster at $2 not ready within 30 s; see $WORK/*.log (KEEP=1 keeps them)"
        sleep 0.2
    done
}
wait_ready etcd "$ETCD_EPS"
wait_ready raftlab "$RL_EPS"
echo "both clusters ready"

cpu_ticks() {  # sum of utime + stime of the given pids
    local t=0 p
    for p in "$@"; do
        t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
    done
    echo "$t"
}
HZ=$(getconf CLK_TCK)

RESULTS="$OUT/results.jsonl"
: >"$RESULTS"
run_one() {  # run system workload args...
    local run=$1 sys=$2 wl=$3; shift 3
    local eps=$RL_EPS; [ "$sys" = etcd ] && eps=$ETCD_EPS
    local line out="$OUT/runs/$run-$sys-$wl.txt"
    "$BENCH" --target "$sys" --endpoints "$eps" --max-seconds "$MAX_SECONDS" \
        --label "$wl" "$@" >"$out" 2>&1 || true
    line=$(grep '^{"bench"' "$out" || true)
    [ -n "$line" ] || die "raftlab-bench gave no result for $sys $wl (run $run)"
    echo "${line%\}},\"system\":\"$sys\",\"run\":$run}" >>"$RESULTS"
    printf '  run %d %-8s %-8s %s\n' "$run" "$sys" "$wl" \
        "$(echo "$line" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.0f ops/s  avg %.2f ms  p99 %.2f ms  errors %d" % (d["throughput"], d["avg_ms"], d["p99_ms"], d["errors"]))')"
}

# Warm-up (not measured): connections, RocksDB and bbolt files.
"$BENCH" --target etcd --endpoints "$ETCD_EPS" --target-leader put --total 300 >/dev/null
"$BENCH" --target raftlab --endpoints "$RL_EPS" --target-leader put --total 300 >/dev/null

declare -A CPU_TICKS=([etcd]=0 [raftlab]=0)
declare -A WRITES=([etcd]=0 [raftlab]=0)
for run in $(seq 1 "$RUNS"); do
    echo "run $run of $RUNS"
    order=(etcd raftlab); [ $((run % 2)) = 0 ] && order=(raftlab etcd)
    for sys in "${order[@]}"; do
        pids=("${RL_PIDS[@]}"); [ "$sys" = etcd ] && pids=("${ETCD_PIDS[@]}")
        before=$(cpu_ticks "${pids[@]}")
        run_one "$run" "$sys" put-1 --conns 1 --clients 1 --target-leader \
            put --key-size 8 --val-size 256 --sequential-keys --total "$PUT1_TOTAL"
        run_one "$run" "$sys" put-1000 --conns 100 --clients 1000 --target-leader \
            put --key-size 8 --val-size 256 --sequential-keys --total "$PUTN_TOTAL"
        after=$(cpu_ticks "${pids[@]}")
        CPU_TICKS[$sys]=$((CPU_TICKS[$sys] + after - before))
        WRITES[$sys]=$((WRITES[$sys] + PUT1_TOTAL + PUTN_TOTAL))
    done
    for sys in "${order[@]}"; do
        run_one "$run" "$sys" get-1 --conns 1 --clients 1 --target-leader \
            range benchkey --consistency l --total "$GET1_TOTAL"
        run_one "$run" "$sys" get-1000 --conns 100 --clients 1000 \
            range benchkey --consistency l --total "$GETN_TOTAL"
    done
    # Embedded: three nodes inside raftlab-bench itself (no client RPC).
    out="$OUT/runs/$run-embedded-put-1000.txt"
    "$BENCH" --target embedded --clients 1000 --max-seconds "$MAX_SECONDS" \
        --data-dir "$WORK/embedded-$run" --label embedded-put-1000 \
        put --key-size 8 --val-size 256 --sequential-keys --total "$EMBED_TOTAL" >"$out" 2>&1 || true
    line=$(grep '^{"bench"' "$out" || true)
    [ -n "$line" ] || die "embedded run $run gave no result"
    echo "${line%\}},\"system\":\"embedded\",\"run\":$run}" >>"$RESULTS"
    rm -rf "$WORK/embedded-$run"
done

for sys in etcd raftlab; do
    echo "{\"cpu\":true,\"system\":\"$sys\",\"cpu_seconds\":$(awk -v t="${CPU_TICKS[$sys]}" -v hz="$HZ" 'BEGIN{printf "%.3f", t/hz}'),\"writes\":${WRITES[$sys]}}" >>"$RESULTS"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"

/usr/bin/python3 "$ROOT/scripts/bench-vs-etcd-report.py" "$RESULTS" "$OUT" "$RUNS"
echo "results in $OUT (table.md, perf-vs-etcd.png, results.jsonl, machine.txt)"
