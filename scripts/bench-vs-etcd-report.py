#!/usr/bin/env python3
"""Turns bench-vs-etcd.sh's results.jsonl into table.md and perf-vs-etcd.png.

Medians over the runs, per workload and system, of throughput, average and
p99 latency; ratios Raft Lab / etcd from the same run; CPU seconds per
10,000 writes. Usage: bench-vs-etcd-report.py RESULTS.jsonl OUT_DIR RUNS
"""
import json
import statistics
import sys

results, out, runs = sys.argv[1], sys.argv[2], sys.argv[3]
rows = [json.loads(line) for line in open(results) if line.strip()]
bench = [r for r in rows if r.get("bench")]
cpu = {r["system"]: r for r in rows if r.get("cpu")}

WORKLOADS = [
    ("put-1", "put, 1 client, 1 conn", "≥ 4× etcd"),
    ("put-1000", "put, 1000 clients, 100 conns", "≥ 3× etcd, p99 ≤ ⅓"),
    ("get-1", "linearizable get, 1 client", "≥ 2× etcd"),
    ("get-1000", "linearizable get, 1000 clients, 100 conns", "≥ 2× etcd"),
]


def med(system, label, field):
    vals = [r[field] for r in bench if r["system"] == system and r["label"] == label]
    return statistics.median(vals) if vals else None


def run_ratio(label, field="throughput"):
    """Median over runs of Raft Lab / etcd measured in the same run."""
    out = []
    for run in sorted({r["run"] for r in bench}):
        e = [r[field] for r in bench if r["system"] == "etcd" and r["label"] == label and r["run"] == run]
        f = [r[field] for r in bench if r["system"] == "raftlab" and r["label"] == label and r["run"] == run]
        if e and f and e[0]:
            out.append(f[0] / e[0])
    return statistics.median(out) if out else None


def errors(system, label):
    return sum(r["errors"] for r in bench if r["system"] == system and r["label"] == label)


def fmt(v, digits=0):
    return "n/a" if v is None else f"{v:,.{digits}f}"


lines = [
    f"Medians of {runs} run(s); both systems measured in the same run, 8-byte keys, "
    "256-byte values, fsync on, 3 members on 127.0.0.1.",
    "",
    "| workload | etcd ops/s | etcd avg / p99 ms | Raft Lab ops/s | Raft Lab avg / p99 ms "
    "| Raft Lab ÷ etcd, throughput (median of per-run ratios) | p99 Raft Lab ÷ etcd | goal "
    "| errors, all runs (etcd / Raft Lab) |",
    "|---|---|---|---|---|---|---|---|---|",
]
chart = []
for label, name, goal in WORKLOADS:
    et, rt = med("etcd", label, "throughput"), med("raftlab", label, "throughput")
    ratio = run_ratio(label)
    p99r = run_ratio(label, "p99_ms")
    lines.append(
        f"| {name} | {fmt(et)} | {fmt(med('etcd', label, 'avg_ms'), 2)} / "
        f"{fmt(med('etcd', label, 'p99_ms'), 2)} | {fmt(rt)} | "
        f"{fmt(med('raftlab', label, 'avg_ms'), 2)} / {fmt(med('raftlab', label, 'p99_ms'), 2)} "
        f"| {fmt(ratio, 2)}× | {fmt(p99r, 2)} | {goal} | "
        f"{errors('etcd', label)} / {errors('raftlab', label)} |")
    chart.append((name, et or 0, rt or 0, ratio))
emb = med("embedded", "embedded-put-1000", "throughput")
lines.append(
    f"| embedded put, 1000 concurrent callers in one process | n/a | n/a | {fmt(emb)} | "
    f"{fmt(med('embedded', 'embedded-put-1000', 'avg_ms'), 2)} / "
    f"{fmt(med('embedded', 'embedded-put-1000', 'p99_ms'), 2)} | | | report | "
    f"– / {errors('embedded', 'embedded-put-1000')} |")
lines.append("")
if cpu:
    lines.append("| CPU seconds per 10,000 writes (3 server processes, put workloads) | etcd | Raft Lab |")
    lines.append("|---|---|---|")

    def per10k(s):
        c = cpu.get(s)
        return c["cpu_seconds"] * 10000 / c["writes"] if c and c["writes"] else None

    lines.append(f"| utime + stime | {fmt(per10k('etcd'), 2)} | {fmt(per10k('raftlab'), 2)} |")
table = "\n".join(lines) + "\n"
open(f"{out}/table.md", "w").write(table)
print(table)

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("python3-matplotlib is missing: no chart (apt-get install python3-matplotlib)")
    sys.exit(0)

fig, ax = plt.subplots(figsize=(9, 4.8))
xs = range(len(chart))
w = 0.38
ax.bar([x - w / 2 for x in xs], [c[1] for c in chart], w, label="etcd 3.4", color="#8c8c8c")
ax.bar([x + w / 2 for x in xs], [c[2] for c in chart], w, label="Raft Lab", color="#2a7ab9")
# The label is the table's ratio: the median of per-run ratios (same run).
for x, c in zip(xs, chart):
    if c[3]:
        ax.text(x + w / 2, c[2], f"{c[3]:.2f}×", ha="center", va="bottom", fontsize=9)
ax.set_xticks(list(xs))
ax.set_xticklabels([c[0].replace(", ", "\n", 1) for c in chart], fontsize=8)
ax.set_ylabel("operations per second (median)")
ax.set_title(f"Raft Lab vs etcd 3.4, 3 nodes on loopback, fsync on, median of {runs}")
ax.legend()
ax.grid(axis="y", alpha=0.3)
fig.tight_layout()
fig.savefig(f"{out}/perf-vs-etcd.png", dpi=110)
print(f"chart: {out}/perf-vs-etcd.png")
