// The public Raft API, the message dispatcher (Figure 2's term rules), and the
// Ready/advance hand-off to the driver.
#include "engine/core/raft.h"

#include <algorithm>
#include <utility>

#include "engine/core/state.h"

namespace raftlab::core {

namespace {

// Messages that make a durable promise (a vote, an ack of entries or of a
// snapshot) or that follow a term bump must wait for the driver's sync
// (Figure 2: "respond to RPCs" only after updating stable storage).
bool needs_persist(MessageType t) {
    switch (t) {
        case MessageType::Vote:
        case MessageType::VoteResp:
        case MessageType::PreVoteResp:
        case MessageType::AppendResp:
        case MessageType::HeartbeatResp:
        case MessageType::SnapshotResp:
            return true;
        default:
            return false;
    }
}

bool from_leader(MessageType t) {
    return t == MessageType::Append || t == MessageType::Heartbeat || t == MessageType::Snapshot;
}

#ifdef RAFTLAB_BUG_INJECTION
Bugs process_bugs;  // set_process_bugs(); read when a Raft is built

Config with_process_bugs(Config c) {
    c.bugs.commit_old_term |= process_bugs.commit_old_term;
    c.bugs.double_vote |= process_bugs.double_vote;
    c.bugs.no_truncate |= process_bugs.no_truncate;
    c.bugs.learner_in_quorum |= process_bugs.learner_in_quorum;
    c.bugs.stale_local_read |= process_bugs.stale_local_read;
    return c;
}
#else
const Config& with_process_bugs(const Config& c) {
    return c;
}
#endif

}  // namespace

#ifdef RAFTLAB_BUG_INJECTION
void set_process_bugs(const Bugs& bugs) {
    process_bugs = bugs;
}
#endif

Raft::State::State(const Config& config, const Restored& restored)
    : cfg(with_process_bugs(config)), rng(config.seed * 0x9E3779B97F4A7C15ull + config.id) {
    Index snap_index = restored.snapshot ? restored.snapshot->index : 0;
    Term snap_term = restored.snapshot ? restored.snapshot->term : 0;
    log.restore(snap_index, snap_term, restored.entries);
    base = restored.snapshot ? restored.snapshot->membership : restored.bootstrap;
    for (const Entry& e : log.entries()) {
        if (e.type == EntryType::Config && e.membership)
            configs.emplace_back(e.index, *e.membership);
    }
    term = restored.hard_state.term;
    vote = restored.hard_state.vote;
    // The snapshot is committed by definition; what the state machine holds
    // was committed too. A persisted commit past the log cannot be trusted.
    applied = std::clamp(restored.applied, snap_index, log.last_index());
    commit = std::clamp(restored.hard_state.commit, applied, log.last_index());
    committed_membership = membership_at(commit);
    prev_hard_state = restored.hard_state;
    role = follower_role();
    randomize_election_timeout();
}

void Raft::State::send(Message m) {
    m.from = cfg.id;
    if (m.term == 0) m.term = term;
    if (needs_persist(m.type)) {
        msgs_after_persist.push_back(std::move(m));
    } else {
        msgs_now.push_back(std::move(m));
    }
}

void Raft::State::note(NoteKind kind, NodeId peer, std::string text, Index index) {
    notes.push_back(Note{kind, peer, term, index, std::move(text)});
}

void Raft::State::step(const Message& m) {
    if (m.to != kNoNode && m.to != cfg.id) return;
    if (m.from == cfg.id) return;

    // Figure 2, "Rules for all servers": a higher term makes us a follower.
    if (m.term > term) {
        if (m.type == MessageType::Vote || m.type == MessageType::PreVote) {
            // Leader stickiness (thesis §4.2.3, §9.6): while we hear from a live
            // leader, a disruptive candidate gets no answer at all. This is what
            // keeps leader leases safe. TimeoutNow campaigns are wanted, though.
            if (!m.transfer && in_leader_lease()) {
                note(NoteKind::VoteDenied, m.from,
                     "ignored " + std::string(to_string(m.type)) + " for term " +
                         std::to_string(m.term) + ": leader " + std::to_string(leader) +
                         " is alive");
                return;
            }
        }
        if (m.type == MessageType::PreVote) {
            // A PreVote does not change our term (§9.6).
        } else if (m.type == MessageType::PreVoteResp && !m.reject) {
            // A grant echoes the term we would campaign in; not a newer leader.
        } else {
            NodeId lead = from_leader(m.type) ? m.from : kNoNode;
            become_follower(
                m.term, lead,
                "higher term " + std::to_string(m.term) + " from node " + std::to_string(m.from));
        }
    } else if (m.term < term) {
        if (from_leader(m.type) && (cfg.check_quorum || cfg.pre_vote)) {
            // A stale leader (say, back from a partition) would otherwise never
            // learn our term: with PreVote nobody disrupts it with a Vote.
            Message resp = make_msg(MessageType::AppendResp, m.from);
            resp.reject = true;
            send(std::move(resp));
        } else if (m.type == MessageType::PreVote) {
            Message resp = make_msg(MessageType::PreVoteResp, m.from);
            resp.reject = true;
            send(std::move(resp));
        }
        return;  // "If the term in the RPC is smaller... reject/ignore" (Figure 2)
    }

    switch (m.type) {
        case MessageType::Vote:
        case MessageType::PreVote:
            handle_vote_request(m);
            return;
        default:
            break;
    }
    switch (role) {
        case Role::Leader:
            step_leader(m);
            return;
        case Role::Candidate:
        case Role::PreCandidate:
            step_candidate(m);
            return;
        case Role::Follower:
        case Role::Learner:
            step_follower(m);
            return;
    }
}

bool Raft::State::has_ready() const {
    if (hard_state() != prev_hard_state) return true;
    if (log.unstable_from() <= log.last_index()) return true;
    if (pending_snapshot) return true;
    if (!msgs_now.empty() || !msgs_after_persist.empty()) return true;
    if (std::min(commit, log.last_index()) > applied) return true;
    if (!read_states.empty() || !read_failures.empty()) return true;
    if (!role_changes.empty() || !notes.empty()) return true;
    if (role == Role::Leader && (need_bcast || !reads_unsent.empty())) return true;
    return false;
}

Ready Raft::State::make_ready() {
    if (role == Role::Leader) {
        flush_reads();
        if (need_bcast) {
            need_bcast = false;
            bcast_append(false);
        }
    }
    Ready rd;
    HardState hs = hard_state();
    if (hs != prev_hard_state) {
        // A new term or vote must be durable before anything carrying it leaves,
        // or a crash could let us act twice in one term.
        if (hs.term != prev_hard_state.term || hs.vote != prev_hard_state.vote) {
            msgs_after_persist.insert(msgs_after_persist.begin(),
                                      std::make_move_iterator(msgs_now.begin()),
                                      std::make_move_iterator(msgs_now.end()));
            msgs_now.clear();
        }
        rd.hard_state = hs;
        prev_hard_state = hs;
    }
    for (Index i = std::max(log.unstable_from(), log.first_index()); i <= log.last_index(); ++i) {
        rd.entries.push_back(log.at(i));
    }
    log.mark_handed_out();
    if (pending_snapshot) {
        rd.snapshot = std::move(*pending_snapshot);
        pending_snapshot.reset();
    }
    rd.send_now = std::move(msgs_now);
    rd.send_after_persist = std::move(msgs_after_persist);
    msgs_now.clear();
    msgs_after_persist.clear();
    Index upto = std::min(commit, log.last_index());
    for (Index i = std::max(applied + 1, log.first_index()); i <= upto; ++i) {
        rd.committed_entries.push_back(log.at(i));
    }
    applied = std::max(applied, upto);
    rd.read_states = std::move(read_states);
    rd.read_failures = std::move(read_failures);
    rd.role_changes = std::move(role_changes);
    rd.notes = std::move(notes);
    read_states.clear();
    read_failures.clear();
    role_changes.clear();
    notes.clear();
    return rd;
}

void Raft::State::advance(const Ready& rd) {
    if (rd.snapshot && log.snapshot_index() == rd.snapshot->meta.index) {
        log.mark_stable(rd.snapshot->meta.index);
    }
    // The newest handed-out entry still in our log (with the same term) is
    // durable, and by Log Matching so is everything before it.
    for (auto it = rd.entries.rbegin(); it != rd.entries.rend(); ++it) {
        if (log.match_term(it->index, it->term)) {
            log.mark_stable(it->index);
            break;
        }
    }
    if (role == Role::Leader) {
        // The leader's own copy counts toward commit only once durable
        // (§10.2.1: it writes in parallel with replication).
        if (maybe_commit()) bcast_append(true);
    }
}

Status Raft::State::status() const {
    Status s;
    s.id = cfg.id;
    s.role = role;
    s.term = term;
    s.vote = vote;
    s.leader = leader;
    s.commit_index = commit;
    s.applied_index = applied;
    s.first_index = log.first_index();
    s.last_index = log.last_index();
    s.snapshot_index = log.snapshot_index();
    s.snapshot_term = log.snapshot_term();
    s.membership = membership();
    s.config_pending = config_pending();
    s.election_elapsed = election_elapsed;
    s.election_timeout = election_timeout;
    s.ticks = ticks;
    s.transfer_target = transfer_target;
    if (role == Role::Leader) {
        for (const auto& [id, p] : peers)
            s.progress[id] = p.pr;
        Progress self;
        self.match_index = log.stable_index();
        self.next_index = log.last_index() + 1;
        self.state = Progress::State::Replicate;
        self.recent_active = true;
        self.last_contact_tick = ticks;
        s.progress[cfg.id] = self;
    }
    return s;
}

// ---- Raft: thin forwarding to State ----

Raft::Raft(const Config& config, const Restored& restored)
    : s_(std::make_unique<State>(config, restored)) {}
Raft::~Raft() = default;

void Raft::tick() {
    s_->tick();
}
void Raft::step(const Message& msg) {
    s_->step(msg);
}
Result<Proposed> Raft::propose(std::string data) {
    return s_->propose(std::move(data));
}
void Raft::read_index(std::uint64_t context) {
    s_->read_index(context, s_->cfg.id);
}
bool Raft::lease_valid() const {
    return s_->lease_valid();
}
Result<Proposed> Raft::add_learner(NodeId id, std::string address, NodeStatus status) {
    return s_->add_learner(id, std::move(address), status);
}
Result<Proposed> Raft::promote_learner(NodeId id) {
    return s_->promote_learner(id);
}
Result<Proposed> Raft::remove_node(NodeId id) {
    return s_->remove_node(id);
}
std::optional<Error> Raft::transfer_leader(NodeId target) {
    return s_->transfer_leader(target);
}
void Raft::compact(Index index, std::string data) {
    s_->compact(index, std::move(data));
}
bool Raft::has_ready() const {
    return s_->has_ready();
}
Ready Raft::ready() {
    return s_->make_ready();
}
void Raft::advance(const Ready& rd) {
    s_->advance(rd);
}
Status Raft::status() const {
    return s_->status();
}
Role Raft::role() const {
    return s_->role;
}
Term Raft::term() const {
    return s_->term;
}
NodeId Raft::leader() const {
    return s_->leader;
}
NodeId Raft::id() const {
    return s_->cfg.id;
}
Index Raft::commit_index() const {
    return s_->commit;
}
Index Raft::last_index() const {
    return s_->log.last_index();
}
const Membership& Raft::membership() const {
    return s_->membership();
}
const std::deque<Entry>& Raft::log() const {
    return s_->log.entries();
}

}  // namespace raftlab::core
