// Histories produced by a simulated linearizable store: every operation takes
// effect at one instant inside its interval (or, for timed-out writes, maybe
// later, maybe never), and answers are computed from the true register state.
// Anything a correct checker must accept.
#pragma once

#include <algorithm>
#include <map>
#include <random>

#include "scenarios/lincheck/history.h"

namespace raftlab::lincheck::test {

struct GenOptions {
    std::uint64_t seed = 1;
    int operations = 10000;
    int keys = 100;
    int clients = 20;
    int unknown_percent = 3;
    int failed_percent = 2;
    int value_pool = 0;  // 0: every written value unique; else values drawn from a small pool
};

inline History simulated_register_history(const GenOptions& o) {
    std::mt19937_64 rng(o.seed);
    auto uniform = [&](std::int64_t lo, std::int64_t hi) {
        return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
    };
    struct Planned {
        Operation op;
        std::int64_t effect_at;  // when it takes effect; -1 = never
    };
    std::vector<Planned> plan;
    std::vector<std::int64_t> client_free(o.clients, 0);
    int next_value = 0;
    auto new_value = [&] {
        if (o.value_pool > 0) return "v" + std::to_string(uniform(0, o.value_pool - 1));
        return "v" + std::to_string(next_value++);
    };
    for (int i = 0; i < o.operations; ++i) {
        const int c = static_cast<int>(uniform(0, o.clients - 1));
        Operation op;
        op.id = static_cast<std::uint64_t>(i + 1);
        op.client = static_cast<std::uint64_t>(c + 1);
        op.key = "k" + std::to_string(uniform(0, o.keys - 1));
        const auto roll = uniform(0, 99);
        op.kind = roll < 40   ? OpKind::Put
                  : roll < 80 ? OpKind::Get
                  : roll < 95 ? OpKind::Cas
                              : OpKind::Delete;
        if (op.kind == OpKind::Put || op.kind == OpKind::Cas) op.value = new_value();
        // Times in microseconds-ish units (ns here): short gaps, overlapping ops.
        op.invoke_ns = client_free[c] + uniform(0, 50'000);
        const std::int64_t duration = uniform(10'000, 2'000'000);
        op.complete_ns = op.invoke_ns + duration;
        client_free[c] = op.complete_ns;
        std::int64_t effect = op.invoke_ns + uniform(0, duration);
        const auto fate = uniform(0, 99);
        if (fate < o.unknown_percent) {
            op.outcome = Outcome::Unknown;
            // A timed-out op may never happen, or happen after the client gave up.
            effect = uniform(0, 1) ? -1 : op.invoke_ns + uniform(0, 5 * duration);
        } else if (fate < o.unknown_percent + o.failed_percent) {
            op.outcome = Outcome::Failed;
            effect = -1;
        }
        plan.push_back({std::move(op), effect});
    }

    std::vector<std::size_t> by_effect;
    for (std::size_t i = 0; i < plan.size(); ++i) {
        if (plan[i].effect_at >= 0) by_effect.push_back(i);
    }
    std::sort(by_effect.begin(), by_effect.end(),
              [&](std::size_t a, std::size_t b) { return plan[a].effect_at < plan[b].effect_at; });
    std::map<std::string, std::optional<std::string>> state;
    std::map<std::string, std::vector<std::string>> written;
    for (std::size_t i : by_effect) {
        Operation& op = plan[i].op;
        auto& s = state[op.key];
        switch (op.kind) {
            case OpKind::Put:
                s = op.value;
                written[op.key].push_back(*op.value);
                break;
            case OpKind::Delete:
                s.reset();
                break;
            case OpKind::Get:
                op.value = s;
                break;
            case OpKind::Cas: {
                // The client usually expects what is there (a real read-modify-write).
                const auto& w = written[op.key];
                if (uniform(0, 99) < 60 || w.empty()) {
                    op.expected = s;
                } else {
                    op.expected = w[static_cast<std::size_t>(uniform(0, w.size() - 1))];
                }
                op.swapped = s == op.expected;
                if (op.swapped) {
                    s = op.value;
                    written[op.key].push_back(*op.value);
                }
                break;
            }
        }
    }
    History h;
    h.reserve(plan.size());
    for (Planned& p : plan)
        h.push_back(std::move(p.op));
    return h;
}

// Small arbitrary histories, linearizable or not, for the brute-force cross-check.
// With unique_values every write writes its own value and reads return one of
// them (or missing), which is the shape real workloads have and the one the
// checker's exact shortcuts (settling observed unknown writes, pruning
// unobserved ones) apply to.
inline History random_small_history(std::mt19937_64& rng, int max_ops, bool unique_values = false) {
    auto uniform = [&](std::int64_t lo, std::int64_t hi) {
        return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
    };
    auto value = [&]() -> std::optional<std::string> {
        const auto v = uniform(0, 3);
        if (v == 3) return std::nullopt;
        return std::string(1, static_cast<char>('a' + v));
    };
    History h;
    const int n = static_cast<int>(uniform(1, max_ops));
    for (int i = 0; i < n; ++i) {
        Operation op;
        op.id = static_cast<std::uint64_t>(i + 1);
        op.client = op.id;
        op.key = uniform(0, 3) == 0 ? "y" : "x";
        const auto kind = uniform(0, 9);
        op.kind = kind < 4   ? OpKind::Put
                  : kind < 7 ? OpKind::Get
                  : kind < 9 ? OpKind::Cas
                             : OpKind::Delete;
        op.invoke_ns = uniform(0, 8);
        op.complete_ns = op.invoke_ns + uniform(0, 4);
        switch (op.kind) {
            case OpKind::Put:
                op.value = std::string(1, static_cast<char>('a' + uniform(0, 2)));
                break;
            case OpKind::Get:
                op.value = value();
                break;
            case OpKind::Cas:
                op.expected = value();
                op.value = std::string(1, static_cast<char>('a' + uniform(0, 2)));
                op.swapped = uniform(0, 1);
                break;
            case OpKind::Delete:
                break;
        }
        const auto fate = uniform(0, 9);
        if (unique_values) {
            op.outcome = fate < 3 ? Outcome::Unknown : fate == 3 ? Outcome::Failed : Outcome::Ok;
        } else {
            op.outcome = fate == 0 ? Outcome::Unknown : fate == 1 ? Outcome::Failed : Outcome::Ok;
        }
        if (unique_values && (op.kind == OpKind::Put || op.kind == OpKind::Cas)) {
            op.value = "u" + std::to_string(i);
        }
        h.push_back(std::move(op));
    }
    if (unique_values) {
        // Reads and expectations name a value some op in this history writes.
        auto written = [&]() -> std::optional<std::string> {
            const auto j = uniform(0, n);
            if (j == n || (h[j].kind != OpKind::Put && h[j].kind != OpKind::Cas))
                return std::nullopt;
            return h[j].value;
        };
        for (auto& op : h) {
            if (op.kind == OpKind::Get) op.value = written();
            if (op.kind == OpKind::Cas) op.expected = written();
        }
    }
    return h;
}

}  // namespace raftlab::lincheck::test
