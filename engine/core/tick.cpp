// Logical time: the driver calls tick() at a fixed rate; every timeout in the
// core is counted in ticks.
#include "engine/core/state.h"

namespace raftlab::core {

void Raft::State::tick() {
    ++ticks;
    if (role == Role::Leader) {
        tick_leader();
    } else {
        tick_election();
    }
    if (!forwarded_reads.empty()) expire_forwarded_reads();
}

void Raft::State::tick_election() {
    ++election_elapsed;
    // Learners and non-members count too (for leader stickiness) but never
    // campaign.
    if (promotable() && election_elapsed >= election_timeout) {
        election_elapsed = 0;
        campaign(false, "election timeout");
    }
}

bool Raft::State::quorum_active() const {
    const Membership& mem = membership();
    std::size_t active = 0;
    for (NodeId v : mem.voters()) {
        if (v == cfg.id) {
            ++active;
        } else {
            auto it = peers.find(v);
            if (it != peers.end() && it->second.pr.recent_active) ++active;
        }
    }
    return active >= mem.quorum();
}

void Raft::State::tick_leader() {
    ++heartbeat_elapsed;
    ++election_elapsed;
    if (election_elapsed >= cfg.election_ticks_min) {
        election_elapsed = 0;
        // §6.2 / thesis §6.2: a leader that cannot reach a quorum within an
        // election timeout steps down, so clients find the real leader.
        if (cfg.check_quorum && !quorum_active()) {
            become_follower(term, kNoNode, "lost quorum");
            return;
        }
        for (auto& [id, p] : peers)
            p.pr.recent_active = false;
    }
    if (transfer_target != kNoNode && ++transfer_elapsed >= cfg.election_ticks_min) {
        // §3.10: if the transfer does not complete within an election
        // timeout, resume accepting client requests.
        abort_transfer("node " + std::to_string(transfer_target) + " did not take over within " +
                       std::to_string(cfg.election_ticks_min) + " ticks");
    }
    if (heartbeat_elapsed >= cfg.heartbeat_ticks) {
        heartbeat_elapsed = 0;
        bcast_heartbeat();
    }
    maybe_auto_promote();
}

}  // namespace raftlab::core
