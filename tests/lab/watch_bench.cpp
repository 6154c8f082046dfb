// raftlab-watch-bench: what the lab plane costs under write load (issue 5).
// A program for the figures, not a timed test; --check turns a short run into
// a correctness smoke test (ctest watch_bench_smoke, lab_off_bench_smoke).
//
//   --mode watch (default): "a Watch stream with every event type enabled
//     costs less than 5% of write throughput". One 3-node --lab cluster, a
//     closed-loop write load (raftlab-bench's: by default the performance
//     issue's 1000 clients on 100 connections to the leader, 256-byte
//     values), each round one phase without and one with a
//     Watch stream of every event class (heartbeats included, a NodeState
//     every 100 ms) on every node, in alternating order. Prints each round's
//     ratio, the median ratio and the streams' dropped-event count.
//   --mode lab-off: "without --lab, none of this costs anything measurable".
//     Two 3-node clusters side by side, one started without --lab and one
//     with --lab but no watcher; each round loads one then the other, in
//     alternating order. Prints each round's ratio (lab / plain) and the median.
//
//   raftlab-watch-bench [--mode watch|lab-off] [--clients N] [--conns C] [--seconds S per phase, 4]
//                       [--rounds R, 30] [--max-batch B (WatchRequest.max_batch; 0 = one
//                       event per message)] [--events all|few|no-client|none]
//                       [--watchers process|in-process] [--check]
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include "engine/bench/backend.h"
#include "engine/bench/driver.h"
#include "lab_harness.h"
#include "watch_bench_watchers.h"

using namespace raftlab;
using namespace raftlab::testing;

namespace {

struct Options {
    std::string mode = "watch";
    // 30 rounds of 4 s: per-round ratios spread ±5-10% on a 2-core machine
    // even when nothing differs (--events none), so fewer rounds cannot tell
    // 2% from 5% (docs/lab-plane.md).
    int clients = 1000, conns = 100, seconds = 4, rounds = 30, max_batch = 256;
    // --events few: watchers that filter out every message, entry and client
    // event, to tell the cost of building events from the cost of streaming them.
    // --events no-client: every class but ClientRequest, to tell what the
    // one-per-write client events cost from the rest.
    // --events none: no watcher in either phase, the control: how far apart
    // two identical phases land on this machine (the bench's own noise).
    std::string events = "all";
    // Where the watchers read their streams: "process", a process of their
    // own like the GUI's (default), or "in-process", beside the load clients
    // (watch_bench_watchers.h says why that slows the load by itself).
    std::string watchers = "process";
    std::string watch_child;  // internal: run as the watcher process of these lab addresses
    bool check = false;
};

// This program's own path, to re-run it as the watcher process.
std::string self_exe() {
    char buf[4096] = {};
    const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

std::vector<std::string> split_commas(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= s.size()) {
        const std::size_t comma = std::min(s.find(',', start), s.size());
        if (comma > start) out.push_back(s.substr(start, comma - start));
        start = comma + 1;
    }
    return out;
}

// CPU seconds (user + system) a process has used so far, from /proc.
double cpu_seconds(int pid) {
    std::FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
    if (!f) return 0;
    char buf[1024] = {};
    const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    // Fields after the ")" that ends the command name: state is field 3,
    // utime and stime are fields 14 and 15.
    const char* p = std::strrchr(buf, ')');
    if (!p || n == 0) return 0;
    unsigned long utime = 0, stime = 0;
    if (std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) !=
        2) {
        return 0;
    }
    return double(utime + stime) / double(sysconf(_SC_CLK_TCK));
}

// CPU used by the cluster's node processes and by this process (the load
// clients and the watchers), so a phase's cost can be read as CPU per write:
// on a busy shared machine that is steadier than throughput.
double cpu_nodes(Cluster& cluster) {
    double total = 0;
    for (auto id : cluster.ids())
        total += cpu_seconds(cluster.node(id).pid());
    return total;
}

double cpu_now(Cluster& cluster) {
    return cpu_seconds(getpid()) + cpu_nodes(cluster);
}

// The performance issue's write load (raftlab-bench's driver: closed-loop
// callers on gRPC's callback API, `conns` connections to the leader, 8-byte
// keys, 256-byte values) for `seconds`. Returns writes/s; *failed counts
// writes that returned an error. One backend per cluster, made once, so its
// connections are up before the first phase is timed.
struct Load {
    bench::Options options;
    std::unique_ptr<bench::Backend> backend;
};

std::unique_ptr<Load> make_load(Cluster& cluster, const Options& o) {
    auto load = std::make_unique<Load>();
    bench::Options& b = load->options;
    b.endpoints = cluster.endpoint_list();
    b.clients = static_cast<std::size_t>(o.clients);
    b.conns = static_cast<std::size_t>(std::min(o.conns, o.clients));
    b.target_leader = true;
    b.key_size = 8;
    b.val_size = 256;
    b.sequential_keys = true;
    // Bounded in count as well as time: --seconds ends a phase long before
    // this many writes on this machine.
    b.total = 20'000'000;
    b.max_seconds = o.seconds;
    std::string error;
    load->backend = bench::make_raftlab_backend(b, &error);
    if (!load->backend) {
        std::fprintf(stderr, "raftlab-watch-bench: %s\n", error.c_str());
        return nullptr;
    }
    return load;
}

// *writes gets the phase's successful writes, for CPU per write.
double write_phase(Load& load, long* failed, double* writes) {
    const bench::Measured m = bench::run_load(*load.backend, load.options, bench::RunSpec{});
    *failed += static_cast<long>(m.errors);
    *writes = double(m.ops);
    return m.seconds > 0 ? double(m.ops) / m.seconds : 0;
}

double per_write_us(double cpu_s, double writes) {
    return writes > 0 ? cpu_s * 1e6 / writes : 0;
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Rounds of two phases, A then B on even rounds and B then A on odd ones
// (ABBA): throughput drifts down as the stores grow, and a fixed order would
// put that drift into the ratio. Returns each round's B/A.
template <typename PhaseA, typename PhaseB>
std::vector<double> alternate(int rounds, PhaseA a, PhaseB b, double* sum_a, double* sum_b) {
    std::vector<double> ratios;
    for (int r = 0; r < rounds; ++r) {
        double x = 0, y = 0;
        if (r % 2 == 0) {
            x = a(r);
            y = b(r);
        } else {
            y = b(r);
            x = a(r);
        }
        *sum_a += x;
        *sum_b += y;
        ratios.push_back(x > 0 ? y / x : 0);
        std::printf("round %d: ratio %.3f\n", r + 1, ratios.back());
        std::fflush(stdout);
    }
    return ratios;
}

int watch_mode(const Options& o) {
    LabCluster lc;
    if (!lc.start_all() || !lc.cluster().wait_leader(15s)) {
        return std::fprintf(stderr, "raftlab-watch-bench: the --lab cluster did not start\n"), 1;
    }
    auto load = make_load(lc.cluster(), o);
    if (!load) return 1;
    long failed = 0;
    std::uint64_t events = 0, dropped = 0;
    std::map<std::string, std::uint64_t> kinds;  // over every watched phase
    std::uint64_t grouped = 0, grouped_messages = 0;
    bool streams_ok = true;
    std::vector<double> cpu_off(o.rounds), cpu_on(o.rounds);  // CPU µs per write
    // The three nodes' share alone: what watching costs the nodes, apart
    // from the watchers' (and the load's) side in this process.
    std::vector<double> node_off(o.rounds), node_on(o.rounds);
    auto plain = [&](int r) {
        const double c0 = cpu_now(lc.cluster()), n0 = cpu_nodes(lc.cluster());
        double writes = 0;
        double rate = write_phase(*load, &failed, &writes);
        cpu_off[r] = per_write_us(cpu_now(lc.cluster()) - c0, writes);
        node_off[r] = per_write_us(cpu_nodes(lc.cluster()) - n0, writes);
        std::printf("round %d without watcher: %.0f writes/s, %.0f us CPU per write (nodes %.0f)\n",
                    r + 1, rate, cpu_off[r], node_off[r]);
        return rate;
    };
    auto watched = [&](int r) {
        const double c0 = cpu_now(lc.cluster()), n0 = cpu_nodes(lc.cluster());
        std::vector<std::string> addresses;
        for (auto id : lc.cluster().ids())
            addresses.push_back(lc.cluster().address(id));
        const WatchSpec spec{static_cast<std::uint32_t>(o.max_batch), o.events};
        // The watchers attach before the phase starts, so it is watched
        // from its first write.
        std::optional<WatcherProcess> child;
        std::optional<InProcessWatchers> local;
        bool attached = o.events == "none";
        if (o.events == "none") {
            // The control: this phase is watched by nobody either.
        } else if (o.watchers == "process") {
            attached = child.emplace(self_exe(), addresses, spec).wait_attached();
        } else {
            attached = local.emplace(addresses, spec).wait_attached();
        }
        if (!attached) streams_ok = false;
        double writes = 0;
        double rate = write_phase(*load, &failed, &writes);
        // Let the streams deliver what the phase produced before counting.
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        const WatchTally t = child ? child->finish() : local ? local->tally() : WatchTally{};
        local.reset();
        const std::uint64_t e = t.events, d = t.dropped, m = t.messages;
        for (const auto& [kind, n] : t.kinds)
            kinds[kind] += n;
        grouped += t.grouped;
        grouped_messages += t.grouped_messages;
        if (!t.ok) streams_ok = false;
        cpu_on[r] = per_write_us(cpu_now(lc.cluster()) + t.cpu_seconds - c0, writes);
        node_on[r] = per_write_us(cpu_nodes(lc.cluster()) - n0, writes);
        std::printf(
            "round %d with a watcher on every node: %.0f writes/s, %.0f us CPU per write (nodes "
            "%.0f), %llu events streamed in %llu stream messages, %llu dropped\n",
            r + 1, rate, cpu_on[r], node_on[r], static_cast<unsigned long long>(e),
            static_cast<unsigned long long>(m), static_cast<unsigned long long>(d));
        events += e;
        dropped += d;
        return rate;
    };
    double off = 0, on = 0;
    auto ratios = alternate(o.rounds, plain, watched, &off, &on);
    const double med = median(ratios);
    std::vector<double> cpu_ratios, node_ratios;
    for (int r = 0; r < o.rounds; ++r) {
        if (cpu_off[r] > 0) cpu_ratios.push_back(cpu_on[r] / cpu_off[r]);
        if (node_off[r] > 0) node_ratios.push_back(node_on[r] / node_off[r]);
    }
    std::printf(
        "watch: %d clients, max_batch %d, events %s, %d rounds x 2 x %d s: %.0f writes/s "
        "without, %.0f with watchers; median ratio %.3f (cost %.1f%%), ratio of sums %.3f; "
        "%llu events streamed, %llu dropped by the streams, %ld writes failed\n",
        o.clients, o.max_batch, o.events.c_str(), o.rounds, o.seconds, off / o.rounds,
        on / o.rounds, med, 100.0 * (1 - med), off > 0 ? on / off : 0,
        static_cast<unsigned long long>(events), static_cast<unsigned long long>(dropped), failed);
    std::printf(
        "watch: CPU per write (nodes + clients + watchers): %.0f us without, %.0f us with "
        "watchers; median ratio %.3f (%.1f%% more CPU per write when watched)\n",
        median(cpu_off), median(cpu_on), cpu_ratios.empty() ? 0 : median(cpu_ratios),
        cpu_ratios.empty() ? 0 : 100.0 * (median(cpu_ratios) - 1));
    std::printf(
        "watch: CPU per write of the three nodes alone: %.0f us without, %.0f us with watchers; "
        "median ratio %.3f (%.1f%% more)\n",
        median(node_off), median(node_on), node_ratios.empty() ? 0 : median(node_ratios),
        node_ratios.empty() ? 0 : 100.0 * (median(node_ratios) - 1));
    std::string by_kind;
    for (const auto& [name, n] : kinds)
        by_kind += (by_kind.empty() ? "" : ", ") + name + " " + std::to_string(n);
    std::printf(
        "watch: events by kind: %s (the client_requests events carry %llu requests, the "
        "messages events %llu messages)\n",
        by_kind.c_str(), static_cast<unsigned long long>(grouped),
        static_cast<unsigned long long>(grouped_messages));
    if (o.check) {
        // Correctness only: every write phase wrote, every stream began with
        // a NodeState and kept its seq order, and the drop count is reported.
        if (off <= 0 || on <= 0) return std::fprintf(stderr, "check: a phase wrote nothing\n"), 1;
        if (!streams_ok) {
            return std::fprintf(stderr,
                                "check: a Watch stream did not start with a NodeState, skipped "
                                "seq order, or delivered nothing\n"),
                   1;
        }
        std::printf("check passed: dropped count reported (%llu)\n",
                    static_cast<unsigned long long>(dropped));
    }
    return 0;
}

int lab_off_mode(const Options& o) {
    Cluster plain_cluster;   // no --lab: no Lab service, no event bus, no netem
    LabCluster lab_cluster;  // --lab, and nobody watches
    if (!plain_cluster.start_all() || !lab_cluster.start_all() || !plain_cluster.wait_leader(15s) ||
        !lab_cluster.cluster().wait_leader(15s)) {
        return std::fprintf(stderr, "raftlab-watch-bench: the clusters did not start\n"), 1;
    }
    auto plain_load = make_load(plain_cluster, o);
    auto lab_load = make_load(lab_cluster.cluster(), o);
    if (!plain_load || !lab_load) return 1;
    long failed = 0;
    std::vector<double> cpu_plain(o.rounds), cpu_lab(o.rounds);  // CPU µs per write
    auto plain = [&](int r) {
        const double c0 = cpu_now(plain_cluster);
        double writes = 0;
        double rate = write_phase(*plain_load, &failed, &writes);
        cpu_plain[r] = per_write_us(cpu_now(plain_cluster) - c0, writes);
        std::printf("round %d without --lab: %.0f writes/s, %.0f us CPU per write\n", r + 1, rate,
                    cpu_plain[r]);
        return rate;
    };
    auto labbed = [&](int r) {
        const double c0 = cpu_now(lab_cluster.cluster());
        double writes = 0;
        double rate = write_phase(*lab_load, &failed, &writes);
        cpu_lab[r] = per_write_us(cpu_now(lab_cluster.cluster()) - c0, writes);
        std::printf("round %d with --lab, no watcher: %.0f writes/s, %.0f us CPU per write\n",
                    r + 1, rate, cpu_lab[r]);
        return rate;
    };
    double a = 0, b = 0;
    auto ratios = alternate(o.rounds, plain, labbed, &a, &b);
    const double med = median(ratios);
    std::vector<double> cpu_ratios;
    for (int r = 0; r < o.rounds; ++r)
        if (cpu_plain[r] > 0) cpu_ratios.push_back(cpu_lab[r] / cpu_plain[r]);
    std::printf(
        "lab-off: CPU per write (nodes + clients): %.0f us without --lab, %.0f us with; median "
        "ratio %.3f (%.1f%% more CPU per write with --lab)\n",
        median(cpu_plain), median(cpu_lab), cpu_ratios.empty() ? 0 : median(cpu_ratios),
        cpu_ratios.empty() ? 0 : 100.0 * (median(cpu_ratios) - 1));
    std::printf(
        "lab-off: %d clients, %d rounds x 2 x %d s: %.0f writes/s without --lab, %.0f with --lab "
        "and no watcher; median ratio %.3f (cost %.1f%%), ratio of sums %.3f; %ld writes "
        "failed\n",
        o.clients, o.rounds, o.seconds, a / o.rounds, b / o.rounds, med, 100.0 * (1 - med),
        a > 0 ? b / a : 0, failed);
    if (o.check && (a <= 0 || b <= 0)) {
        return std::fprintf(stderr, "check: a phase wrote nothing\n"), 1;
    }
    if (o.check) std::printf("check passed\n");
    return 0;
}

// A numeric option's value, or a clear error naming the option and its range.
bool whole_number(const char* option, const char* text, int lo, int hi, int* out) {
    char* end = nullptr;
    const long v = std::strtol(text, &end, 10);
    if (end == text || *end != '\0' || v < lo || v > hi) {
        std::fprintf(stderr,
                     "raftlab-watch-bench: %s wants a whole number from %d to %d, not '%s'\n",
                     option, lo, hi, text);
        return false;
    }
    *out = static_cast<int>(v);
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int a = 1; a < argc; ++a) {
        const char* arg = argv[a];
        const char* val = a + 1 < argc ? argv[a + 1] : nullptr;
        if (!std::strcmp(arg, "--check")) {
            o.check = true;
            continue;
        }
        if (!val) {
            std::fprintf(stderr,
                         "raftlab-watch-bench: %s needs a value; see the top of "
                         "tests/lab/watch_bench.cpp\n",
                         arg);
            return 2;
        }
        ++a;
        if (!std::strcmp(arg, "--clients")) {
            if (!whole_number(arg, val, 1, 2000, &o.clients)) return 2;
        } else if (!std::strcmp(arg, "--conns")) {
            if (!whole_number(arg, val, 1, 1000, &o.conns)) return 2;
        } else if (!std::strcmp(arg, "--seconds")) {
            if (!whole_number(arg, val, 1, 600, &o.seconds)) return 2;
        } else if (!std::strcmp(arg, "--max-batch")) {
            if (!whole_number(arg, val, 0, 4096, &o.max_batch)) return 2;
        } else if (!std::strcmp(arg, "--events")) {
            o.events = val;
            if (o.events != "all" && o.events != "few" && o.events != "no-client" &&
                o.events != "none") {
                std::fprintf(stderr, "raftlab-watch-bench: --events all|few|no-client|none\n");
                return 2;
            }
        } else if (!std::strcmp(arg, "--watchers")) {
            o.watchers = val;
            if (o.watchers != "process" && o.watchers != "in-process") {
                std::fprintf(stderr, "raftlab-watch-bench: --watchers process|in-process\n");
                return 2;
            }
        } else if (!std::strcmp(arg, "--watch-child")) {
            o.watch_child = val;
        } else if (!std::strcmp(arg, "--rounds")) {
            if (!whole_number(arg, val, 1, 100, &o.rounds)) return 2;
        } else if (!std::strcmp(arg, "--mode") &&
                   (!std::strcmp(val, "watch") || !std::strcmp(val, "lab-off"))) {
            o.mode = val;
        } else {
            std::fprintf(stderr,
                         "raftlab-watch-bench: unknown option %s %s; use --mode watch|lab-off, "
                         "--clients N, --conns C, --seconds S, --rounds R, --max-batch B, --events "
                         "all|few|no-client|none, --watchers process|in-process, --check\n",
                         arg, val);
            return 2;
        }
    }
    if (!o.watch_child.empty()) {
        return run_watch_child(split_commas(o.watch_child),
                               WatchSpec{static_cast<std::uint32_t>(o.max_batch), o.events});
    }
    return o.mode == "lab-off" ? lab_off_mode(o) : watch_mode(o);
}
