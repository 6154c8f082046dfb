#include "gui/model/trace_writer.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>

#include "gui/model/history.h"

namespace raftlab::gui {

namespace {

qint64 n(std::uint64_t v) {
    return static_cast<qint64>(v);
}

}  // namespace

QJsonObject event_to_json(const Event& e) {
    QJsonObject o;
    o.insert("t", static_cast<qint64>(e.t_ms));
    if (e.t_ns != 0) o.insert("t_ns", static_cast<qint64>(e.t_ns));
    if (e.node != kNoNode) o.insert("node", n(e.node));
    o.insert("kind", QString::fromStdString(e.kind == EventKind::Unknown ? e.kind_name
                                                                         : to_string(e.kind)));
    const std::pair<Field, std::pair<const char*, std::uint64_t>> fields[] = {
        {kTerm, {"term", e.term}},
        {kVote, {"vote", e.vote}},
        {kLeader, {"leader", e.leader}},
        {kIndex, {"index", e.index}},
        {kCommit, {"commit", e.commit}},
        {kFirst, {"first", e.first}},
        {kLast, {"last", e.last}},
        {kLastIndex, {"last_index", e.last_index}},
        {kApplied, {"applied", e.applied}},
        {kSnapshotIndex, {"snapshot_index", e.snapshot_index}},
        {kSnapshotTerm, {"snapshot_term", e.snapshot_term}},
        {kLogTerm, {"log_term", e.log_term}},
        {kEntries, {"entries", e.entries}},
    };
    for (const auto& [f, kv] : fields)
        if (e.has(f)) o.insert(kv.first, n(kv.second));
    if (e.has(kDelay)) o.insert("delay_ms", static_cast<qint64>(e.delay_ms));
    if (e.has(kLoss)) o.insert("loss", e.loss);
    if (e.reject) o.insert("reject", true);
    if (e.latency_us >= 0) o.insert("latency_us", static_cast<qint64>(e.latency_us));
    if (e.note_kind >= 0) o.insert("note", e.note_kind);
    if (!e.what.empty()) o.insert("what", QString::fromStdString(e.what));
    if (!e.key.empty()) o.insert("key", QString::fromStdString(e.key));
    if (!e.value.empty()) o.insert("value", QString::fromStdString(e.value));
    if (!e.text.empty()) o.insert("text", QString::fromStdString(e.text));
    switch (e.kind) {
        case EventKind::Role:
            o.insert("from", to_string(e.from_role));
            o.insert("to", to_string(e.to_role));
            break;
        case EventKind::Send:
            o.insert("type", to_string(e.msg));
            o.insert("to", n(e.peer));
            break;
        case EventKind::Recv:
            o.insert("type", to_string(e.msg));
            o.insert("from", n(e.peer));
            break;
        case EventKind::Drop:
            o.insert("type", to_string(e.msg));
            o.insert("from", n(e.peer));
            o.insert("to", n(e.node));
            break;
        default:
            if (e.has(kPeer)) o.insert("peer", n(e.peer));
            break;
    }
    if (e.kind == EventKind::State && e.live) {
        // The scenario engine's "state" record (scenarios/runner/monitor.cpp),
        // plus what the Watch stream adds (peers, election timer).
        const LiveNodeState& s = *e.live;
        o.insert("role", static_cast<int>(s.role));
        o.insert("term", n(s.term));
        o.insert("vote", n(s.vote));
        o.insert("leader", n(s.leader));
        o.insert("commit", n(s.commit_index));
        o.insert("applied", n(s.applied_index));
        o.insert("last", n(s.last_index));
        o.insert("snapshot_index", n(s.snapshot_index));
        o.insert("snapshot_term", n(s.snapshot_term));
        QJsonArray voters, learners, peers;
        for (NodeId v : s.voters)
            voters.append(n(v));
        for (const auto& [id, promotable] : s.learners)
            learners.append(QJsonObject{{"id", n(id)}, {"promotable", promotable}});
        for (const auto& p : s.peers)
            peers.append(QJsonObject{
                {"id", n(p.id)}, {"match", n(p.match_index)}, {"next", n(p.next_index)}});
        o.insert("voters", voters);
        o.insert("learners", learners);
        if (!peers.isEmpty()) o.insert("peers", peers);
        if (s.election_in_ms >= 0)
            o.insert("election_in_ms", static_cast<qint64>(s.election_in_ms));
    }
    return o;
}

std::string write_trace(const History& history, const std::string& path) {
    QFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        return "cannot write " + path + " (" + f.errorString().toStdString() +
               "); choose a writable directory";
    }
    for (std::size_t i = 0; i < history.size(); ++i) {
        QByteArray line =
            QJsonDocument(event_to_json(history.event(i))).toJson(QJsonDocument::Compact);
        line.append('\n');
        if (f.write(line) != line.size()) return "writing " + path + " failed: disk full?";
    }
    return {};
}

}  // namespace raftlab::gui
