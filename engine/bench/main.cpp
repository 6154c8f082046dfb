// raftlab-bench: load and latency of a Raft Lab or etcd v3 cluster, with the
// flags of etcd's `benchmark` tool, so that both run the same client code,
// connection handling and measurement (docs/performance.md).
//
//   raftlab-bench --endpoints A,B,C --conns 100 --clients 1000 --target-leader
//       put --key-size 8 --val-size 256 --sequential-keys --total 100000
//   raftlab-bench --target etcd --endpoints ... range KEY --consistency l --total 10000
//   raftlab-bench --endpoints ... mixed --read-ratio 0.9 --total 10000 --check
//   raftlab-bench --target embedded --clients 1000 put --total 50000
#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <memory>
#include <thread>

#include "engine/api/remote_client.h"
#include "engine/bench/backend.h"
#include "engine/bench/driver.h"
#include "engine/bench/keys.h"
#include "engine/bench/options.h"
#include "engine/bench/report.h"

using namespace raftlab::bench;

namespace {

int usage_error(const std::string& message) {
    std::fprintf(stderr, "raftlab-bench: %s\n", message.c_str());
    return 2;
}

// Empty when the options make sense; else what is wrong and how to fix it.
std::string check(Options& o, const std::string& endpoints, const std::string& consistency) {
    if (o.target != Target::Embedded) {
        o.endpoints = raftlab::api::split_endpoints(endpoints);
        if (o.endpoints.empty()) {
            return "--endpoints is empty; give the cluster's client addresses, e.g. "
                   "--endpoints 127.0.0.1:9081,127.0.0.1:9082,127.0.0.1:9083";
        }
    }
    if (o.clients == 0) return "--clients must be at least 1";
    if (o.conns == 0) return "--conns must be at least 1";
    if (o.conns > o.clients) {
        return "--conns " + std::to_string(o.conns) + " is more than --clients " +
               std::to_string(o.clients) + ": the extra connections would stay idle; lower --conns";
    }
    if (o.total == 0 || o.total > 100'000'000) {
        return "--total " + std::to_string(o.total) + " is out of range; give 1..100000000";
    }
    if (o.max_seconds <= 0 || o.max_seconds > 3600) {
        return "--max-seconds must be in (0, 3600]";
    }
    if (consistency == "l" || consistency == "linearizable") {
        o.linearizable = true;
    } else if (consistency == "s" || consistency == "serializable") {
        o.linearizable = false;
    } else {
        return "--consistency '" + consistency +
               "' is not known; use l (linearizable) or s (serializable)";
    }
    if (o.read_ratio < 0 || o.read_ratio > 1) {
        return "--read-ratio " + std::to_string(o.read_ratio) + " is not in [0, 1]";
    }
    if (o.workload == Workload::Range) {
        if (o.range_key.empty()) return "range needs a key: range KEY";
        if (o.check) return "--check reads back written keys; use it with put or mixed, not range";
    } else {
        const std::uint64_t space = o.key_space_size ? o.key_space_size : o.total;
        if (o.key_size == 0 || o.key_size > 4096) return "--key-size must be in 1..4096";
        if (digits_for(space) > o.key_size) {
            return "--key-size " + std::to_string(o.key_size) + " cannot hold " +
                   std::to_string(space) + " distinct keys (keys are zero-padded decimals); " +
                   "raise --key-size or lower --key-space-size/--total";
        }
    }
    if (o.val_size > (1u << 20)) return "--val-size is over 1 MiB; Raft Lab's default limit";
    return {};
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    std::string endpoints;
    std::string target = "raftlab";
    std::string consistency = "l";

    CLI::App app{
        "raftlab-bench: throughput and latency of a Raft Lab or etcd v3 cluster, with etcd "
        "benchmark's flags (docs/performance.md)"};
    app.fallthrough();
    app.require_subcommand(1);
    app.add_option("--endpoints", endpoints, "client addresses, comma-separated");
    app.add_option("--conns", o.conns, "gRPC connections, shared round-robin by the clients")
        ->capture_default_str();
    app.add_option("--clients", o.clients, "concurrent clients, one call in flight each")
        ->capture_default_str();
    app.add_flag("--target-leader", o.target_leader, "connect to the leader only");
    app.add_option("--target", target, "raftlab, etcd, or embedded (3 nodes in this process)")
        ->capture_default_str()
        ->check(CLI::IsMember({"raftlab", "etcd", "embedded"}));
    app.add_flag("--check", o.check,
                 "afterwards, read back every written key (linearizable) and fail on a wrong or "
                 "missing value");
    app.add_option("--max-seconds", o.max_seconds, "stop issuing after this long")
        ->capture_default_str();
    app.add_option("--rpc-timeout-ms", o.rpc_timeout_ms, "deadline of one call")
        ->capture_default_str();
    app.add_option("--data-dir", o.data_dir, "--target embedded: an empty dir for the nodes");
    app.add_option("--label", o.label, "free text copied into the JSON line");

    auto* put = app.add_subcommand("put", "write keys");
    put->add_option("--total", o.total, "operations")->capture_default_str();
    put->add_option("--key-size", o.key_size, "key bytes")->capture_default_str();
    put->add_option("--val-size", o.val_size, "value bytes")->capture_default_str();
    put->add_flag("--sequential-keys", o.sequential_keys, "keys 0, 1, 2... instead of random");
    put->add_option("--key-space-size", o.key_space_size, "distinct keys (default: --total)");

    auto* range = app.add_subcommand("range", "read one key (etcd: Range)");
    range->alias("get");
    range->add_option("key", o.range_key, "the key to read")->required();
    range->add_option("--consistency", consistency, "l (linearizable) or s (serializable)")
        ->capture_default_str();
    range->add_option("--total", o.total, "operations")->capture_default_str();
    range->add_option("--val-size", o.val_size, "size of the value written first")
        ->capture_default_str();
    range->add_flag("!--no-fill", o.fill, "do not write the key before reading it");

    auto* mixed = app.add_subcommand("mixed", "random reads and writes over a key space");
    mixed->add_option("--read-ratio", o.read_ratio, "share of reads, 0..1")->capture_default_str();
    mixed->add_option("--consistency", consistency, "reads: l or s")->capture_default_str();
    mixed->add_option("--total", o.total, "operations")->capture_default_str();
    mixed->add_option("--key-size", o.key_size, "key bytes")->capture_default_str();
    mixed->add_option("--val-size", o.val_size, "value bytes")->capture_default_str();
    mixed->add_option("--key-space-size", o.key_space_size, "distinct keys (default: --total)");

    CLI11_PARSE(app, argc, argv);
    o.target = target == "etcd"       ? Target::Etcd
               : target == "embedded" ? Target::Embedded
                                      : Target::Raftlab;
    o.workload = app.got_subcommand(put)     ? Workload::Put
                 : app.got_subcommand(range) ? Workload::Range
                                             : Workload::Mixed;
    if (auto problem = check(o, endpoints, consistency); !problem.empty()) {
        return usage_error(problem);
    }

    std::string error;
    std::unique_ptr<Backend> backend;
    switch (o.target) {
        case Target::Raftlab:
            backend = make_raftlab_backend(o, &error);
            break;
        case Target::Etcd:
            backend = make_etcd_backend(o, &error);
            break;
        case Target::Embedded:
            backend = make_embedded_backend(o, &error);
            break;
    }
    if (!backend) {
        std::fprintf(stderr, "raftlab-bench: %s\n", error.c_str());
        return 1;
    }

    if (o.workload == Workload::Range && o.fill) {
        // Read a real value of --val-size bytes, as after a put.
        struct OneKey final : Listener {
            std::atomic<bool> done{false};
            OpResult result;
            void on_done(OpResult& r) override {
                result = r;
                done = true;
            }
        } one;
        auto caller = backend->make_caller(0, &one);
        std::string value;
        make_value(o.range_key, o.val_size, value);
        caller->put(o.range_key, value);
        auto deadline =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(o.rpc_timeout_ms + 1000);
        while (!one.done && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        if (!one.done || !one.result.ok) {
            std::fprintf(stderr, "raftlab-bench: writing %s before reading it failed: %s\n",
                         o.range_key.c_str(),
                         one.done ? one.result.error.c_str() : "no answer in time");
            return 1;
        }
    }

    std::vector<std::atomic<std::uint8_t>> written;
    RunSpec spec;
    if (o.check) {
        written =
            std::vector<std::atomic<std::uint8_t>>(o.key_space_size ? o.key_space_size : o.total);
        spec.written = &written;
    }
    Measured m = run_load(*backend, o, spec);

    CheckOutcome outcome;
    if (o.check) {
        std::vector<std::uint64_t> keys;
        for (std::uint64_t i = 0; i < written.size(); ++i)
            if (written[i].load()) keys.push_back(i);
        RunSpec verify;
        verify.phase = Phase::Verify;
        verify.keys = &keys;
        outcome.ran = true;
        outcome.keys = keys.size();
        if (!keys.empty()) {
            Measured v = run_load(*backend, o, verify);
            outcome.errors = v.errors + (keys.size() - v.ops - v.errors);
            outcome.sample_errors = v.sample_errors;
        }
        if (o.workload == Workload::Put && keys.size() != m.ops) {
            // Random keys may repeat; sequential ones may not.
            if (o.sequential_keys && !o.key_space_size) ++outcome.errors;
        }
    }
    print_report(o, backend->describe(), m, outcome);
    return (m.errors == 0 && outcome.errors == 0 && !m.timed_out) ? 0 : 1;
}
