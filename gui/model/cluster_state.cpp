#include "gui/model/cluster_state.h"

#include <algorithm>
#include <cctype>

namespace raftlab::gui {

const char* to_string(Liveness l) {
    switch (l) {
        case Liveness::Alive:
            return "alive";
        case Liveness::Paused:
            return "paused";
        case Liveness::Killed:
            return "killed";
    }
    return "?";
}

const char* to_string(Membership m) {
    switch (m) {
        case Membership::Voter:
            return "voter";
        case Membership::Learner:
            return "learner";
        case Membership::Removed:
            return "removed";
    }
    return "?";
}

namespace {

const LinkState kNoFaults{};

// "add_learner 4" -> 4; "{1,2} | rest" -> {1,2}.
std::vector<NodeId> numbers_in(const std::string& s) {
    std::vector<NodeId> out;
    NodeId cur = 0;
    bool in = false;
    for (char c : s) {
        if (std::isdigit(static_cast<unsigned char>(c))) {
            cur = cur * 10 + static_cast<NodeId>(c - '0');
            in = true;
        } else if (in) {
            out.push_back(cur);
            cur = 0;
            in = false;
        }
    }
    if (in) out.push_back(cur);
    return out;
}

bool starts_with(const std::string& s, const char* prefix) {
    return s.rfind(prefix, 0) == 0;
}

}  // namespace

NodeState& ClusterState::touch(NodeId id) {
    auto [it, inserted] = nodes_.try_emplace(id);
    if (inserted) it->second.id = id;
    return it->second;
}

const NodeState* ClusterState::node(NodeId id) const {
    auto it = nodes_.find(id);
    return it == nodes_.end() ? nullptr : &it->second;
}

std::vector<NodeId> ClusterState::node_ids() const {
    std::vector<NodeId> ids;
    for (const auto& [id, n] : nodes_)
        ids.push_back(id);
    return ids;
}

NodeId ClusterState::leader() const {
    NodeId best = kNoNode;
    Term best_term = 0;
    for (const auto& [id, n] : nodes_) {
        if (n.role == Role::Leader && n.liveness != Liveness::Killed && n.term >= best_term) {
            best = id;
            best_term = n.term;
        }
    }
    return best;
}

QuorumInfo ClusterState::quorum() const {
    QuorumInfo q;
    for (const auto& [id, n] : nodes_)
        q.voters += n.is_voter() ? 1 : 0;
    q.quorum = q.voters / 2 + 1;
    q.tolerates = q.voters - q.quorum;
    q.even = q.voters > 0 && q.voters % 2 == 0;
    return q;
}

const LinkState& ClusterState::link(NodeId from, NodeId to) const {
    auto it = links_.find({from, to});
    return it == links_.end() ? kNoFaults : it->second;
}

void ClusterState::set_cut(NodeId from, NodeId to, bool cut) {
    if (from == to) return;
    links_[{from, to}].cut = cut;
}

void ClusterState::apply(const Event& e) {
    now_ms_ = std::max(now_ms_, e.t_ms);
    if (e.kind == EventKind::Fault) return apply_fault(e);
    if (e.kind == EventKind::Config) return apply_config(e);
    if (e.node == kNoNode) return;
    NodeState& n = touch(e.node);
    switch (e.kind) {
        case EventKind::Role:
            apply_role(n, e);
            break;
        case EventKind::Send:
        case EventKind::Recv:
            apply_message(n, e);
            break;
        case EventKind::Persist:
            apply_persist(n, e);
            break;
        case EventKind::State:
            apply_live_state(n, e);
            break;
        case EventKind::Note:
            apply_note(n, e);
            break;
        case EventKind::Apply:
            if (e.what == "snapshot") {
                n.applied_index = e.index;
            } else {
                n.applied_index = std::max(n.applied_index, e.index);
            }
            // Only committed entries are applied, so commit is at least this.
            n.commit_index = std::max(n.commit_index, n.applied_index);
            break;
        case EventKind::Snapshot:
            // Log compaction (§7): entries up to `index` now live in the snapshot.
            n.snapshot_index = e.index;
            if (e.has(kTerm)) n.snapshot_term = e.term;
            break;
        default:
            break;
    }
}

void ClusterState::apply_role(NodeState& n, const Event& e) {
    if (e.has(kTerm)) {
        if (e.term > n.term) n.vote = kNoNode;  // a new term starts with no vote (Figure 2)
        n.term = e.term;
    }
    n.role = e.to_role;
    n.leader = e.has(kLeader) ? e.leader : kNoNode;
    n.votes_granted.clear();
    n.progress.clear();
    n.election_reset_ms = e.t_ms;
    switch (e.to_role) {
        case Role::Leader:
            n.leader = n.id;
            n.election_reset_ms = -1;
            // A new leader starts every follower at its own last index + 1
            // and knows no match yet (Figure 2, "reinitialized after election").
            for (const auto& [id, other] : nodes_) {
                if (id == n.id || other.membership == Membership::Removed) continue;
                n.progress[id] = PeerProgress{0, n.last_index() + 1};
            }
            break;
        case Role::Candidate:
            n.vote = n.id;  // votes for itself (§5.2)
            n.votes_granted.insert(n.id);
            break;
        case Role::PreCandidate:
            n.votes_granted.insert(n.id);
            break;
        case Role::Learner:
            n.membership = Membership::Learner;
            break;
        case Role::Follower:
            if (e.from_role == Role::Learner) {
                n.membership = Membership::Voter;
                n.promoted_at_ms = e.t_ms;
            }
            break;
    }
}

void ClusterState::apply_message(NodeState& n, const Event& e) {
    const NodeId peer = e.peer;
    if (peer == kNoNode) return;
    touch(peer);
    if (e.kind == EventKind::Send) {
        // The leader moves next_index optimistically as it sends (etcd's
        // "probe/replicate" flow): next = prev index + entries + 1.
        if (n.role == Role::Leader && e.msg == MsgType::Append) {
            PeerProgress& p = n.progress[peer];
            p.next_index = std::max(p.match_index + 1, e.index + e.entries + 1);
        }
        return;
    }
    // Receive.
    switch (e.msg) {
        case MsgType::Append:
        case MsgType::Heartbeat:
        case MsgType::Snapshot:
            if (e.term >= n.term) {
                // A current leader's message resets the election timer (§5.2).
                n.term = e.term;
                n.leader = peer;
                n.last_append_from = peer;
                if (n.role != Role::Leader) n.election_reset_ms = e.t_ms;
            }
            break;
        case MsgType::AppendResp:
        case MsgType::SnapshotResp:
            if (n.role == Role::Leader && e.term == n.term) {
                PeerProgress& p = n.progress[peer];
                if (!e.reject) {
                    p.match_index = std::max(p.match_index, e.index);
                    p.next_index = std::max(p.next_index, p.match_index + 1);
                } else {
                    // The follower's log does not match at `index`: back off.
                    p.next_index = std::max(p.match_index + 1, std::min(p.next_index, e.index));
                }
            }
            break;
        case MsgType::VoteResp:
        case MsgType::PreVoteResp: {
            const bool pre = e.msg == MsgType::PreVoteResp;
            const bool asking = pre ? n.role == Role::PreCandidate : n.role == Role::Candidate;
            if (asking && !e.reject) n.votes_granted.insert(peer);
            break;
        }
        default:
            break;
    }
}

void ClusterState::apply_live_state(NodeState& n, const Event& e) {
    if (!e.live) return;
    const LiveNodeState& s = *e.live;
    // A node that reports is running (it may have restarted since it was
    // seen killed); pausing is known only to whoever sent SIGSTOP.
    if (n.liveness == Liveness::Killed) n.liveness = Liveness::Alive;
    if (n.role != Role::Leader && s.role == Role::Leader) n.votes_granted.clear();
    n.role = s.role;
    n.term = s.term;
    n.vote = s.vote;
    n.leader = s.role == Role::Leader ? n.id : s.leader;
    n.commit_index = s.commit_index;
    n.applied_index = s.applied_index;
    n.snapshot_index = s.snapshot_index;
    n.snapshot_term = s.snapshot_term;
    // The log's length is stated; the terms come from EntriesAppended
    // events. Entries the viewer never saw appended (the log a node had
    // before we attached) are term 0 ("unknown"), drawn grey.
    if (n.log.last_index() > s.last_index) n.log.truncate_after(s.last_index);
    if (n.log.last_index() < s.last_index) {
        // Log Matching (§5.3): where the leader this node follows has these
        // indexes, a follower's entries carry the leader's terms.
        const NodeState* src = s.leader != n.id ? node(s.leader) : nullptr;
        if (src != nullptr) {
            n.log.copy_from(src->log, n.log.last_index() + 1, s.last_index, 0);
        } else {
            n.log.write(n.log.last_index() + 1, s.last_index, 0);
        }
    }
    // The ring drains toward the node's own deadline, drawn against the
    // configured timeout range: reset = deadline - max timeout.
    n.election_reset_ms =
        s.election_in_ms < 0 ? -1 : e.t_ms + s.election_in_ms - timing_.election_timeout_max_ms;
    if (s.role == Role::Leader) {
        n.progress.clear();
        for (const auto& p : s.peers) {
            touch(p.id);
            n.progress[p.id] = PeerProgress{p.match_index, p.next_index};
        }
        n.catchup.clear();
        for (const auto& l : s.learner_progress) {
            NodeState::Catchup c;
            c.lag_threshold = l.lag_threshold;
            if (l.snapshot_total_bytes > 0) {
                c.snapshot_pct =
                    static_cast<int>(100 * l.snapshot_sent_bytes / l.snapshot_total_bytes);
            }
            n.catchup[l.id] = c;
            n.progress[l.id].match_index = std::max(n.progress[l.id].match_index, l.match_index);
        }
    }
    // Membership as this node knows it. Every member reports it, so it
    // converges as the configuration entry reaches them.
    if (!s.voters.empty()) {
        std::set<NodeId> members;
        for (NodeId v : s.voters) {
            NodeState& m = touch(v);
            if (m.membership == Membership::Learner && m.promoted_at_ms < 0) {
                m.promoted_at_ms = e.t_ms;
            }
            m.membership = Membership::Voter;
            members.insert(v);
        }
        for (const auto& [id, promotable] : s.learners) {
            NodeState& m = touch(id);
            m.membership = Membership::Learner;
            m.promotable = promotable;
            members.insert(id);
        }
        if (!members.count(n.id)) n.membership = Membership::Removed;
    }
}

void ClusterState::apply_persist(NodeState& n, const Event& e) {
    if (e.has(kTerm)) n.term = std::max(n.term, e.term);
    if (e.has(kVote)) n.vote = e.vote;
    if (e.has(kCommit)) n.commit_index = std::max(n.commit_index, e.commit);
    if (e.has(kFirst) && e.has(kLast) && e.has(kLogTerm)) {
        // A live node says the term of what it appended (EntryRange.term,
        // the last entry's; a range rarely spans terms).
        if (e.first > n.log.last_index() + 1) {
            // Events were lost in between (a slow watcher's bounded buffer):
            // by Log Matching take the leader's terms, else this range's.
            const NodeState* src = n.leader != n.id ? node(n.leader) : nullptr;
            if (src != nullptr) {
                n.log.copy_from(src->log, n.log.last_index() + 1, e.first - 1, e.log_term);
            } else {
                n.log.write(n.log.last_index() + 1, e.first - 1, e.log_term);
            }
        }
        n.log.write(e.first, e.last, e.log_term);
    } else if (e.has(kFirst) && e.has(kLast)) {
        if (n.role == Role::Leader) {
            // A leader only ever appends entries of its own term (§5.3).
            n.log.write(e.first, e.last, n.term);
        } else {
            // A follower persists what its leader sent; by Log Matching (§5.3)
            // those entries carry the leader's terms at the same indexes.
            const NodeState* src = node(n.last_append_from);
            if (src != nullptr) {
                n.log.copy_from(src->log, e.first, e.last, n.term);
            } else {
                n.log.write(e.first, e.last, n.term);
            }
        }
    }
    if (e.has(kSnapshotIndex)) {
        // InstallSnapshot (§7): keep the suffix only if it agrees with the
        // snapshot's last entry, otherwise the whole log is replaced.
        const Index si = e.snapshot_index;
        const Term st = e.snapshot_term;
        if (n.log.term_at(si) != st) n.log.truncate_after(std::min(si, n.log.last_index()));
        if (n.log.last_index() < si) {
            // The snapshot says only the term of its last entry; the terms
            // of the entries before it are unknown here (term 0).
            if (n.log.last_index() + 1 < si) n.log.write(n.log.last_index() + 1, si - 1, 0);
            n.log.write(si, si, st);
        }
        n.snapshot_index = si;
        n.snapshot_term = st;
        n.commit_index = std::max(n.commit_index, si);
    }
}

void ClusterState::apply_note(NodeState& n, const Event& e) {
    switch (static_cast<NoteKind>(e.note_kind)) {
        case NoteKind::VoteGranted:
            if (!starts_with(e.text, "pre-vote")) {
                n.vote = e.peer;
                n.election_reset_ms = e.t_ms;  // granting a vote resets the timer (Figure 2)
            }
            break;
        case NoteKind::LearnerPromoted:
            if (e.peer != kNoNode) {
                // The first node to report the promotion dates it; later
                // reports (every member applies the entry) do not move it.
                NodeState& p = touch(e.peer);
                if (p.membership != Membership::Voter || p.promoted_at_ms < 0) {
                    p.promoted_at_ms = e.t_ms;
                }
                p.membership = Membership::Voter;
            }
            break;
        case NoteKind::SnapshotInstalled:
            if (e.has(kIndex)) n.snapshot_index = std::max(n.snapshot_index, e.index);
            break;
        case NoteKind::RemovedSelf:
            n.membership = Membership::Removed;
            break;
        default:
            break;
    }
}

void ClusterState::apply_fault(const Event& e) {
    const std::string& w = e.what;
    if (w == "heal") {
        for (auto& [k, l] : links_)
            l.cut = false;
        partition_.clear();
        return;
    }
    if (w == "clear-faults") {
        // Lab.ClearFaults: every link back to normal, delays and loss too.
        links_.clear();
        partition_.clear();
        return;
    }
    if (w == "partition") {
        // detail "{1,2} | rest": cut every link across the two sides.
        const auto side = numbers_in(e.text);
        const std::set<NodeId> a(side.begin(), side.end());
        for (const auto& [x, nx] : nodes_) {
            for (const auto& [y, ny] : nodes_) {
                if (a.count(x) != a.count(y)) set_cut(x, y, true);
            }
        }
        partition_ = e.text;
        return;
    }
    if (e.node == kNoNode) return;
    NodeState& n = touch(e.node);
    if (w == "start" || w == "restart") {
        n.liveness = Liveness::Alive;
        n.role = n.membership == Membership::Learner ? Role::Learner : Role::Follower;
        n.leader = kNoNode;
        n.progress.clear();
        n.votes_granted.clear();
        if (e.has(kTerm)) n.term = e.term;
        if (e.has(kVote)) n.vote = e.vote;
        if (e.has(kCommit)) n.commit_index = e.commit;
        if (e.has(kSnapshotIndex)) {
            // The restored state machine holds everything up to here.
            n.applied_index = e.snapshot_index;
        }
        // Only the durable log survives a crash.
        if (e.has(kLastIndex)) n.log.truncate_after(e.last_index);
        n.election_reset_ms = e.t_ms;
    } else if (w == "crash" || w == "kill" || w == "retire" || w == "stop" || w == "unreachable" ||
               w == "exited") {
        n.liveness = Liveness::Killed;
        n.election_reset_ms = -1;
        n.progress.clear();
        if (w == "retire") n.membership = Membership::Removed;
    } else if (w == "pause") {
        n.liveness = Liveness::Paused;
    } else if (w == "resume") {
        n.liveness = Liveness::Alive;
    } else if (w == "block" || w == "cut") {
        set_cut(e.node, e.peer, true);
    } else if (w == "unblock") {
        set_cut(e.node, e.peer, false);
    } else if (w == "isolate") {
        for (const auto& [other, o] : nodes_) {
            set_cut(e.node, other, true);
            set_cut(other, e.node, true);
        }
    } else if (w == "delay" || w == "loss") {
        LinkState& l = links_[{e.node, e.peer}];
        if (e.has(kDelay)) l.delay_ms = e.delay_ms;
        if (e.has(kLoss)) l.loss = e.loss;
    }
}

void ClusterState::apply_config(const Event& e) {
    // "add_learner 4" / "promote 4" / "remove 4", with the outcome in detail.
    if (!e.text.empty() && e.text != "ok") return;  // refused: nothing changed
    const auto ids = numbers_in(e.what);
    if (ids.empty()) return;
    NodeState& target = touch(ids.front());
    if (starts_with(e.what, "add_learner")) {
        target.membership = Membership::Learner;
        target.role = Role::Learner;
    } else if (starts_with(e.what, "remove")) {
        target.membership = Membership::Removed;
    }
    // A promotion takes effect when it commits (the LearnerPromoted note).
}

}  // namespace raftlab::gui
