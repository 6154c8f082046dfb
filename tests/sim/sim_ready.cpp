// Driving one core the way raftlab-node does (the loop in engine/core/raft.h):
// send_now, persist after a simulated fsync, send_after_persist, apply, advance,
// compact; and telling the Checker about every change as it happens.
#include <algorithm>

#include "tests/sim/sim_cluster.h"
#include "tests/sim/sim_event.h"

namespace raftlab::sim {

using core::Message;
using core::MessageType;
using core::Ready;
using core::Role;

namespace {

const char* note_name(core::NoteKind k) {
    switch (k) {
        case core::NoteKind::VoteGranted:
            return "VoteGranted";
        case core::NoteKind::VoteDenied:
            return "VoteDenied";
        case core::NoteKind::ConfigAppended:
            return "ConfigAppended";
        case core::NoteKind::ConfigCommitted:
            return "ConfigCommitted";
        case core::NoteKind::LearnerPromoted:
            return "LearnerPromoted";
        case core::NoteKind::EvenVoterCount:
            return "EvenVoterCount";
        case core::NoteKind::SnapshotSent:
            return "SnapshotSent";
        case core::NoteKind::SnapshotInstalled:
            return "SnapshotInstalled";
        case core::NoteKind::TransferStarted:
            return "TransferStarted";
        case core::NoteKind::TransferAborted:
            return "TransferAborted";
        case core::NoteKind::RemovedSelf:
            return "RemovedSelf";
    }
    return "Unknown";
}

const char* entry_type_name(core::EntryType t) {
    switch (t) {
        case core::EntryType::Normal:
            return "Normal";
        case core::EntryType::Noop:
            return "Noop";
        case core::EntryType::Config:
            return "Config";
    }
    return "Unknown";
}

}  // namespace

void Cluster::after_input(SimNode& n) {
    if (!n.up) return;
    observe(n);
    pump(n);
}

// Sees a new leader the moment it exists, not when its Ready is handed out.
void Cluster::observe(SimNode& n) {
    if (n.raft->role() != Role::Leader || n.leader_seen_term == n.raft->term()) return;
    n.leader_seen_term = n.raft->term();
    ++stats_.leaders;
    checker_.on_leader(now_, n.id, n.leader_seen_term, *n.raft);
}

void Cluster::pump(SimNode& n) {
    while (n.up && !n.inflight && n.raft->has_ready()) {
        n.inflight = n.raft->ready();
        begin_ready(n);
        const std::int64_t d = disk_delay();
        if (d > 0) {
            Event ev;
            ev.t = now_ + d;
            ev.kind = Event::Kind::Persisted;
            ev.node = n.id;
            ev.incarnation = n.incarnation;
            schedule(std::move(ev));
            return;
        }
        finish_ready(n);
    }
}

void Cluster::begin_ready(SimNode& n) {
    const Ready& rd = *n.inflight;
    for (const auto& rc : rd.role_changes) {
        if (!trace_.enabled()) break;
        TraceLine line(now_, n.id, "role");
        line.str("from", core::to_string(rc.from))
            .str("to", core::to_string(rc.to))
            .unum("term", rc.term)
            .unum("leader", rc.leader)
            .str("reason", rc.reason);
        trace_.write(line);
    }
    for (const auto& note : rd.notes) {
        if (note.kind == core::NoteKind::SnapshotInstalled) ++stats_.snapshots_installed;
        if (!trace_.enabled()) continue;
        TraceLine line(now_, n.id, "note");
        line.str("note", note_name(note.kind))
            .unum("peer", note.peer)
            .unum("term", note.term)
            .unum("index", note.index)
            .str("text", note.text);
        trace_.write(line);
    }
    // Leader Append-Only (§5.3): a node that has led the same term since its
    // last Ready may only append after what it already wrote.
    const bool leader_now = n.raft->role() == Role::Leader;
    if (leader_now && n.leader_at_last_ready && n.term_at_last_ready == n.raft->term()) {
        if (!rd.entries.empty() && rd.entries.front().index <= n.store.last_index()) {
            checker_.on_leader_overwrite(now_, n.id, n.raft->term(), rd.entries.front().index,
                                         n.store.last_index());
        }
        if (rd.snapshot) {
            checker_.on_leader_overwrite(now_, n.id, n.raft->term(), rd.snapshot->meta.index,
                                         n.store.last_index());
        }
    }
    n.leader_at_last_ready = leader_now;
    n.term_at_last_ready = n.raft->term();
    // Leader replication goes out before the leader's own fsync (§10.2.1).
    for (const auto& m : rd.send_now)
        send(n, m);
}

void Cluster::persist(SimNode& n, const Ready& rd) {
    DurableStore& s = n.store;
    if (rd.snapshot) {
        const core::SnapshotMeta& meta = rd.snapshot->meta;
        // The driver contract (engine/core/README.md): a snapshot replaces the
        // whole stored log.
        s.log.clear();
        s.snapshot = rd.snapshot;
        checker_.on_persist_snapshot(now_, n.id, meta.index, meta.term);
        if (trace_.enabled()) {
            TraceLine line(now_, n.id, "persist");
            line.unum("snapshot_index", meta.index).unum("snapshot_term", meta.term);
            trace_.write(line);
        }
    }
    if (!rd.entries.empty()) {
        const Index first = rd.entries.front().index;
        while (!s.log.empty() && s.log.back().index >= first)
            s.log.pop_back();
        s.log.insert(s.log.end(), rd.entries.begin(), rd.entries.end());
        checker_.on_persist_entries(now_, n.id, rd.entries);
    }
    if (rd.hard_state) {
        if (rd.hard_state->commit > s.hard_state.commit && n.raft->role() == Role::Leader &&
            rd.hard_state->term == n.raft->term()) {
            const auto t = s.term_at(rd.hard_state->commit);
            if (t && *t != rd.hard_state->term) ++stats_.old_term_commits;
        }
        s.hard_state = *rd.hard_state;
    }
    if (trace_.enabled() && (rd.hard_state || !rd.entries.empty())) {
        TraceLine line(now_, n.id, "persist");
        line.unum("term", s.hard_state.term)
            .unum("vote", s.hard_state.vote)
            .unum("commit", s.hard_state.commit);
        if (!rd.entries.empty()) {
            line.unum("first", rd.entries.front().index).unum("last", rd.entries.back().index);
        }
        trace_.write(line);
    }
}

void Cluster::finish_ready(SimNode& n) {
    const Ready rd = std::move(*n.inflight);
    persist(n, rd);
    // Acks and votes are durable promises: only now may they leave.
    for (const auto& m : rd.send_after_persist)
        send(n, m);
    apply(n, rd);
    for (const auto& rs : rd.read_states) {
        for (auto& r : n.reads) {
            if (r.context == rs.context) {
                r.has_index = true;
                r.read_index = rs.index;
            }
        }
    }
    for (const auto& rf : rd.read_failures) {
        auto it = std::find_if(n.reads.begin(), n.reads.end(),
                               [&](const PendingRead& r) { return r.context == rf.context; });
        if (it == n.reads.end()) continue;
        ++stats_.reads_failed;
        complete(it->context, lincheck::Outcome::Failed);
        if (trace_.enabled()) {
            TraceLine line(now_, n.id, "op_complete");
            line.unum("op_id", it->context).str("outcome", "failed").str("error", rf.reason);
            trace_.write(line);
        }
        n.reads.erase(it);
    }
    n.raft->advance(rd);
    n.inflight.reset();
    serve_reads(n);
    maybe_compact(n);
}

void Cluster::apply(SimNode& n, const Ready& rd) {
    if (rd.snapshot && rd.snapshot->meta.index > n.applied) {
        n.kv = KvStateMachine::deserialize(rd.snapshot->data);
        n.applied = rd.snapshot->meta.index;
        n.applied_membership = rd.snapshot->meta.membership;
        if (trace_.enabled()) {
            TraceLine line(now_, n.id, "apply");
            line.str("what", "snapshot").unum("index", n.applied);
            trace_.write(line);
        }
    }
    std::vector<NodeId> removed;
    for (const auto& e : rd.committed_entries) {
        if (e.index <= n.applied) continue;
        if (e.index != n.applied + 1) {
            checker_.fail(now_, n.id, "Driver Contract",
                          "node " + std::to_string(n.id) + " was handed entry " +
                              std::to_string(e.index) + " to apply after applying only up to " +
                              std::to_string(n.applied));
        }
        checker_.on_apply(now_, n.id, e);
        n.applied = e.index;
        if (e.type == core::EntryType::Normal) n.kv.apply(e.data);
        if (e.type == core::EntryType::Config && e.membership) {
            for (const auto& [id, m] : n.applied_membership.members) {
                if (!e.membership->contains(id)) removed.push_back(id);
            }
            n.applied_membership = *e.membership;
        }
        if (trace_.enabled()) {
            TraceLine line(now_, n.id, "apply");
            line.unum("index", e.index).unum("term", e.term).str("type", entry_type_name(e.type));
            if (!e.data.empty()) line.str("data", e.data);
            trace_.write(line);
        }
        // Acknowledge the client whose proposal this index was: same term
        // means this very entry; another term means the proposal was lost.
        for (auto it = n.writes.begin(); it != n.writes.end();) {
            if (it->index > e.index) {
                ++it;
                continue;
            }
            if (it->index < e.index) {
                // Its index went by inside a snapshot this node installed: it
                // may or may not be in there. The client never hears: unknown.
                it = n.writes.erase(it);
                continue;
            }
            const bool ok = it->term == e.term && e.data == make_set(it->key, it->value);
            if (ok) {
                ++stats_.writes_acked;
                checker_.on_write_ack(it->key, e.index);
            }
            // A different entry committed at its index means this proposal
            // can never commit: a definite failure, not an unknown.
            complete(it->op_id, ok ? lincheck::Outcome::Ok : lincheck::Outcome::Failed);
            if (trace_.enabled()) {
                TraceLine line(now_, n.id, "op_complete");
                line.unum("op_id", it->op_id)
                    .str("outcome", ok ? "ok" : "failed")
                    .unum("index", it->index);
                if (!ok) line.str("error", "another entry was committed at its index");
                trace_.write(line);
            }
            it = n.writes.erase(it);
        }
    }
    // A removed node leaves once its removal is committed (any node applying
    // it proves that), a little later so that it may learn of it itself.
    for (NodeId id : removed) {
        if (nodes_.count(id) == 0 || node(id).retired) continue;
        Event ev;
        ev.t = now_ + options_.retire_removed_after_ms;
        ev.kind = Event::Kind::Retire;
        ev.node = id;
        schedule(std::move(ev));
    }
}

void Cluster::serve_reads(SimNode& n) {
    for (auto it = n.reads.begin(); it != n.reads.end();) {
        if (!it->has_index || n.applied < it->read_index) {
            ++it;
            continue;
        }
        // ReadIndex (§6.4): once applied >= read index, the local state
        // machine answers the read linearizably.
        const auto value = n.kv.get(it->key);
        ++stats_.reads_served;
        checker_.on_read(now_, n.id, it->key, it->base, it->read_index, value);
        last_read_ = CompletedRead{n.id, it->key, value, it->read_index, now_};
        complete(it->context, lincheck::Outcome::Ok, value);
        if (trace_.enabled()) {
            TraceLine line(now_, n.id, "op_complete");
            line.unum("op_id", it->context).str("outcome", "ok");
            if (value) {
                line.str("value", *value);
            } else {
                line.null("value");
            }
            line.unum("read_index", it->read_index);
            trace_.write(line);
        }
        it = n.reads.erase(it);
    }
}

void Cluster::maybe_compact(SimNode& n) {
    const Index threshold = options_.snapshot_threshold;
    if (threshold == 0 || !n.up || n.applied < n.store.snapshot_index() + threshold) return;
    const auto term = n.store.term_at(n.applied);
    if (!term) return;  // applied entry not durable here yet (cannot happen, but never guess)
    core::Snapshot snap;
    snap.meta.index = n.applied;
    snap.meta.term = *term;
    snap.meta.membership = n.applied_membership;
    snap.data = n.kv.serialize();
    n.store.log.erase(std::remove_if(n.store.log.begin(), n.store.log.end(),
                                     [&](const core::Entry& e) { return e.index <= n.applied; }),
                      n.store.log.end());
    n.store.snapshot = snap;
    checker_.on_compact(n.id, n.applied);
    n.raft->compact(n.applied, snap.data);
    ++stats_.snapshots_taken;
    if (trace_.enabled()) {
        TraceLine line(now_, n.id, "snapshot");
        line.unum("index", snap.meta.index).unum("term", snap.meta.term);
        trace_.write(line);
    }
}

}  // namespace raftlab::sim
