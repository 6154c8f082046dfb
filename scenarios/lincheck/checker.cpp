#include "scenarios/lincheck/checker.h"

#include <algorithm>
#include <stdexcept>

#include "scenarios/lincheck/key_history.h"
#include "scenarios/lincheck/minimize.h"
#include "scenarios/lincheck/search.h"

namespace raftlab::lincheck {

const char* to_string(Verdict verdict) {
    switch (verdict) {
        case Verdict::Ok:
            return "ok";
        case Verdict::Illegal:
            return "illegal";
        case Verdict::Unknown:
            return "unknown";
    }
    return "?";
}

CheckResult check(const History& history, const CheckOptions& options) {
    const auto start = std::chrono::steady_clock::now();
    const detail::Budget budget{start + options.budget, options.max_memo_bytes};
    for (const Operation& op : history) {
        if (auto error = validate(op); !error.empty()) throw std::invalid_argument(error);
    }

    CheckResult result;
    auto finish = [&]() -> CheckResult {
        result.elapsed = std::chrono::steady_clock::now() - start;
        return std::move(result);
    };

    for (detail::KeyHistory& kh : detail::partition_by_key(history)) {
        const std::vector<detail::KeyOp> recorded = kh.ops;
        detail::settle_observed_unknown_writes(kh.ops);
        detail::prune_unobservable_writes(kh.ops);
        result.keys_checked++;
        result.operations_checked += kh.ops.size();
        const auto verdict = detail::search(kh.ops, budget);
        if (verdict == detail::SearchVerdict::Linearizable) continue;

        result.key = kh.key;
        if (verdict == detail::SearchVerdict::Timeout ||
            verdict == detail::SearchVerdict::OutOfMemory) {
            result.verdict = Verdict::Unknown;
            result.gave_up_on = verdict == detail::SearchVerdict::Timeout ? "time" : "memory";
            return finish();
        }
        result.verdict = Verdict::Illegal;
        // The window is shrunk from the operations as recorded (not settled), so
        // that what is shown is exactly what was verified.
        detail::Window window{recorded, false};
        if (options.minimize_window) {
            detail::Budget shrinking = budget;
            shrinking.deadline = std::min(
                budget.deadline, std::chrono::steady_clock::now() + options.minimize_budget);
            window = detail::minimize(recorded, shrinking);
        }
        for (const detail::KeyOp& op : window.ops)
            result.window.push_back(history[op.source]);
        std::sort(result.window.begin(), result.window.end(),
                  [](const Operation& a, const Operation& b) {
                      return a.invoke_ns != b.invoke_ns ? a.invoke_ns < b.invoke_ns : a.id < b.id;
                  });
        result.window_minimal = window.minimal;
        return finish();
    }
    return finish();
}

}  // namespace raftlab::lincheck
