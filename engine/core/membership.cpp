// Single-server membership changes (thesis §4.1, §4.2.1) and learner
// auto-promotion. A configuration is in effect as soon as its entry is in the
// log, so every node uses the latest configuration it holds, committed or not.
#include <algorithm>
#include <array>

#include "engine/core/state.h"

namespace raftlab::core {

Membership Raft::State::membership_at(Index index) const {
    for (auto it = configs.rbegin(); it != configs.rend(); ++it) {
        if (it->first <= index) return it->second;
    }
    return base;
}

bool Raft::State::config_pending() const {
    return !configs.empty() && configs.back().first > commit;
}

void Raft::State::on_membership_changed() {
    const Membership& mem = membership();
    switch (role) {
        case Role::Learner:
            if (mem.is_voter(cfg.id)) {
                role = Role::Follower;
                record_role_change(Role::Learner, term, leader, "learner promoted");
            }
            break;
        case Role::Follower:
            if (mem.is_learner(cfg.id)) {
                role = Role::Learner;
                record_role_change(Role::Follower, term, leader, "demoted to learner");
            }
            break;
        case Role::Candidate:
        case Role::PreCandidate:
            if (!mem.is_voter(cfg.id)) {
                become_follower(term, kNoNode, "removed from configuration");
            }
            break;
        case Role::Leader:
            // A leader that removed itself keeps leading (without counting its
            // own vote) until the removal commits (thesis §4.2.2).
            sync_peers();
            break;
    }
}

void Raft::State::sync_peers() {
    const Membership& mem = membership();
    // A member removed by a change that is not committed yet keeps receiving
    // the log (never counted: quorums use `mem`), so it usually appends the
    // entry that removes it and stops campaigning instead of pestering us.
    auto wanted = [&](NodeId id) {
        return id != cfg.id && (mem.contains(id) || committed_membership.contains(id));
    };
    for (auto it = peers.begin(); it != peers.end();) {
        it = wanted(it->first) ? std::next(it) : peers.erase(it);
    }
    for (const Membership* source : std::array<const Membership*, 2>{&mem, &committed_membership}) {
        for (const auto& [id, m] : source->members) {
            if (!wanted(id) || peers.count(id)) continue;
            Peer p;
            p.pr.next_index = log.last_index() + 1;
            p.pr.match_index = 0;
            p.pr.state = Progress::State::Probe;
            p.pr.last_contact_tick = ticks;
            p.pr.round_target = log.last_index();
            p.pr.round_start_tick = ticks;
            p.pr.last_round_ticks = -1;
            // A node that just joined is given the benefit of the doubt for one
            // CheckQuorum interval, as etcd does.
            p.pr.recent_active = true;
            peers.emplace(id, std::move(p));
            if (role == Role::Leader) need_bcast = true;
        }
    }
    if (transfer_target != kNoNode && !mem.is_voter(transfer_target)) {
        abort_transfer("node " + std::to_string(transfer_target) + " is no longer a voter");
    }
}

void Raft::State::on_configs_committed(Index from, Index to) {
    bool removed_self = false;
    for (const auto& [index, mem] : configs) {
        if (index <= from || index > to) continue;
        const Membership before = committed_membership;
        committed_membership = mem;
        note(NoteKind::ConfigCommitted, kNoNode,
             "configuration at index " + std::to_string(index) +
                 " committed: " + std::to_string(mem.voters().size()) + " voters, " +
                 std::to_string(mem.learners().size()) + " learners",
             index);
        for (NodeId v : mem.voters()) {
            if (before.is_learner(v)) {
                note(NoteKind::LearnerPromoted, v,
                     "node " + std::to_string(v) + " promoted to voter", index);
            }
        }
        std::size_t voters = mem.voters().size();
        if (voters % 2 == 0) {
            note(NoteKind::EvenVoterCount, kNoNode,
                 "the cluster has " + std::to_string(voters) + " voters: an even count adds " +
                     "no fault tolerance over " + std::to_string(voters - 1) +
                     "; add or remove one voter",
                 index);
        }
        if (before.contains(cfg.id) && !mem.contains(cfg.id)) removed_self = true;
    }
    if (role == Role::Leader) sync_peers();  // retire peers whose removal committed
    if (removed_self) {
        note(NoteKind::RemovedSelf, cfg.id,
             "node " + std::to_string(cfg.id) + " was removed from the configuration", to);
        if (role == Role::Leader) become_follower(term, kNoNode, "removed from configuration");
    }
}

std::optional<Error> Raft::State::check_config_change() const {
    if (auto err = leader_only("membership change")) return err;
    if (transfer_target != kNoNode) {
        return Error{ErrorCode::TransferInProgress, leader,
                     "membership change refused: leadership is being transferred to node " +
                         std::to_string(transfer_target) + "; retry at the new leader"};
    }
    // Ongaro 2015 (raft-dev, "bug in single-server membership changes"): a new
    // leader must commit an entry of its own term before changing membership.
    if (!committed_in_term()) {
        return Error{ErrorCode::NoCommitInTerm, leader,
                     "membership change refused: leader " + std::to_string(cfg.id) +
                         " has not yet committed an entry in term " + std::to_string(term) +
                         "; retry in a moment"};
    }
    if (config_pending()) {
        return Error{ErrorCode::ConfigChangePending, leader,
                     "membership change refused: the change at index " +
                         std::to_string(configs.back().first) +
                         " is not committed yet (one change at a time, §4.1); retry after it "
                         "commits"};
    }
    return std::nullopt;
}

Result<Proposed> Raft::State::propose_config(Membership next, std::string what) {
    Entry e = make_entry(term, EntryType::Config, std::move(what));
    e.membership = std::move(next);
    append_local(std::move(e));
    need_bcast = true;
    return Proposed{log.last_index(), term};
}

Result<Proposed> Raft::State::add_learner(NodeId id, std::string address, NodeStatus status) {
    if (auto err = check_config_change()) return *err;
    if (id == kNoNode) {
        return Error{ErrorCode::InvalidRequest, leader, "add_learner: node id 0 is reserved"};
    }
    if (status == NodeStatus::Active) {
        return Error{ErrorCode::InvalidRequest, leader,
                     "add_learner: node " + std::to_string(id) +
                         " cannot join with status ACTIVE; use PROMOTABLE or READ_ONLY"};
    }
    if (membership().contains(id)) {
        return Error{ErrorCode::AlreadyMember, leader,
                     "add_learner: node " + std::to_string(id) + " is already a " +
                         (membership().is_voter(id) ? "voter" : "learner")};
    }
    Membership next = membership();
    next.members[id] = Member{id, std::move(address), false, status};
    return propose_config(std::move(next), "add learner " + std::to_string(id));
}

Result<Proposed> Raft::State::promote_learner(NodeId id) {
    if (auto err = check_config_change()) return *err;
    const Membership& mem = membership();
    if (!mem.contains(id)) {
        return Error{ErrorCode::UnknownNode, leader,
                     "promote_learner: node " + std::to_string(id) +
                         " is not a member; add it as a learner first"};
    }
    if (!mem.is_learner(id)) {
        return Error{ErrorCode::NotLearner, leader,
                     "promote_learner: node " + std::to_string(id) + " is already a voter"};
    }
    if (mem.members.at(id).status == NodeStatus::ReadOnly) {
        return Error{ErrorCode::InvalidRequest, leader,
                     "promote_learner: node " + std::to_string(id) +
                         " is a READ_ONLY learner; remove it and add it back as PROMOTABLE"};
    }
    Membership next = mem;
    next.members[id].voter = true;
    next.members[id].status = NodeStatus::Active;
    return propose_config(std::move(next), "promote learner " + std::to_string(id));
}

Result<Proposed> Raft::State::remove_node(NodeId id) {
    if (auto err = check_config_change()) return *err;
    const Membership& mem = membership();
    if (!mem.contains(id)) {
        return Error{ErrorCode::UnknownNode, leader,
                     "remove_node: node " + std::to_string(id) + " is not a member"};
    }
    if (mem.is_voter(id) && mem.voters().size() == 1) {
        return Error{ErrorCode::InvalidRequest, leader,
                     "remove_node: node " + std::to_string(id) +
                         " is the only voter; add and promote another node first"};
    }
    Membership next = mem;
    next.members.erase(id);
    return propose_config(std::move(next), "remove node " + std::to_string(id));
}

void Raft::State::update_catchup_round(Peer& p) {
    // Thesis §4.2.1: replicate in rounds; each round covers the entries that
    // existed when it began. A short last round means the learner keeps up.
    if (p.pr.match_index < p.pr.round_target) return;
    p.pr.last_round_ticks = static_cast<std::int64_t>(ticks - p.pr.round_start_tick);
    p.pr.round_target = log.last_index();
    p.pr.round_start_tick = ticks;
}

void Raft::State::maybe_auto_promote() {
    if (!cfg.auto_promote || role != Role::Leader || transfer_target != kNoNode) return;
    if (config_pending() || !committed_in_term()) return;
    const Membership& mem = membership();
    for (NodeId id : mem.learners()) {
        if (mem.members.at(id).status != NodeStatus::Promotable) continue;
        auto it = peers.find(id);
        if (it == peers.end()) continue;
        const Progress& pr = it->second.pr;
        bool close = log.last_index() - std::min(pr.match_index, log.last_index()) <=
                     cfg.learner_catchup_lag;
        bool quick = pr.last_round_ticks >= 0 && pr.last_round_ticks < cfg.election_ticks_min;
        if (close && quick) {
            promote_learner(id);
            return;  // one change at a time
        }
    }
}

}  // namespace raftlab::core
