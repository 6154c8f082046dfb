// Log compaction and InstallSnapshot (§7, thesis chapter 5).
#include <algorithm>

#include "engine/core/state.h"

namespace raftlab::core {

void Raft::State::compact(Index index, std::string data) {
    // Only what the state machine already holds may leave the log.
    index = std::min(index, applied);
    if (index <= log.snapshot_index()) return;
    Term t = *log.term(index);
    Membership at = membership_at(index);
    log.compact(index, t);
    base = std::move(at);
    configs.erase(std::remove_if(configs.begin(), configs.end(),
                                 [&](const auto& c) { return c.first <= index; }),
                  configs.end());
    snapshot_data = std::move(data);
}

void Raft::State::send_snapshot(NodeId to, Peer& p) {
    Message m = make_msg(MessageType::Snapshot, to);
    Snapshot snap;
    snap.meta.index = log.snapshot_index();
    snap.meta.term = log.snapshot_term();
    snap.meta.membership = base;  // the configuration as of the snapshot point
    snap.data = snapshot_data;
    m.index = snap.meta.index;
    m.log_term = snap.meta.term;
    m.commit = commit;
    m.snapshot = std::move(snap);
    p.become_snapshot(log.snapshot_index(), ticks);
    note(NoteKind::SnapshotSent, to,
         "sending snapshot at index " + std::to_string(log.snapshot_index()) + " to node " +
             std::to_string(to) + ": it needs entries from " + std::to_string(p.pr.next_index) +
             " but the log starts at " + std::to_string(log.first_index()),
         log.snapshot_index());
    send(std::move(m));
}

void Raft::State::handle_snapshot(const Message& m) {
    if (!m.snapshot) return;
    const SnapshotMeta& meta = m.snapshot->meta;
    Message resp = make_msg(MessageType::AppendResp, m.from);
    if (meta.index <= commit) {
        // Nothing new in it: we already have (and committed) all of it.
        resp.index = commit;
        send(std::move(resp));
        return;
    }
    if (log.match_term(meta.index, meta.term)) {
        // Thesis §5.1: if we hold the snapshot's last entry, keep the entries
        // after it and just learn that everything up to it is committed.
        commit_to(meta.index);
        resp.index = commit;
        send(std::move(resp));
        return;
    }
    // Discard the whole log and install the snapshot (§7).
    bool had_configs = !configs.empty();
    Membership before = membership();
    log.reset_to_snapshot(meta.index, meta.term);
    configs.clear();
    base = meta.membership;
    committed_membership = meta.membership;
    commit = meta.index;
    applied = meta.index;  // the driver installs it into the state machine
    pending_snapshot = *m.snapshot;
    snapshot_data = m.snapshot->data;
    if (had_configs || before != base) on_membership_changed();
    note(NoteKind::SnapshotInstalled, m.from,
         "installing snapshot at index " + std::to_string(meta.index) + " (term " +
             std::to_string(meta.term) + ") from node " + std::to_string(m.from),
         meta.index);
    resp.index = meta.index;
    send(std::move(resp));  // after persist: the ack promises it is durable
}

}  // namespace raftlab::core
