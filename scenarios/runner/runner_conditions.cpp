// Conditions for wait-for and expect: each says whether it held and what was
// actually seen, so a failed expectation explains itself.
#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "scenarios/lincheck/checker.h"
#include "scenarios/runner/kv_call.h"
#include "scenarios/runner/lab_client.h"
#include "scenarios/runner/runner.h"

namespace raftlab::scenario {

namespace {

std::string ids(const std::vector<NodeId>& v) {
    std::string out = "[";
    for (auto id : v)
        out += (out.size() > 1 ? ", " : "") + std::to_string(id);
    return out + "]";
}

std::uint32_t role_number(const std::string& role) {
    if (role == "candidate") return kCandidate;
    if (role == "leader") return kLeader;
    if (role == "learner") return kLearner;
    return kFollower;
}

}  // namespace

Runner::Check Runner::evaluate(const Condition& c, const Step& step) {
    Check out;
    std::string error;
    std::optional<NodeId> node;
    if (c.node) {
        node = resolve(*c.node, error);
        if (!node) return {false, error};
    }
    const auto views = observer_->views();
    auto view_of = [&](NodeId id) -> const NodeView* {
        auto it = views.find(id);
        return it == views.end() ? nullptr : &it->second;
    };
    // The nodes a per-node condition looks at: the one named, or every node
    // that answers.
    std::vector<const NodeView*> targets;
    if (node && c.what == "node-state") {
        // The supervisor's view of the process: an exited or paused node
        // answers nothing, and that is what this condition asks about.
    } else if (node) {
        const NodeView* v = view_of(*node);
        if (!v || !v->reachable) {
            return {false, "node " + std::to_string(*node) + " does not answer" +
                               (v && !v->error.empty() ? " (" + v->error + ")" : "")};
        }
        targets.push_back(v);
    } else {
        for (const auto& [id, v] : views) {
            if (v.reachable) targets.push_back(&v);
        }
        if (targets.empty() && c.what != "linearizable" && c.what != "no-violation" &&
            c.what != "no-lost-writes" && c.what != "unavailability" && c.what != "workload-done") {
            return {false, "no node answers"};
        }
    }

    if (c.what == "leader") {
        auto leader = current_leader();
        if (!leader) return {false, "no leader"};
        const NodeView* lv = view_of(*leader);
        out.seen = "node " + std::to_string(*leader) + " is leader in term " +
                   std::to_string(lv ? lv->term : 0);
        if (node)
            out.held = *leader == *node;
        else if (c.other_than) {
            auto other = resolve(*c.other_than, error);
            if (!other) return {false, error};
            out.held = *leader != *other;
        } else {
            out.held = true;
        }
        if (out.held && !c.node && !c.other_than && !step.as.empty()) names_[step.as] = *leader;
        if (out.held && c.other_than && !step.as.empty()) names_[step.as] = *leader;
        return out;
    }
    if (c.what == "role") {
        const NodeView* v = targets.front();
        out.held = v->role == role_number(c.role);
        out.seen = "node " + std::to_string(v->id) + " is " + role_name(v->role) + " in term " +
                   std::to_string(v->term);
        return out;
    }
    if (c.what == "term" || c.what == "commit-index") {
        out.held = true;
        for (const NodeView* v : targets) {
            const std::uint64_t x = c.what == "term" ? v->term : v->commit_index;
            const bool ok = c.equals ? x == *c.equals : x >= *c.at_least;
            out.held &= ok;
            out.seen += (out.seen.empty() ? "" : ", ") + std::string("node ") +
                        std::to_string(v->id) + ": " + std::to_string(x);
        }
        return out;
    }
    if (c.what == "members") {
        // The leader's view is the committed truth; without one, the named node's.
        const NodeView* v = node ? targets.front() : nullptr;
        if (!v) {
            auto leader = current_leader();
            if (!leader) return {false, "no leader to ask for the membership"};
            v = view_of(*leader);
        }
        out.held =
            (!c.voters || v->voters == *c.voters) && (!c.learners || v->learners == *c.learners);
        out.seen = "node " + std::to_string(v->id) + " sees voters " + ids(v->voters) +
                   ", learners " + ids(v->learners);
        return out;
    }
    if (c.what == "key") {
        lincheck::Operation op;
        op.kind = lincheck::OpKind::Get;
        op.key = c.key;
        ClientAnswer a = client_op(op, node, consistency_number(c.consistency), 2000);
        if (!a.ok) return {false, "the read failed: " + a.error};
        out.seen = "node " + std::to_string(a.node) + " returned " +
                   (a.value ? "\"" + *a.value + "\"" : std::string("missing"));
        out.held = c.missing ? !a.value.has_value() : a.value == c.value;
        return out;
    }
    if (c.what == "no-violation") {
        auto v = monitor_->violations();
        out.held = v.empty();
        out.seen = v.empty() ? "no checker fired" : v.front().checker + ": " + v.front().text;
        return out;
    }
    if (c.what == "linearizable") return check_linearizable();
    if (c.what == "no-lost-writes") return check_lost_writes(step.timeout_ms);
    if (c.what == "logs-converged") return check_logs_converged();
    if (c.what == "unavailability") {
        if (!last_fault_ns_) return {false, "no fault happened yet to measure around"};
        const std::int64_t gap = recorder_->longest_write_gap_ns(last_fault_ns_, mono_ns());
        const auto ms = static_cast<std::uint64_t>(gap / 1000000);
        out.seen = "measured " + std::to_string(ms) +
                   " ms: the longest stretch without an acknowledged write around the last "
                   "fault (last ack before it to first ack after it)";
        out.held = !c.at_most_ms || ms <= *c.at_most_ms;
        QJsonObject o;
        o.insert("kind", "measure");
        o.insert("what", "write-unavailability");
        o.insert("ms", static_cast<qint64>(ms));
        trace_->record(o);
        return out;
    }
    if (c.what == "node-state") {
        if (!node) return {false, "node-state needs node = N"};
        auto st = supervisor_->state(*node);
        out.seen = std::string("node ") + std::to_string(*node) + " is " + to_string(st);
        out.held = c.process == to_string(st);
        return out;
    }
    if (c.what == "workload-done") {
        out.held = !workload_ || workload_->done();
        out.seen =
            workload_ ? std::to_string(workload_->issued()) + " operations issued" : "no workload";
        return out;
    }
    return {false, "the runner does not know condition \"" + c.what + "\""};
}

Runner::Check Runner::check_linearizable() {
    auto history = recorder_->history();
    lincheck::CheckOptions options;
    options.budget = std::chrono::seconds(30);
    auto result = lincheck::check(history, options);
    QJsonObject o;
    o.insert("kind", "verdict");
    o.insert("check", "linearizability");
    o.insert("verdict", lincheck::to_string(result.verdict));
    o.insert("operations", static_cast<qint64>(history.size()));
    if (result.verdict != lincheck::Verdict::Ok) {
        o.insert("detail", QString::fromStdString(lincheck::format(result)));
    }
    trace_->record(o);
    Check c;
    c.held = result.verdict == lincheck::Verdict::Ok;
    c.seen = std::to_string(result.operations_checked) + " operations on " +
             std::to_string(result.keys_checked) + " keys: " + lincheck::to_string(result.verdict) +
             " in " +
             std::to_string(
                 std::chrono::duration_cast<std::chrono::milliseconds>(result.elapsed).count()) +
             " ms";
    if (!c.held) c.seen += "\n" + lincheck::format(result);
    return c;
}

Runner::Check Runner::check_lost_writes(std::uint64_t timeout_ms) {
    if (workload_) workload_->stop();
    std::set<std::string> keys;
    for (const auto& op : recorder_->history())
        keys.insert(op.key);
    std::map<std::string, std::optional<std::string>> finals;
    for (const auto& key : keys) {
        lincheck::Operation op;
        op.kind = lincheck::OpKind::Get;
        op.key = key;
        ClientAnswer a = client_op(op, std::nullopt, 0, timeout_ms);
        if (!a.ok) return {false, "could not read " + key + " at the end: " + a.error};
        finals[key] = a.value;
    }
    auto violations = check_no_lost_writes(recorder_->history(), finals);
    QJsonObject o;
    o.insert("kind", "verdict");
    o.insert("check", "no-lost-writes");
    o.insert("verdict", violations.empty() ? "ok" : "violated");
    o.insert("keys", static_cast<qint64>(finals.size()));
    trace_->record(o);
    if (!violations.empty()) return {false, violations.front().text};
    return {true, std::to_string(finals.size()) +
                      " keys read back; every acknowledged write is "
                      "there or was overwritten by a later one"};
}

Runner::Check Runner::check_logs_converged() {
    // Log Matching and convergence by entry hashes (ReadLog): every running
    // node ends at the same index, and wherever two logs both still hold an
    // index (not compacted into a snapshot) they hold the same entry.
    struct Log {
        std::vector<pb::LogEntryMeta> entries;
        LabClient::LogBounds bounds;
    };
    std::map<NodeId, Log> logs;
    for (auto id : supervisor_->ids()) {
        if (supervisor_->state(id) != ProcessState::Running) continue;
        Log& log = logs[id];
        std::string e =
            lab_call(id, [&](LabClient& l) { return l.read_log(log.entries, log.bounds); });
        if (!e.empty()) return {false, e};
    }
    if (logs.size() < 2) return {true, "fewer than two running nodes"};
    const NodeId first_id = logs.begin()->first;
    const Log& reference = logs.begin()->second;
    std::map<std::uint64_t, std::uint64_t> hashes;  // index -> hash, from the first node
    for (const auto& e : reference.entries)
        hashes[e.index()] = e.hash();
    std::size_t compared = 0;
    for (const auto& [id, log] : logs) {
        if (log.bounds.last_index != reference.bounds.last_index) {
            return {false, "node " + std::to_string(id) + "'s log ends at index " +
                               std::to_string(log.bounds.last_index) + ", node " +
                               std::to_string(first_id) + "'s at " +
                               std::to_string(reference.bounds.last_index)};
        }
        for (const auto& e : log.entries) {
            auto it = hashes.find(e.index());
            if (it == hashes.end()) continue;
            ++compared;
            if (it->second != e.hash()) {
                return {false, "nodes " + std::to_string(first_id) + " and " + std::to_string(id) +
                                   " hold different entries at index " + std::to_string(e.index()) +
                                   " (Log Matching violated, or not converged yet)"};
            }
        }
    }
    std::string snapshots;
    for (const auto& [id, log] : logs) {
        if (log.bounds.snapshot_index) {
            snapshots += (snapshots.empty() ? "; snapshots at " : ", ") + std::string("node ") +
                         std::to_string(id) + ": " + std::to_string(log.bounds.snapshot_index);
        }
    }
    return {true, std::to_string(logs.size()) + " logs end at index " +
                      std::to_string(reference.bounds.last_index) + ", " +
                      std::to_string(compared) + " overlapping entries match by hash" + snapshots};
}

}  // namespace raftlab::scenario
