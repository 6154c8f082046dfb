// Concurrent clients running put, get (linearizable) and CAS over a small key
// set, at a fixed rate per client or as fast as they can, bounded by an
// operation count and a duration. Every operation goes into the run's history.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "scenarios/runner/history_recorder.h"

namespace raftlab::scenario {

struct WorkloadOptions {
    int clients = 4;
    int keys = 8;
    double rate = 0;  // ops/s per client; 0 = flat out
    std::uint64_t max_ops = 20000;
    std::uint64_t duration_ms = 0;  // 0 = until stop() (still bounded by max_ops)
    std::uint64_t op_timeout_ms = 1000;
    double read_fraction = 0.3;
    double cas_fraction = 0.2;
    std::uint64_t seed = 1;
};

class Workload {
  public:
    // `endpoints`: node id -> client address; clients start on random nodes
    // and follow NOT_LEADER hints.
    Workload(std::map<std::uint64_t, std::string> endpoints, WorkloadOptions options,
             HistoryRecorder& recorder);
    ~Workload();

    void start();
    void stop();        // waits for every client's current operation to finish
    bool done() const;  // every client has finished (count or duration reached)
    std::uint64_t issued() const { return std::min<std::uint64_t>(issued_, options_.max_ops); }

    static std::string key_name(int i) { return "k" + std::to_string(i); }

  private:
    void client_loop(int client);

    std::map<std::uint64_t, std::string> endpoints_;
    WorkloadOptions options_;
    HistoryRecorder& recorder_;
    std::atomic<bool> stop_{false};
    std::atomic<std::uint64_t> issued_{0};
    std::atomic<int> running_{0};
    std::vector<std::thread> threads_;
};

}  // namespace raftlab::scenario
