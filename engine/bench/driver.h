// The load driver: --clients callers, each with one operation in flight,
// take operation numbers from one shared counter until --total is reached or
// --max-seconds passes. Completions run on gRPC's (or the node's) threads
// and issue the caller's next operation from there: no thread per client.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/bench/backend.h"
#include "engine/bench/options.h"

namespace raftlab::bench {

struct Measured {
    std::uint64_t ops = 0;                   // completed without error
    std::uint64_t errors = 0;                // failed calls, and reads that saw a wrong value
    double seconds = 0;                      // first issue to last completion
    std::vector<float> latencies_ms;         // of the successful operations, sorted
    std::vector<std::string> sample_errors;  // the first few, for the report
    bool timed_out = false;                  // --max-seconds stopped it
};

enum class Phase : std::uint8_t {
    Measure,  // the workload in Options
    Verify,   // linearizable reads of `keys`, each must hold its value
};

struct RunSpec {
    Phase phase = Phase::Measure;
    const std::vector<std::uint64_t>* keys = nullptr;  // Verify: key numbers to read
    // Measure: key numbers written without error are marked here (--check).
    std::vector<std::atomic<std::uint8_t>>* written = nullptr;
};

Measured run_load(Backend& backend, const Options& options, const RunSpec& spec);

}  // namespace raftlab::bench
