#include "scenarios/runner/checkers.h"

#include <set>

namespace raftlab::scenario {

std::optional<Violation> ElectionSafety::observe_leader(std::uint64_t node, std::uint64_t term,
                                                        std::int64_t t_ns) {
    auto [it, inserted] = leader_of_term_.emplace(term, node);
    if (inserted) {
        first_seen_[term] = t_ns;
        return std::nullopt;
    }
    if (it->second == node) return std::nullopt;
    Violation v;
    v.checker = "election-safety";
    v.t_ns = t_ns;
    v.text = "two leaders in term " + std::to_string(term) + ": node " +
             std::to_string(it->second) + " (seen at t_ns " + std::to_string(first_seen_[term]) +
             ") and node " + std::to_string(node) + " (seen at t_ns " + std::to_string(t_ns) +
             ") (Raft §5.2: at most one leader per term)";
    return v;
}

std::optional<Violation> LivenessWatchdog::update(std::int64_t now_ns, bool leader_exists,
                                                  bool quorum_ok) {
    if (!enabled_ || leader_exists || !quorum_ok) {
        leaderless_since_ = 0;
        if (leader_exists) fired_ = false;
        return std::nullopt;
    }
    if (leaderless_since_ == 0) leaderless_since_ = now_ns;
    if (fired_ || now_ns - leaderless_since_ < limit_ns_) return std::nullopt;
    fired_ = true;
    Violation v;
    v.checker = "liveness";
    v.t_ns = now_ns;
    v.text = "no leader for " + std::to_string((now_ns - leaderless_since_) / 1000000) +
             " ms while a quorum of voters was running and connected (limit " +
             std::to_string(limit_ns_ / 1000000) +
             " ms; raise [checks] liveness_ms if the scenario's timeouts are long)";
    return v;
}

std::vector<Violation> check_no_lost_writes(
    const lincheck::History& history,
    const std::map<std::string, std::optional<std::string>>& final_values) {
    using lincheck::OpKind;
    using lincheck::Outcome;
    std::vector<Violation> out;
    // What a write leaves in the key: a delete leaves it missing (nullopt).
    auto written = [](const lincheck::Operation& op) -> std::optional<std::string> {
        return op.kind == OpKind::Delete ? std::nullopt : op.value;
    };
    auto shown = [](const std::optional<std::string>& v) {
        return v ? "\"" + *v + "\"" : std::string("missing");
    };
    for (const auto& [key, final_value] : final_values) {
        // Writes on this key that took effect (ok) or may have (unknown).
        std::vector<const lincheck::Operation*> acked, possible;
        for (const auto& op : history) {
            if (op.key != key) continue;
            const bool writes =
                op.kind == OpKind::Put || op.kind == OpKind::Delete ||
                (op.kind == OpKind::Cas && (op.outcome != Outcome::Ok || op.swapped));
            if (!writes || op.outcome == Outcome::Failed) continue;
            possible.push_back(&op);
            if (op.outcome == Outcome::Ok) acked.push_back(&op);
        }
        if (acked.empty()) continue;
        const lincheck::Operation* source = nullptr;
        for (const auto* op : possible) {
            if (written(*op) == final_value) source = op;
        }
        if (!source && !final_value) {
            Violation v;
            v.checker = "no-lost-writes";
            v.text = "key " + key + " is missing at the end, but " + std::to_string(acked.size()) +
                     " write(s) to it were acknowledged and no delete, e.g. " +
                     lincheck::describe(*acked.back());
            out.push_back(v);
            continue;
        }
        if (!source) {
            Violation v;
            v.checker = "no-lost-writes";
            v.text = "key " + key + " ends as \"" + *final_value +
                     "\", a value no client wrote with an ok or unknown outcome";
            out.push_back(v);
            continue;
        }
        if (source->outcome != Outcome::Ok) continue;  // an unknown write may land any time
        for (const auto* op : acked) {
            if (op != source && op->invoke_ns > source->complete_ns) {
                Violation v;
                v.checker = "no-lost-writes";
                v.text = "key " + key + " ends as " + shown(final_value) + " from " +
                         lincheck::describe(*source) + " (op " + std::to_string(source->id) +
                         "), but the later acknowledged " + lincheck::describe(*op) + " (op " +
                         std::to_string(op->id) + ", invoked after it completed) was lost";
                out.push_back(v);
                break;
            }
        }
    }
    return out;
}

}  // namespace raftlab::scenario
