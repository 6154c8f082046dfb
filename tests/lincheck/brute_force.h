// The obviously-correct checker the real one is compared against: try every
// subset of the unknown writes and every order of the operations. Only for a
// handful of operations (n! orders).
#pragma once

#include <algorithm>
#include <map>
#include <numeric>

#include "scenarios/lincheck/history.h"

namespace raftlab::lincheck::test {

inline bool brute_force_linearizable(const History& history) {
    std::vector<Operation> must, maybe;
    for (const Operation& op : history) {
        if (op.outcome == Outcome::Failed) continue;
        if (op.outcome == Outcome::Unknown) {
            if (op.kind != OpKind::Get) maybe.push_back(op);
            continue;
        }
        must.push_back(op);
    }
    for (std::uint32_t subset = 0; subset < (1u << maybe.size()); ++subset) {
        std::vector<Operation> ops = must;
        for (std::size_t i = 0; i < maybe.size(); ++i) {
            if (subset & (1u << i)) ops.push_back(maybe[i]);
        }
        std::vector<int> order(ops.size());
        std::iota(order.begin(), order.end(), 0);
        do {
            bool ok = true;
            // Real time: if a completed before b was invoked, a comes first.
            for (std::size_t i = 0; ok && i < order.size(); ++i) {
                for (std::size_t j = i + 1; ok && j < order.size(); ++j) {
                    const Operation& later = ops[order[i]];  // placed first
                    const Operation& earlier = ops[order[j]];
                    if (earlier.outcome != Outcome::Unknown &&
                        earlier.complete_ns < later.invoke_ns) {
                        ok = false;
                    }
                }
            }
            std::map<std::string, std::optional<std::string>> state;
            for (std::size_t i = 0; ok && i < order.size(); ++i) {
                const Operation& op = ops[order[i]];
                auto& s = state[op.key];
                switch (op.kind) {
                    case OpKind::Put:
                        s = op.value;
                        break;
                    case OpKind::Delete:
                        s.reset();
                        break;
                    case OpKind::Get:
                        ok = s == op.value;
                        break;
                    case OpKind::Cas:
                        if (op.outcome == Outcome::Unknown) {
                            if (s == op.expected) s = op.value;
                        } else if (op.swapped) {
                            ok = s == op.expected;
                            s = op.value;
                        } else {
                            ok = s != op.expected;
                        }
                        break;
                }
            }
            if (ok) return true;
        } while (std::next_permutation(order.begin(), order.end()));
    }
    return false;
}

}  // namespace raftlab::lincheck::test
