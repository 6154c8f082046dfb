// Leadership transfer (thesis §3.10).
#include "engine/core/state.h"

namespace raftlab::core {

std::optional<Error> Raft::State::transfer_leader(NodeId target) {
    if (auto err = leader_only("leader transfer")) return err;
    if (target == cfg.id) {
        return Error{ErrorCode::InvalidRequest, leader,
                     "leader transfer: node " + std::to_string(target) + " is already the leader"};
    }
    const Membership& mem = membership();
    if (!mem.contains(target)) {
        return Error{ErrorCode::UnknownNode, leader,
                     "leader transfer: node " + std::to_string(target) + " is not a member"};
    }
    if (!mem.is_voter(target)) {
        return Error{ErrorCode::InvalidRequest, leader,
                     "leader transfer: node " + std::to_string(target) +
                         " is a learner and cannot lead; promote it first"};
    }
    if (transfer_target == target) return std::nullopt;  // already underway
    if (transfer_target != kNoNode)
        abort_transfer("superseded by a transfer to " + std::to_string(target));
    // §3.10 step 1: stop accepting client requests (propose refuses now).
    transfer_target = target;
    transfer_elapsed = 0;
    timeout_now_sent = false;
    note(NoteKind::TransferStarted, target,
         "transferring leadership to node " + std::to_string(target));
    // Step 2: bring the target's log up to date, then step 3: TimeoutNow.
    maybe_send_timeout_now(target);
    if (!timeout_now_sent) send_append(target, true);
    return std::nullopt;
}

void Raft::State::maybe_send_timeout_now(NodeId to) {
    if (to != transfer_target || timeout_now_sent) return;
    auto it = peers.find(to);
    if (it == peers.end() || it->second.pr.match_index < log.last_index()) return;
    Message m = make_msg(MessageType::TimeoutNow, to);
    send(std::move(m));
    timeout_now_sent = true;
    lease_forfeited = true;
}

void Raft::State::abort_transfer(const std::string& why) {
    if (transfer_target == kNoNode) return;
    note(NoteKind::TransferAborted, transfer_target,
         "leader transfer to node " + std::to_string(transfer_target) + " aborted: " + why +
             "; proposals are accepted again");
    transfer_target = kNoNode;
    transfer_elapsed = 0;
    timeout_now_sent = false;
}

}  // namespace raftlab::core
