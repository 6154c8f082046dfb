#!/usr/bin/env bash
# The etcd reference for raftlab-catchup-bench (issue 4): a 3-member etcd 3.4
# on loopback holding KEYS keys of 256 B; a fourth member is added as a
# learner (`member add --learner`), started, and promoted (`member promote`,
# retried until etcd allows it). Reports, from the moment the new member's
# process starts: promotion, first local read of the last key, the snapshot
# lines of its log, peak RSS, and whether the leader or term changed.
#
#   scripts/bench-etcd-learner.sh [KEYS] [OPS_PER_TXN] [PARALLEL]
#
# Loading: etcdctl txn with OPS_PER_TXN puts each (etcd is started with
# --max-txn-ops to allow it), PARALLEL etcdctl processes at a time. Keys per
# raft entry matter: the new member only receives a raft snapshot when the
# leader's log has been compacted past what it lacks, so --snapshot-count is
# set low enough (1000) that KEYS/OPS_PER_TXN entries cause compactions.
# Ports 23790..23793 (client) and 23800..23803 (peer), data in a temp dir,
# every etcd process stopped on exit.
set -euo pipefail

KEYS=${1:-500000}
OPS=${2:-50}
PAR=${3:-8}
VALUE_BYTES=256
ETCD=${ETCD:-/usr/bin/etcd}
CTL=${ETCDCTL:-/usr/bin/etcdctl}
export ETCDCTL_API=3

for b in "$ETCD" "$CTL"; do
    [ -x "$b" ] || { echo "error: $b not found; apt-get install etcd-server etcd-client" >&2; exit 1; }
done
for p in 23790 23791 23792 23793 23800 23801 23802 23803; do
    if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then
        echo "error: port $p on 127.0.0.1 is in use; stop what holds it (an earlier run?)" >&2
        exit 1
    fi
done

DIR=$(mktemp -d /tmp/etcd-learner-bench.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    [ -n "${KEEP:-}" ] || rm -rf "$DIR"
}
trap cleanup EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }

CLUSTER="e1=http://127.0.0.1:23800,e2=http://127.0.0.1:23801,e3=http://127.0.0.1:23802"
EPS="http://127.0.0.1:23790,http://127.0.0.1:23791,http://127.0.0.1:23792"
start_member() {  # name client-port peer-port initial-cluster state
    "$ETCD" --name "$1" --data-dir "$DIR/$1" \
        --listen-client-urls "http://127.0.0.1:$2" --advertise-client-urls "http://127.0.0.1:$2" \
        --listen-peer-urls "http://127.0.0.1:$3" --initial-advertise-peer-urls "http://127.0.0.1:$3" \
        --initial-cluster "$4" --initial-cluster-state "$5" --initial-cluster-token bench \
        --snapshot-count 1000 --max-txn-ops "$OPS" --logger zap --log-outputs stderr \
        >"$DIR/$1.log" 2>&1 &
    PIDS+=($!)
    LAST_PID=$!
}

echo "etcd $("$ETCD" --version | head -1 | awk '{print $3}') in $DIR"
start_member e1 23790 23800 "$CLUSTER" new
start_member e2 23791 23801 "$CLUSTER" new
start_member e3 23792 23802 "$CLUSTER" new
for i in $(seq 1 200); do
    "$CTL" --endpoints "$EPS" endpoint health >/dev/null 2>&1 && break
    sleep 0.1
done
"$CTL" --endpoints "$EPS" endpoint health >/dev/null 2>&1 || { echo "etcd did not become healthy; logs in $DIR" >&2; KEEP=1; exit 1; }

# One txn file per batch: no compares, OPS puts, no failure ops.
value() { printf '%-*s' "$VALUE_BYTES" "v$1" | tr ' ' 'x'; }
echo "loading $KEYS keys of $VALUE_BYTES B: txns of $OPS puts, $PAR at a time..."
t_load=$(now)
batches=$(( (KEYS + OPS - 1) / OPS ))
mkdir -p "$DIR/txn"
awk -v keys="$KEYS" -v ops="$OPS" -v vb="$VALUE_BYTES" -v dir="$DIR/txn" 'BEGIN {
    pad = sprintf("%" vb "s", ""); gsub(/ /, "x", pad);
    for (b = 0; b * ops < keys; b++) {
        f = sprintf("%s/%06d", dir, b);
        printf "\n" > f;
        for (i = b * ops; i < (b + 1) * ops && i < keys; i++) {
            v = substr("v" i pad, 1, vb);
            printf "put key/%08d %s\n", i, v >> f;
        }
        printf "\n\n" >> f;
        close(f);
    }
}'
ls "$DIR/txn" | xargs -P "$PAR" -I{} sh -c "\"$CTL\" --endpoints \"$EPS\" txn < \"$DIR/txn/{}\" >/dev/null"
rm -rf "$DIR/txn"
echo "loaded in $(since "$t_load") s ($batches txns)"
LAST_KEY=$(printf 'key/%08d' $((KEYS - 1)))
LAST_VALUE=$(awk -v i=$((KEYS - 1)) -v vb="$VALUE_BYTES" 'BEGIN { pad = sprintf("%" vb "s", ""); gsub(/ /, "x", pad); print substr("v" i pad, 1, vb) }')
[ "$("$CTL" --endpoints "$EPS" get "$LAST_KEY" --print-value-only)" = "$LAST_VALUE" ] ||
    { echo "the last key did not load; logs in $DIR" >&2; KEEP=1; exit 1; }

leader_term() {  # "leader-id term" as the endpoints report it
    "$CTL" --endpoints "$EPS" endpoint status -w json 2>/dev/null |
        grep -oE '"leader":[0-9]+,"raftIndex":[0-9]+,"raftTerm":[0-9]+' |
        sed -E 's/"leader":([0-9]+),"raftIndex":[0-9]+,"raftTerm":([0-9]+)/leader \1 term \2/' |
        sort -u || true
}
BEFORE=$(leader_term)
echo "leader/term before: $BEFORE"

# The learner: member add --learner, then start it as "existing".
# etcd refuses a member add ("unhealthy cluster") until every member has been
# connected for 5 s (strict reconfig check): retry, bounded.
ADD=""
for i in $(seq 1 100); do
    ADD=$("$CTL" --endpoints "$EPS" member add e4 --learner --peer-urls http://127.0.0.1:23803 2>/dev/null) && break
    sleep 0.2
done
[ -n "$ADD" ] || { echo "member add --learner kept failing; logs in $DIR" >&2; KEEP=1; exit 1; }
NEW_ID=$(echo "$ADD" | sed -n 's/.*Member \([0-9a-f]*\) added.*/\1/p')
NEW_CLUSTER=$(echo "$ADD" | sed -n 's/^ETCD_INITIAL_CLUSTER="\(.*\)"$/\1/p')
echo "added learner e4 ($NEW_ID)"

# Watch leader and term while the member joins (every ~100 ms).
(
    while true; do leader_term | tr '\n' ';'; echo; sleep 0.1; done
) >"$DIR/terms.log" 2>/dev/null &
WATCH=$!
PIDS+=($WATCH)

t0=$(now)
start_member e4 23793 23803 "$NEW_CLUSTER" existing
E4=$LAST_PID

# First successful local (serializable) read of the last key on e4.
(
    for i in $(seq 1 1200); do
        v=$("$CTL" --endpoints http://127.0.0.1:23793 --command-timeout 1s get "$LAST_KEY" \
            --consistency s --print-value-only 2>/dev/null || true)
        if [ "$v" = "$LAST_VALUE" ]; then since "$t0" >"$DIR/t_serve"; exit 0; fi
        sleep 0.05
    done
) &
SERVE=$!

t_promote=never
for i in $(seq 1 1200); do
    if "$CTL" --endpoints "$EPS" member promote "$NEW_ID" >/dev/null 2>"$DIR/promote.err"; then
        t_promote=$(since "$t0")
        break
    fi
    sleep 0.05
done
wait "$SERVE" || true
t_serve=$(cat "$DIR/t_serve" 2>/dev/null || echo never)
sleep 2  # let the watcher see the cluster after promotion (figures are taken above)
kill "$WATCH" 2>/dev/null || true
rss=$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' /proc/$E4/status 2>/dev/null || echo "?")

echo
echo "== etcd learner catch-up: $KEYS keys x $VALUE_BYTES B =="
echo "start -> member promote accepted: $t_promote s"
echo "start -> serves a local read:     $t_serve s"
echo "peak RSS of e4 (VmHWM):           $rss MiB"
echo "leader/term seen during the join (distinct values):"
tr ';' '\n' <"$DIR/terms.log" | grep -v '^$' | sort | uniq -c | sed 's/^/  /'
echo "e4's snapshot lines (zap, UTC; start was $(date -u -d @"${t0%.*}" +%H:%M:%S).${t0#*.}):"
grep -E '"msg":"[^"]*snapshot' "$DIR/e4.log" | sed 's/^/  /' | cut -c1-400 | head -20
echo
echo "leadership lines after the start, all members:"
grep -hE 'elected leader|lost leader|became leader|no leader' "$DIR"/e[1-4].log |
    grep -oE '"ts":"[^"]*"|"msg":"[^"]*"' | paste -d' ' - - | tail -10 | sed 's/^/  /'
