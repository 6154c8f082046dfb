// Leader election (§5.2) with PreVote (thesis §9.6) and leader stickiness.
#include <algorithm>

#include "engine/core/state.h"

namespace raftlab::core {

namespace {

std::string join_ids(const std::vector<NodeId>& ids) {
    std::string out;
    for (NodeId id : ids) {
        if (!out.empty()) out += ",";
        out += std::to_string(id);
    }
    return out;
}

}  // namespace

void Raft::State::randomize_election_timeout() {
    // §5.2: randomized timeouts make split votes rare and short.
    int lo = cfg.election_ticks_min;
    int hi = std::max(cfg.election_ticks_max, lo + 1);
    std::uniform_int_distribution<int> dist(lo, hi - 1);
    election_timeout = dist(rng);
}

bool Raft::State::promotable() const {
    return membership().is_voter(cfg.id);
}

Role Raft::State::follower_role() const {
    return membership().is_learner(cfg.id) ? Role::Learner : Role::Follower;
}

bool Raft::State::in_leader_lease() const {
    // We heard from a live leader less than a minimum election timeout ago
    // (a leader counts itself live until CheckQuorum says otherwise).
    return cfg.check_quorum && leader != kNoNode && election_elapsed < cfg.election_ticks_min;
}

void Raft::State::record_role_change(Role from, Term from_term, NodeId from_leader,
                                     std::string reason) {
    if (from == role && from_term == term && from_leader == leader) return;
    role_changes.push_back(RoleChange{cfg.id, from, role, term, leader, std::move(reason)});
}

void Raft::State::reset(Term t) {
    if (term != t) {
        term = t;
        vote = kNoNode;
    }
    leader = kNoNode;
    election_elapsed = 0;
    heartbeat_elapsed = 0;
    randomize_election_timeout();
    votes.clear();
}

void Raft::State::become_follower(Term t, NodeId lead, std::string reason) {
    Role old_role = role;
    Term old_term = term;
    NodeId old_leader = leader;
    if (role == Role::Leader) {
        fail_leader_reads("node " + std::to_string(cfg.id) + " stepped down: " + reason);
        peers.clear();
        transfer_target = kNoNode;
        need_bcast = false;
    }
    reset(t);
    leader = lead;
    role = follower_role();
    if (old_leader != lead || old_term != t) {
        fail_forwarded_reads("leader changed (" + reason + "); retry the read");
    }
    record_role_change(old_role, old_term, old_leader, std::move(reason));
}

void Raft::State::become_pre_candidate(std::string reason) {
    // §9.6: a pre-candidate polls with term+1 but changes neither its term
    // nor its vote, so a node that cannot win never disrupts the cluster.
    Role old_role = role;
    NodeId old_leader = leader;
    fail_forwarded_reads("no leader: node " + std::to_string(cfg.id) + " is campaigning");
    votes.clear();
    leader = kNoNode;
    election_elapsed = 0;
    randomize_election_timeout();
    role = Role::PreCandidate;
    record_role_change(old_role, term, old_leader, std::move(reason));
}

void Raft::State::become_candidate(std::string reason) {
    Role old_role = role;
    Term old_term = term;
    NodeId old_leader = leader;
    fail_forwarded_reads("no leader: node " + std::to_string(cfg.id) + " is campaigning");
    reset(term + 1);  // §5.2: increment currentTerm, vote for self
    vote = cfg.id;
    role = Role::Candidate;
    record_role_change(old_role, old_term, old_leader, std::move(reason));
}

void Raft::State::become_leader(std::string reason) {
    Role old_role = role;
    NodeId old_leader = leader;
    role = Role::Leader;
    leader = cfg.id;
    election_elapsed = 0;
    heartbeat_elapsed = 0;
    votes.clear();
    transfer_target = kNoNode;
    lease_forfeited = false;
    hb_round = 0;
    round_sent_ticks.clear();
    read_rounds.clear();
    reads_unsent.clear();
    reads_waiting_commit.clear();
    peers.clear();
    sync_peers();
#ifdef RAFTLAB_BUG_INJECTION
    led_term = term;
#endif
    record_role_change(old_role, term, old_leader, std::move(reason));
    // §5.4.2 / Figure 8: a leader cannot count replicas of older-term entries,
    // so it appends a no-op of its own term; committing it commits them all.
    append_local(make_entry(term, EntryType::Noop));
    bcast_append(true);
}

void Raft::State::campaign(bool transfer, std::string reason) {
    if (!promotable()) return;  // learners and non-members never campaign
    std::vector<NodeId> voters = membership().voters();
    // PreVote protects others from a node that cannot win; with no other voter
    // there is nobody to protect, so a lone voter goes straight to Candidate.
    // A TimeoutNow campaign skips it too: the old leader asked for it (§3.10).
    bool pre = cfg.pre_vote && !transfer && voters.size() > 1;
    if (pre) {
        become_pre_candidate(std::move(reason));
    } else {
        become_candidate(std::move(reason));
    }
    votes[cfg.id] = true;
    if (!pre && voters.size() == 1) {
        become_leader("won election with votes from " + std::to_string(cfg.id));
        return;
    }
    for (NodeId v : voters) {
        if (v == cfg.id) continue;
        Message m = make_msg(pre ? MessageType::PreVote : MessageType::Vote, v);
        m.term = pre ? term + 1 : term;
        m.index = log.last_index();
        m.log_term = log.last_term();
        m.transfer = transfer;
        send(std::move(m));
    }
}

void Raft::State::handle_vote_request(const Message& m) {
    bool pre = m.type == MessageType::PreVote;
    // §5.2: at most one vote per term, first come first served. A PreVote for
    // a future term binds nothing, so it only needs the log check.
    bool can_vote =
        vote == m.from || (vote == kNoNode && leader == kNoNode) || (pre && m.term > term);
#ifdef RAFTLAB_BUG_INJECTION
    // BUG double_vote: forget that we already voted in this term.
    if (cfg.bugs.double_vote && !pre) can_vote = true;
#endif
    // §5.4.1: grant only to a candidate whose log is at least as up-to-date.
    bool up_to_date = m.log_term > log.last_term() ||
                      (m.log_term == log.last_term() && m.index >= log.last_index());
    // Learners answer too (etcd does the same): a candidate only counts the
    // answer if its newer configuration already lists us as a voter, and
    // refusing could leave such a cluster without a quorum.
    Message resp = make_msg(pre ? MessageType::PreVoteResp : MessageType::VoteResp, m.from);
    if (can_vote && up_to_date) {
        resp.term = pre ? m.term : term;
        if (!pre) {
            vote = m.from;
            election_elapsed = 0;  // Figure 2: granting a vote resets the timer
        }
        note(NoteKind::VoteGranted, m.from,
             std::string(pre ? "pre-vote" : "vote") + " granted to node " + std::to_string(m.from) +
                 " for term " + std::to_string(m.term));
    } else {
        resp.reject = true;
        std::string why = !up_to_date ? "its log is behind ours (last " + std::to_string(m.index) +
                                            "/term " + std::to_string(m.log_term) + " vs " +
                                            std::to_string(log.last_index()) + "/term " +
                                            std::to_string(log.last_term()) + ")"
                                      : "already voted for node " + std::to_string(vote) +
                                            " or following leader " + std::to_string(leader);
        note(NoteKind::VoteDenied, m.from,
             std::string(pre ? "pre-vote" : "vote") + " denied to node " + std::to_string(m.from) +
                 " for term " + std::to_string(m.term) + ": " + why);
    }
    send(std::move(resp));
}

void Raft::State::step_candidate(const Message& m) {
    switch (m.type) {
        case MessageType::Append:
        case MessageType::Heartbeat:
        case MessageType::Snapshot:
            // §5.2: another server established itself as leader for this term.
            become_follower(
                term, m.from,
                "node " + std::to_string(m.from) + " is leader of term " + std::to_string(term));
            step_follower(m);
            return;
        case MessageType::PreVoteResp:
        case MessageType::VoteResp: {
            bool want_pre = role == Role::PreCandidate;
            if (want_pre != (m.type == MessageType::PreVoteResp)) return;  // stale
            if (!membership().is_voter(m.from)) return;
            votes.emplace(m.from, !m.reject);
            std::vector<NodeId> granted, rejected;
            for (NodeId v : membership().voters()) {
                auto it = votes.find(v);
                if (it == votes.end()) continue;
                (it->second ? granted : rejected).push_back(v);
            }
            std::size_t q = membership().quorum();
            if (granted.size() >= q) {
                if (want_pre) {
                    become_candidate("pre-vote won with votes from " + join_ids(granted));
                    votes[cfg.id] = true;
                    for (NodeId v : membership().voters()) {
                        if (v == cfg.id) continue;
                        Message req = make_msg(MessageType::Vote, v);
                        req.index = log.last_index();
                        req.log_term = log.last_term();
                        send(std::move(req));
                    }
                } else {
                    become_leader("won election with votes from " + join_ids(granted));
                }
            } else if (rejected.size() >= q) {
                become_follower(term, kNoNode,
                                std::string(want_pre ? "pre-vote" : "election") +
                                    " lost: rejected by " + join_ids(rejected));
            }
            return;
        }
        case MessageType::ReadIndexResp:
            handle_read_index_resp(m);
            return;
        default:
            return;
    }
}

}  // namespace raftlab::core
