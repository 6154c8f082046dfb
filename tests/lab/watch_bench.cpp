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
//   raftlab-watch-bench [--mode watch|lab-off] [--clients N] [--conns C] [--seconds S per phase]
//                       [--rounds R] [--max-batch B (WatchRequest.max_batch; 0 = one
//                       event per message)] [--events all|few|no-client] [--check]
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <thread>

#include "engine/bench/backend.h"
#include "engine/bench/driver.h"
#include "lab_harness.h"

using namespace raftlab;
using namespace raftlab::testing;

namespace {

struct Options {
    std::string mode = "watch";
    int clients = 1000, conns = 100, seconds = 5, rounds = 4, max_batch = 256;
    // --events few: watchers that filter out every message, entry and client
    // event, to tell the cost of building events from the cost of streaming them.
    // --events no-client: every class but ClientRequest, to tell what the
    // one-per-write client events cost from the rest.
    std::string events = "all";
    bool check = false;
};

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

// One Watch stream read on its own thread; checks what a correct stream
// must look like (NodeState first, one node, seq strictly increasing).
struct Watcher {
    grpc::ClientContext ctx;
    std::unique_ptr<grpc::ClientReader<pb::WatchEvent>> reader;
    std::thread thread;
    std::atomic<std::uint64_t> events{0}, dropped{0}, messages{0};
    // Events by kind (WatchEvent's oneof case numbers, 10..21): where the
    // stream's volume comes from.
    std::array<std::atomic<std::uint64_t>, 32> by_kind{};
    std::atomic<std::uint64_t> grouped{0};  // requests inside ClientRequests events
    std::atomic<bool> state_first{false}, order_ok{true};

    Watcher(pb::Lab::Stub& lab, std::uint32_t max_batch, const std::string& classes) {
        const bool all_events = classes != "few";
        pb::WatchRequest req;
        req.set_include_heartbeats(all_events);
        req.set_include_messages(all_events);
        req.set_include_entries(all_events);
        req.set_include_client(classes == "all");
        req.set_state_interval_ms(100);
        req.set_max_batch(max_batch);
        reader = lab.Watch(&ctx, req);
        thread = std::thread([this] {
            pb::WatchEvent carrier;
            std::uint64_t last_seq = 0, node = 0;
            auto one = [&](const pb::WatchEvent& ev) {
                if (events++ == 0) {
                    state_first = ev.has_state();
                    node = ev.node_id();
                }
                dropped += ev.dropped_before();
                ++by_kind[static_cast<std::size_t>(ev.event_case()) % by_kind.size()];
                grouped += static_cast<std::uint64_t>(ev.client_requests().keys_size());
                if (ev.seq() <= last_seq || ev.node_id() != node) order_ok = false;
                last_seq = ev.seq();
            };
            while (reader->Read(&carrier)) {
                ++messages;
                if (carrier.batch_size() == 0) one(carrier);
                for (const auto& e : carrier.batch())
                    one(e);
            }
        });
    }
    ~Watcher() {
        ctx.TryCancel();
        thread.join();
    }
};

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
    std::uint64_t grouped = 0;
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
        std::vector<std::unique_ptr<Watcher>> watchers;
        for (auto id : lc.cluster().ids())
            watchers.push_back(std::make_unique<Watcher>(lc.lab(id), o.max_batch, o.events));
        double writes = 0;
        double rate = write_phase(*load, &failed, &writes);
        // Let the streams deliver what the phase produced before counting.
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        std::uint64_t e = 0, d = 0, m = 0;
        for (auto& w : watchers) {
            e += w->events;
            for (std::size_t k = 0; k < w->by_kind.size(); ++k) {
                if (const auto n = w->by_kind[k].load()) {
                    const auto* field = pb::WatchEvent::descriptor()->FindFieldByNumber(int(k));
                    kinds[field ? field->name() : "other"] += n;
                }
            }
            d += w->dropped;
            m += w->messages;
            grouped += w->grouped;
            if (!w->state_first || !w->order_ok || w->events < 2) streams_ok = false;
        }
        watchers.clear();
        cpu_on[r] = per_write_us(cpu_now(lc.cluster()) - c0, writes);
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
    std::printf("watch: events by kind: %s (the client_requests events carry %llu requests)\n",
                by_kind.c_str(), static_cast<unsigned long long>(grouped));
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
            o.clients = std::clamp(std::atoi(val), 1, 2000);
        } else if (!std::strcmp(arg, "--conns")) {
            o.conns = std::clamp(std::atoi(val), 1, 1000);
        } else if (!std::strcmp(arg, "--seconds")) {
            o.seconds = std::clamp(std::atoi(val), 1, 600);
        } else if (!std::strcmp(arg, "--max-batch")) {
            o.max_batch = std::clamp(std::atoi(val), 0, 4096);
        } else if (!std::strcmp(arg, "--events")) {
            o.events = val;
            if (o.events != "all" && o.events != "few" && o.events != "no-client") {
                std::fprintf(stderr, "raftlab-watch-bench: --events all|few|no-client\n");
                return 2;
            }
        } else if (!std::strcmp(arg, "--rounds")) {
            o.rounds = std::clamp(std::atoi(val), 1, 40);
        } else if (!std::strcmp(arg, "--mode") &&
                   (!std::strcmp(val, "watch") || !std::strcmp(val, "lab-off"))) {
            o.mode = val;
        } else {
            std::fprintf(stderr,
                         "raftlab-watch-bench: unknown option %s %s; use --mode watch|lab-off, "
                         "--clients N, --conns C, --seconds S, --rounds R, --max-batch B, --events "
                         "all|few|no-client, "
                         "--check\n",
                         arg, val);
            return 2;
        }
    }
    return o.mode == "lab-off" ? lab_off_mode(o) : watch_mode(o);
}
