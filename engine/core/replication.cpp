// Log replication (§5.3), the commit rule (§5.4.2, Figure 8), and proposals.
#include <algorithm>

#include "engine/core/quorum.h"
#include "engine/core/state.h"

namespace raftlab::core {

std::optional<Error> Raft::State::leader_only(const char* what) const {
    if (role == Role::Leader) return std::nullopt;
    std::string hint = leader == kNoNode ? "no leader is known yet; retry after an election"
                                         : "send it to the leader, node " + std::to_string(leader);
    return Error{ErrorCode::NotLeader, leader,
                 std::string(what) + " refused: node " + std::to_string(cfg.id) + " is a " +
                     to_string(role) + ", not the leader; " + hint};
}

Result<Proposed> Raft::State::propose(std::string data) {
    if (auto err = leader_only("proposal")) return *err;
    if (transfer_target != kNoNode) {
        return Error{ErrorCode::TransferInProgress, leader,
                     "proposal refused: leadership is being transferred to node " +
                         std::to_string(transfer_target) + "; retry at the new leader"};
    }
    append_local(make_entry(term, EntryType::Normal, std::move(data)));
    need_bcast = true;  // proposals that arrive together leave in one Append
    return Proposed{log.last_index(), term};
}

void Raft::State::append_local(Entry e) {
    bool config = e.type == EntryType::Config && e.membership;
    log.append(std::move(e));
    if (config) {
        const Entry& appended = log.at(log.last_index());
        configs.emplace_back(appended.index, *appended.membership);
        note(NoteKind::ConfigAppended, kNoNode,
             "configuration appended at index " + std::to_string(appended.index), appended.index);
        on_membership_changed();  // §4.1: in effect as soon as it is in the log
    }
}

void Raft::State::truncate_from(Index from) {
    log.truncate_from(from);
    bool changed = false;
    while (!configs.empty() && configs.back().first >= from) {
        configs.pop_back();  // the configuration reverts with its entry (§4.1)
        changed = true;
    }
    if (changed) on_membership_changed();
}

void Raft::State::send_append(NodeId to, bool send_if_empty) {
    auto it = peers.find(to);
    if (it == peers.end()) return;
    Peer& p = it->second;
    if (p.paused(cfg)) return;
    Index prev = p.pr.next_index - 1;
    std::optional<Term> prev_term = log.term(prev);
    if (!prev_term) {
        send_snapshot(to, p);  // the entries it needs were compacted away
        return;
    }
    std::vector<Entry> entries =
        log.slice(p.pr.next_index, cfg.max_entries_per_msg, cfg.max_bytes_per_msg);
    bool commit_news = p.commit_sent < std::min(commit, p.pr.match_index);
    if (entries.empty() && !send_if_empty && !commit_news && p.pr.state != Progress::State::Probe) {
        return;
    }
    Message m = make_msg(MessageType::Append, to);
    m.index = prev;
    m.log_term = *prev_term;
    m.commit = commit;
    p.commit_sent = std::max(p.commit_sent, commit);
    if (p.pr.state == Progress::State::Replicate) {
        if (!entries.empty()) {
            // Optimistically pipeline: assume it will be accepted (etcd's
            // StateReplicate), bounded by the inflight window.
            std::size_t bytes = 0;
            for (const Entry& e : entries)
                bytes += entry_bytes(e);
            p.pr.next_index = entries.back().index + 1;
            p.add_inflight(entries.back().index, bytes);
        }
    } else {
        p.probe_sent = true;  // Probe: one at a time until it answers
    }
    m.entries = std::move(entries);
    send(std::move(m));
}

void Raft::State::bcast_append(bool send_if_empty) {
    for (auto& [id, p] : peers)
        send_append(id, send_if_empty);
}

void Raft::State::bcast_heartbeat() {
    // Every heartbeat broadcast is a numbered round: acks confirm leadership
    // for ReadIndex (§6.4) and for the lease.
    ++hb_round;
    round_sent_ticks.emplace_back(hb_round, ticks);
    // Rounds older than a lease can neither grant a lease nor are they needed
    // by reads (reads wait on their own round or a newer one).
    std::uint64_t keep_after = ticks > static_cast<std::uint64_t>(cfg.lease_ticks)
                                   ? ticks - static_cast<std::uint64_t>(cfg.lease_ticks)
                                   : 0;
    while (round_sent_ticks.size() > 1 && round_sent_ticks.front().second < keep_after) {
        round_sent_ticks.erase(round_sent_ticks.begin());
    }
    for (auto& [id, p] : peers) {
        Message m = make_msg(MessageType::Heartbeat, id);
        // Only up to what it is known to match: beyond that its log may differ.
        m.commit = std::min(p.pr.match_index, commit);
        m.context = hb_round;
        send(std::move(m));
    }
}

void Raft::State::step_follower(const Message& m) {
    switch (m.type) {
        case MessageType::Append:
        case MessageType::Heartbeat:
        case MessageType::Snapshot:
            election_elapsed = 0;
            if (leader != m.from) {
                NodeId old = leader;
                leader = m.from;
                record_role_change(role, term, old, "heard from leader " + std::to_string(m.from));
            }
            if (m.type == MessageType::Append) handle_append(m);
            if (m.type == MessageType::Heartbeat) handle_heartbeat(m);
            if (m.type == MessageType::Snapshot) handle_snapshot(m);
            return;
        case MessageType::TimeoutNow:
            // Thesis §3.10: the leader asks us to campaign now, skipping PreVote.
            if (promotable()) campaign(true, "leader transfer from node " + std::to_string(m.from));
            return;
        case MessageType::ReadIndex: {
            Message resp = make_msg(MessageType::ReadIndexResp, m.from);
            resp.context = m.context;
            resp.reject = true;
            send(std::move(resp));
            return;
        }
        case MessageType::ReadIndexResp:
            handle_read_index_resp(m);
            return;
        default:
            return;
    }
}

void Raft::State::handle_append(const Message& m) {
    Message resp = make_msg(MessageType::AppendResp, m.from);
    if (m.index < commit) {
        // Everything up to commit is settled; tell the leader where we are.
        resp.index = commit;
        send(std::move(resp));
        return;
    }
    if (!log.match_term(m.index, m.log_term)) {
        // §5.3 consistency check failed. Hint the leader past the whole
        // conflicting term instead of one entry per round trip.
        resp.reject = true;
        resp.index = m.index;
        if (m.index > log.last_index()) {
            resp.conflict_term = 0;
            resp.conflict_index = log.last_index() + 1;
        } else {
            Term ct = *log.term(m.index);
            Index ci = m.index;
            while (ci - 1 > log.snapshot_index() && *log.term(ci - 1) == ct)
                --ci;
            resp.conflict_term = ct;
            resp.conflict_index = ci;
        }
        send(std::move(resp));
        return;
    }
    Index last_new = m.index + m.entries.size();
    for (const Entry& e : m.entries) {
        if (e.index <= log.last_index()) {
            if (log.match_term(e.index, e.term)) continue;  // already have it
#ifdef RAFTLAB_BUG_INJECTION
            // BUG no_truncate: keep our conflicting entry instead of deleting it.
            if (cfg.bugs.no_truncate) continue;
#endif
            // §5.3: an existing entry conflicts: delete it and all that follow.
            truncate_from(e.index);
        }
        append_local(e);
    }
    commit_to(std::min(m.commit, last_new));
    resp.index = last_new;
    send(std::move(resp));
}

void Raft::State::handle_heartbeat(const Message& m) {
    commit_to(std::min(m.commit, log.last_index()));
    Message resp = make_msg(MessageType::HeartbeatResp, m.from);
    resp.context = m.context;
    send(std::move(resp));
}

void Raft::State::step_leader(const Message& m) {
    switch (m.type) {
        case MessageType::AppendResp:
            handle_append_resp(m);
            return;
        case MessageType::HeartbeatResp:
            handle_heartbeat_resp(m);
            return;
        case MessageType::ReadIndex:
            read_index(m.context, m.from);
            return;
        default:
            return;
    }
}

void Raft::State::handle_append_resp(const Message& m) {
    auto it = peers.find(m.from);
    if (it == peers.end()) return;
    Peer& p = it->second;
    p.pr.recent_active = true;
    p.pr.last_contact_tick = ticks;
    p.probe_sent = false;
    if (m.reject) {
        // Stale rejections (of an Append we have already moved past) are ignored.
        if (m.index < p.pr.match_index) return;
        if (p.pr.state == Progress::State::Replicate && m.index <= p.pr.match_index) return;
        if (p.pr.state == Progress::State::Probe && m.index + 1 != p.pr.next_index) return;
        Index next = m.conflict_index;
        if (m.conflict_term > 0) {
            // Skip the follower's whole conflicting term: if we hold entries of
            // that term, resume just after our last one; otherwise at the
            // follower's first index of it.
            Index i = std::min(m.index, log.last_index());
            while (i > log.snapshot_index() && *log.term(i) > m.conflict_term)
                --i;
            std::optional<Term> t = log.term(i);
            if (t && *t == m.conflict_term) next = i + 1;
        }
        next = std::clamp(next, p.pr.match_index + 1, std::max(m.index, p.pr.match_index + 1));
        p.become_probe(next);
        send_append(m.from, true);
        return;
    }
    bool progressed = false;
    if (m.index > p.pr.match_index) {
        p.pr.match_index = m.index;
        p.pr.next_index = std::max(p.pr.next_index, m.index + 1);
        p.free_inflights_to(m.index);
        progressed = true;
    }
    switch (p.pr.state) {
        case Progress::State::Probe:
            p.become_replicate();
            break;
        case Progress::State::Snapshot:
            // The ack of the snapshot (or of a newer commit) ends the snapshot.
            if (m.index >= p.pr.pending_snapshot) p.become_replicate();
            break;
        case Progress::State::Replicate:
            break;
    }
    update_catchup_round(p);
    if (progressed && maybe_commit()) {
        bcast_append(true);  // spread the new commit index promptly
    } else {
        send_append(m.from, false);
    }
    if (m.from == transfer_target) maybe_send_timeout_now(m.from);
    maybe_auto_promote();
}

void Raft::State::handle_heartbeat_resp(const Message& m) {
    auto it = peers.find(m.from);
    if (it == peers.end()) return;
    Peer& p = it->second;
    p.pr.recent_active = true;
    p.pr.last_contact_tick = ticks;
    p.probe_sent = false;  // it is alive: a lost probe may be retried
    if (m.context > p.acked_round) {
        p.acked_round = m.context;
        on_read_round_acked();
    }
    Index last = log.last_index();
    switch (p.pr.state) {
        case Progress::State::Snapshot:
            // A snapshot (or its ack) may have been lost: try again, but only
            // after a while, since a big snapshot may just be slow to stream.
            if (ticks - p.snapshot_sent_tick >=
                2 * static_cast<std::uint64_t>(cfg.election_ticks_max)) {
                p.become_probe(p.pr.match_index + 1);
            }
            break;
        case Progress::State::Replicate:
            // No progress for a whole heartbeat interval while behind: an Append
            // was probably lost. Fall back to probing from what it has.
            if (p.pr.match_index < last && p.pr.match_index == p.match_at_last_heartbeat) {
                p.become_probe(p.pr.match_index + 1);
            }
            break;
        case Progress::State::Probe:
            break;
    }
    p.match_at_last_heartbeat = p.pr.match_index;
    update_catchup_round(p);
    if (p.pr.match_index < last) send_append(m.from, true);
}

bool Raft::State::maybe_commit() {
    if (role != Role::Leader) return false;
    const Membership& mem = membership();
    std::vector<std::uint64_t> matches;
    for (NodeId v : mem.voters()) {
        if (v == cfg.id) {
            matches.push_back(log.stable_index());  // our own copy once durable
        } else {
            auto it = peers.find(v);
            matches.push_back(it == peers.end() ? 0 : it->second.pr.match_index);
        }
    }
#ifdef RAFTLAB_BUG_INJECTION
    // BUG learner_in_quorum: learners' acks count toward the majority.
    if (cfg.bugs.learner_in_quorum) {
        for (NodeId l : mem.learners()) {
            auto it = peers.find(l);
            if (it != peers.end()) matches.push_back(it->second.pr.match_index);
        }
    }
#endif
    Index q = quorum_value(matches, mem.quorum());
    if (q <= commit) return false;
    // §5.4.2 / Figure 8: only an entry of the current term is committed by
    // counting replicas; earlier ones follow by the Log Matching Property.
    bool current_term = log.match_term(q, term);
#ifdef RAFTLAB_BUG_INJECTION
    // BUG commit_old_term: commit an old-term entry by counting replicas.
    if (cfg.bugs.commit_old_term) current_term = true;
#endif
    if (!current_term) return false;
    commit_to(q);
    return true;
}

bool Raft::State::committed_in_term() const {
    // Also true when commit sits on a snapshot point of our term.
    return log.match_term(commit, term);
}

void Raft::State::commit_to(Index index) {
    index = std::min(index, log.last_index());
    if (index <= commit) return;
    Index old = commit;
    bool had_term_commit = role == Role::Leader && committed_in_term();
    commit = index;
    on_configs_committed(old, index);
    if (role == Role::Leader && !had_term_commit && committed_in_term()) {
        release_deferred_reads();
    }
}

}  // namespace raftlab::core
