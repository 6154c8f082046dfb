// The linearizability checker: is there one order of all operations, each
// placed between its invocation and its completion, in which every answer is
// what a single register per key would have given?
//
//   auto result = lincheck::check(history, {.budget = 5s});
//   if (result.verdict != lincheck::Verdict::Ok) std::cout << lincheck::format(result);
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "scenarios/lincheck/history.h"

namespace raftlab::lincheck {

enum class Verdict {
    Ok,       // linearizable
    Illegal,  // not linearizable; `window` is the evidence
    Unknown,  // ran out of time before deciding
};

const char* to_string(Verdict verdict);

struct CheckOptions {
    // Wall-clock budget for the whole check, shrinking the window included.
    std::chrono::nanoseconds budget = std::chrono::seconds(10);
    bool minimize_window = true;
    // Of that, at most this long for shrinking the window of an illegal key;
    // past it the window is reported as found so far (window_minimal false).
    std::chrono::nanoseconds minimize_budget = std::chrono::seconds(3);
    // Memory the search may use for one key before it gives up (Unknown).
    std::size_t max_memo_bytes = std::size_t{1} << 30;
};

struct CheckResult {
    Verdict verdict = Verdict::Ok;
    // Illegal: the key whose operations cannot be linearized. Unknown: the key
    // the search was on when time ran out.
    std::string key;
    // Unknown: what ran out ("time" or "memory").
    std::string gave_up_on;
    // Illegal: operations on `key`, in invocation order, that by themselves
    // already cannot be linearized (see minimize.h for why that is evidence).
    std::vector<Operation> window;
    bool window_minimal = false;  // no single operation can be taken out or weakened
    std::size_t keys_checked = 0;
    std::size_t operations_checked = 0;  // after dropping failed ops and unanswered reads
    std::chrono::nanoseconds elapsed{0};
};

// Throws std::invalid_argument (naming the op id) for malformed operations.
CheckResult check(const History& history, const CheckOptions& options = {});

// A report for a person: the verdict, and for Illegal the window as a table
// with times relative to its first invocation.
std::string format(const CheckResult& result);

}  // namespace raftlab::lincheck
