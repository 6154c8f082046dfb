// The benchmark's output: a table for people and one JSON line for scripts
// (scripts/bench-vs-etcd.sh reads the line that starts with {"bench":).
#pragma once

#include <string>

#include "engine/bench/driver.h"
#include "engine/bench/options.h"

namespace raftlab::bench {

struct CheckOutcome {
    bool ran = false;
    std::uint64_t keys = 0;
    std::uint64_t errors = 0;
    std::vector<std::string> sample_errors;
};

void print_report(const Options& options, const std::string& backend, const Measured& m,
                  const CheckOutcome& check);

// The latency at quantile q (0..1) of sorted samples; 0 when empty.
double quantile(const std::vector<float>& sorted, double q);

}  // namespace raftlab::bench
