#include "scenarios/lincheck/key_history.h"

#include <algorithm>
#include <limits>
#include <map>
#include <unordered_map>

namespace raftlab::lincheck::detail {

namespace {

class Interner {
  public:
    std::int32_t id(const std::optional<std::string>& v) {
        if (!v) return kMissing;
        auto [it, fresh] = ids_.try_emplace(*v, static_cast<std::int32_t>(ids_.size()));
        return it->second;
    }

  private:
    std::unordered_map<std::string, std::int32_t> ids_;
};

}  // namespace

std::vector<KeyHistory> partition_by_key(const History& history) {
    std::map<std::string, std::vector<std::size_t>> by_key;
    for (std::size_t i = 0; i < history.size(); ++i)
        by_key[history[i].key].push_back(i);

    std::vector<KeyHistory> out;
    out.reserve(by_key.size());
    for (auto& [key, indexes] : by_key) {
        KeyHistory kh{key, {}};
        Interner values;
        for (std::size_t i : indexes) {
            const Operation& op = history[i];
            if (op.outcome == Outcome::Failed) continue;
            if (op.outcome == Outcome::Unknown && op.kind == OpKind::Get) continue;
            KeyOp k;
            k.kind = op.kind;
            k.outcome = op.outcome;
            k.swapped = op.swapped;
            k.value = op.kind == OpKind::Delete ? kMissing : values.id(op.value);
            k.expected = op.kind == OpKind::Cas ? values.id(op.expected) : kMissing;
            k.invoke = op.invoke_ns;
            k.complete = op.outcome == Outcome::Unknown ? kNever : op.complete_ns;
            k.source = i;
            kh.ops.push_back(k);
        }
        if (!kh.ops.empty()) out.push_back(std::move(kh));
    }
    return out;
}

bool step(const KeyOp& op, std::int32_t& state) {
    switch (op.kind) {
        case OpKind::Put:
            state = op.value;
            return true;
        case OpKind::Delete:
            state = kMissing;
            return true;
        case OpKind::Get:
            return state == op.value;
        case OpKind::Cas:
            if (op.outcome == Outcome::Unknown) {
                // If it happened, it swapped exactly when the state matched.
                if (state == op.expected) state = op.value;
                return true;
            }
            if (op.swapped) {
                if (state != op.expected) return false;
                state = op.value;
                return true;
            }
            return state != op.expected;
    }
    return false;
}

void prune_unobservable_writes(std::vector<KeyOp>& ops) {
    // For each value, the latest completion of an op that observes it; and the
    // latest completion of a CAS whose behaviour depends on the state other
    // than through its expected value (unknown, or not swapped).
    std::unordered_map<std::int32_t, std::int64_t> last_observer;
    std::int64_t last_state_dependent_cas = std::numeric_limits<std::int64_t>::min();
    for (const KeyOp& op : ops) {
        if (op.kind == OpKind::Get) {
            auto& t = last_observer.try_emplace(op.value, op.complete).first->second;
            t = std::max(t, op.complete);
        } else if (op.kind == OpKind::Cas) {
            auto& t = last_observer.try_emplace(op.expected, op.complete).first->second;
            t = std::max(t, op.complete);
            if (op.outcome == Outcome::Unknown || !op.swapped) {
                last_state_dependent_cas = std::max(last_state_dependent_cas, op.complete);
            }
        }
    }
    std::erase_if(ops, [&](const KeyOp& w) {
        if (w.outcome != Outcome::Unknown) return false;
        if (w.kind != OpKind::Put && w.kind != OpKind::Delete) return false;
        if (last_state_dependent_cas >= w.invoke) return false;
        auto it = last_observer.find(w.value);
        return it == last_observer.end() || it->second < w.invoke;
    });
}

void settle_observed_unknown_writes(std::vector<KeyOp>& ops) {
    auto writes_value = [](const KeyOp& op) {
        return op.kind == OpKind::Put ||
               (op.kind == OpKind::Cas && (op.swapped || op.outcome == Outcome::Unknown));
    };
    std::unordered_map<std::int32_t, int> writers;
    std::unordered_map<std::int32_t, std::int64_t> first_observer_return;
    for (const KeyOp& op : ops) {
        if (writes_value(op)) writers[op.value]++;
        std::int32_t seen = kMissing;
        if (op.outcome != Outcome::Ok) continue;
        if (op.kind == OpKind::Get) {
            seen = op.value;
        } else if (op.kind == OpKind::Cas && op.swapped) {
            seen = op.expected;
        } else {
            continue;
        }
        if (seen == kMissing) continue;
        auto [it, fresh] = first_observer_return.try_emplace(seen, op.complete);
        if (!fresh) it->second = std::min(it->second, op.complete);
    }
    for (KeyOp& op : ops) {
        if (op.outcome != Outcome::Unknown || !writes_value(op) || writers[op.value] != 1) continue;
        const auto it = first_observer_return.find(op.value);
        if (it == first_observer_return.end()) continue;
        // Read before it was invoked: no linearization exists either way; leave
        // the op alone so the search reports it.
        if (it->second < op.invoke) continue;
        op.outcome = Outcome::Ok;
        op.complete = it->second;
        if (op.kind == OpKind::Cas) op.swapped = true;
    }
}

}  // namespace raftlab::lincheck::detail
