// raftlab-write-bench: write throughput and latency of a fresh 3-node cluster
// through the gRPC API, for the report's figures (not a test).
//   raftlab-write-bench [--clients N] [--seconds S] [--value-bytes B]
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>

#include "node_harness.h"

using namespace raftlab;
using namespace raftlab::testing;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
    int clients = 8, seconds = 5, value_bytes = 256;
    for (int a = 1; a + 1 < argc; a += 2) {
        if (!std::strcmp(argv[a], "--clients")) clients = std::max(1, std::atoi(argv[a + 1]));
        if (!std::strcmp(argv[a], "--seconds"))
            seconds = std::clamp(std::atoi(argv[a + 1]), 1, 600);
        if (!std::strcmp(argv[a], "--value-bytes"))
            value_bytes = std::max(0, std::atoi(argv[a + 1]));
    }
    Cluster cluster;
    if (!cluster.start_all() || !cluster.wait_leader(10s)) {
        return std::fprintf(stderr, "cluster did not start\n"), 1;
    }
    std::string value(value_bytes, 'v');
    std::mutex mu;
    std::vector<double> latencies;
    std::atomic<long> errors{0};
    auto end = Clock::now() + std::chrono::seconds(seconds);
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
        threads.emplace_back([&, c] {
            api::RemoteClient client(cluster.endpoint_list());
            std::vector<double> mine;
            for (long i = 0; Clock::now() < end && i < 10'000'000; ++i) {
                auto t0 = Clock::now();
                auto r = client.put("c" + std::to_string(c) + "/" + std::to_string(i), value);
                if (!r.error.ok()) {
                    ++errors;
                    continue;
                }
                mine.push_back(
                    std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
            }
            std::lock_guard lock(mu);
            latencies.insert(latencies.end(), mine.begin(), mine.end());
        });
    }
    for (auto& t : threads)
        t.join();
    std::sort(latencies.begin(), latencies.end());
    auto pct = [&](double p) {
        return latencies.empty() ? 0.0
                                 : latencies[static_cast<std::size_t>(p * (latencies.size() - 1))];
    };
    std::printf(
        "%d clients, %d s, %d-byte values: %.0f writes/s, latency p50 %.2f ms, p99 %.2f ms, "
        "errors %ld\n",
        clients, seconds, value_bytes, latencies.size() / double(seconds), pct(0.5), pct(0.99),
        errors.load());
    return 0;
}
