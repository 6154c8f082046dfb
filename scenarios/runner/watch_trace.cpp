#include "scenarios/runner/watch_trace.h"

#include <QJsonArray>
#include <QJsonObject>

#include "engine/lab/message_group.h"
#include "engine/proto/lab.pb.h"

namespace raftlab::scenario {

namespace {

QJsonObject base(const char* kind, NodeId node, std::int64_t t_ns) {
    QJsonObject o;
    o.insert("t_ns", static_cast<qint64>(t_ns));
    o.insert("kind", kind);
    o.insert("node", static_cast<qint64>(node));
    return o;
}

qint64 n(std::uint64_t x) {
    return static_cast<qint64>(x);
}

// Messages that tell an election or a snapshot transfer: always written.
bool always_written(const std::string& type) {
    return type == "PreVote" || type == "PreVoteResp" || type == "Vote" || type == "VoteResp" ||
           type == "TimeoutNow" || type == "Snapshot" || type == "SnapshotResp";
}

// lab.proto's enum names, in the trace's lower case: "GRANTED" -> "granted".
QString lower(const std::string& name) {
    return QString::fromStdString(name).toLower();
}

}  // namespace

WatchTrace::WatchTrace(TraceWriter& trace, std::uint64_t message_budget_per_node)
    : trace_(trace), budget_(message_budget_per_node) {}

bool WatchTrace::spend(NodeId node, std::int64_t t_ns) {
    bool first_left_out = false;
    {
        std::lock_guard lock(mu_);
        Count& c = counts_[node];
        if (c.written < budget_) {
            ++c.written;
            return true;
        }
        first_left_out = c.left_out++ == 0;
    }
    if (first_left_out) {
        QJsonObject o = base("trace_limit", node, t_ns);
        o.insert("written", n(budget_));
        o.insert("detail", QString::fromStdString(
                               "node " + std::to_string(node) + " reached its budget of " +
                               std::to_string(budget_) +
                               " message records; further AppendEntries, ReadIndex and snapshot "
                               "chunk records of this node are counted, not written (votes, "
                               "snapshots and configuration changes still are)"));
        trace_.record(o);
    }
    return false;
}

void WatchTrace::record_message(NodeId node, std::int64_t t, const pb::MessageEvent& m) {
    if (!always_written(m.type()) && !spend(node, t)) return;
    const bool sent = m.direction() == pb::MessageEvent::SENT;
    QJsonObject o = base(sent ? "send" : "recv", node, t);
    o.insert("type", QString::fromStdString(m.type()));
    o.insert(sent ? "to" : "from", n(m.peer()));
    o.insert("term", n(m.term()));
    o.insert("index", n(m.index()));
    o.insert("log_term", n(m.log_term()));
    o.insert("entries", n(m.entries()));
    o.insert("bytes", n(m.bytes()));
    o.insert("commit", n(m.commit()));
    if (m.reject()) o.insert("reject", true);
    trace_.record(o);
}

void WatchTrace::record(NodeId node, const pb::WatchEvent& ev) {
    const std::int64_t t = ev.mono_ns();
    if (ev.dropped_before() > 0) {
        // The node's queue for this watcher overflowed: the trace has a gap.
        QJsonObject o = base("watch_dropped", node, t);
        o.insert("count", n(ev.dropped_before()));
        trace_.record(o);
    }
    if (ev.has_vote()) {
        const auto& v = ev.vote();
        QJsonObject o = base("vote", node, t);
        o.insert("what", lower(pb::Vote::Kind_Name(v.kind())));
        o.insert("peer", n(v.peer()));
        o.insert("term", n(v.term()));
        o.insert("pre_vote", v.pre_vote());
        if (!v.reason().empty()) o.insert("reason", QString::fromStdString(v.reason()));
        trace_.record(o);
    } else if (ev.has_message() || ev.has_messages()) {
        // One record per message, whether the node sent it alone or in a
        // MessageEvents group (lab.proto).
        lab::for_each_message(ev, [&](const pb::MessageEvent& m) { record_message(node, t, m); });
    } else if (ev.has_snapshot()) {
        const auto& s = ev.snapshot();
        const bool progress =
            s.kind() == pb::SnapshotEvent::SENT || s.kind() == pb::SnapshotEvent::RECEIVED;
        if (progress && !spend(node, t)) return;
        QJsonObject o = base("snapshot", node, t);
        o.insert("what", lower(pb::SnapshotEvent::Kind_Name(s.kind())));
        if (s.peer()) o.insert("peer", n(s.peer()));
        o.insert("index", n(s.index()));
        o.insert("term", n(s.term()));
        o.insert("bytes", n(s.bytes()));
        o.insert("total_bytes", n(s.total_bytes()));
        trace_.record(o);
    } else if (ev.has_config_change()) {
        const auto& c = ev.config_change();
        QJsonObject o = base("config", node, t);
        o.insert("what", QString::fromStdString(c.description()));
        o.insert("detail", lower(pb::ConfigChange::Kind_Name(c.kind())));
        o.insert("index", n(c.index()));
        QJsonArray voters, learners;
        for (const auto& m : c.membership().members())
            (m.voter() ? voters : learners).append(n(m.id()));
        o.insert("voters", voters);
        o.insert("learners", learners);
        trace_.record(o);
    } else if (ev.has_learner_promoted()) {
        QJsonObject o = base("promote", node, t);
        o.insert("peer", n(ev.learner_promoted().id()));
        o.insert("index", n(ev.learner_promoted().index()));
        trace_.record(o);
    }
}

void WatchTrace::finish() {
    std::map<NodeId, Count> counts;
    {
        std::lock_guard lock(mu_);
        counts = counts_;
    }
    for (const auto& [node, c] : counts) {
        if (!c.left_out) continue;
        QJsonObject o = base("trace_limit", node, mono_ns());
        o.insert("written", n(c.written));
        o.insert("left_out", n(c.left_out));
        o.insert("detail", QString::fromStdString("node " + std::to_string(node) + ": " +
                                                  std::to_string(c.left_out) +
                                                  " message records left out past the budget of " +
                                                  std::to_string(budget_)));
        trace_.record(o);
    }
}

}  // namespace raftlab::scenario
