// Client operations (puts and ReadIndex reads), membership changes and
// leader transfer, as a client or operator would issue them; each is traced
// and recorded for the linearizability checks.
#include <algorithm>

#include "tests/sim/sim_cluster.h"
#include "tests/sim/sim_event.h"

namespace raftlab::sim {

using core::Message;
using core::MessageType;
using core::Ready;
using core::Role;

// ---- client operations -----------------------------------------------------------

void Cluster::record(std::uint64_t op_id, lincheck::Operation op) {
    if (!options_.record_history) return;
    op.id = op_id;
    op.client = op_id;
    op.invoke_ns = now_ * 1000000;
    op.complete_ns = lincheck::kNever;
    op.outcome = lincheck::Outcome::Unknown;
    if (history_.size() < op_id) history_.resize(op_id);
    history_[op_id - 1] = std::move(op);
}

void Cluster::complete(std::uint64_t op_id, lincheck::Outcome outcome,
                       std::optional<std::string> value) {
    if (!options_.record_history || op_id > history_.size()) return;
    lincheck::Operation& op = history_[op_id - 1];
    op.outcome = outcome;
    op.complete_ns = now_ * 1000000;
    if (op.kind == lincheck::OpKind::Get) op.value = std::move(value);
}

std::string Cluster::put_value(NodeId at, const std::string& key, bool* accepted) {
    SimNode& n = node(at);
    const std::string value = "v" + std::to_string(next_value_++);
    *accepted = false;
    if (!n.up) return value;
    ++stats_.writes_proposed;
    const std::uint64_t op_id = next_op_++;
    record(op_id, lincheck::Operation{.kind = lincheck::OpKind::Put, .key = key, .value = value});
    auto r = n.raft->propose(make_set(key, value));
    if (std::holds_alternative<core::Error>(r)) complete(op_id, lincheck::Outcome::Failed);
    if (auto* p = std::get_if<core::Proposed>(&r)) {
        n.writes.push_back(PendingWrite{op_id, key, value, p->index, p->term});
        *accepted = true;
    }
    if (trace_.enabled()) {
        // Every client operation is its own client in the trace's terms.
        TraceLine line(now_, at, "op_invoke");
        line.unum("client", op_id)
            .unum("op_id", op_id)
            .str("op", "put")
            .str("key", key)
            .str("value", value);
        if (auto* p = std::get_if<core::Proposed>(&r))
            line.unum("index", p->index).unum("term", p->term);
        trace_.write(line);
        if (auto* e = std::get_if<core::Error>(&r)) {
            TraceLine done(now_, at, "op_complete");
            done.unum("op_id", op_id)
                .str("outcome", "failed")
                .str("error", core::to_string(e->code));
            trace_.write(done);
        }
    }
    after_input(n);
    return value;
}

bool Cluster::put(NodeId at, const std::string& key) {
    bool ok = false;
    put_value(at, key, &ok);
    return ok;
}

void Cluster::read(NodeId at, const std::string& key) {
    SimNode& n = node(at);
    if (!n.up) return;
    ++stats_.reads_invoked;
    PendingRead r;
    r.context = next_op_++;
    record(r.context, lincheck::Operation{.kind = lincheck::OpKind::Get, .key = key});
    r.key = key;
    r.base = checker_.read_baseline(key);
    n.reads.push_back(r);
    if (trace_.enabled()) {
        TraceLine line(now_, at, "op_invoke");
        line.unum("client", r.context).unum("op_id", r.context).str("op", "get").str("key", key);
        trace_.write(line);
    }
    n.raft->read_index(r.context);
    after_input(n);
}

namespace {
template <typename R>
std::string outcome(const R& r) {
    if (const auto* e = std::get_if<core::Error>(&r)) {
        return std::string(core::to_string(e->code)) + ": " + e->message;
    }
    return "ok";
}
}  // namespace

bool Cluster::add_learner(NodeId at, NodeId id, core::NodeStatus status) {
    SimNode& n = node(at);
    if (!n.up) return false;
    auto r = n.raft->add_learner(id, "sim://" + std::to_string(id), status);
    const bool ok = std::holds_alternative<core::Proposed>(r);
    note(at, "config", "add_learner " + std::to_string(id), outcome(r));
    if (ok) {
        ++stats_.config_changes;
        start(id);
    }
    after_input(n);
    return ok;
}

bool Cluster::promote(NodeId at, NodeId id) {
    SimNode& n = node(at);
    if (!n.up) return false;
    auto r = n.raft->promote_learner(id);
    note(at, "config", "promote " + std::to_string(id), outcome(r));
    const bool ok = std::holds_alternative<core::Proposed>(r);
    if (ok) ++stats_.config_changes;
    after_input(n);
    return ok;
}

bool Cluster::remove(NodeId at, NodeId id) {
    SimNode& n = node(at);
    if (!n.up) return false;
    auto r = n.raft->remove_node(id);
    note(at, "config", "remove " + std::to_string(id), outcome(r));
    const bool ok = std::holds_alternative<core::Proposed>(r);
    if (ok) ++stats_.config_changes;
    after_input(n);
    return ok;
}

bool Cluster::transfer(NodeId at, NodeId target) {
    SimNode& n = node(at);
    if (!n.up) return false;
    auto err = n.raft->transfer_leader(target);
    note(at, "transfer", "to " + std::to_string(target),
         err ? std::string(core::to_string(err->code)) + ": " + err->message : "started");
    if (!err) ++stats_.transfers;
    after_input(n);
    return !err;
}

}  // namespace raftlab::sim
