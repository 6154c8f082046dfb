// Names for the core's enums and the small Membership queries.
#include "engine/core/types.h"

#include "engine/core/progress_name.h"
#include "engine/core/raft.h"

namespace raftlab::core {

const char* to_string(Role role) {
    switch (role) {
        case Role::Follower:
            return "Follower";
        case Role::Candidate:
            return "Candidate";
        case Role::Leader:
            return "Leader";
        case Role::Learner:
            return "Learner";
        case Role::PreCandidate:
            return "PreCandidate";
    }
    return "UnknownRole";
}

const char* to_string(NodeStatus status) {
    switch (status) {
        case NodeStatus::Promotable:
            return "PROMOTABLE";
        case NodeStatus::ReadOnly:
            return "READ_ONLY";
        case NodeStatus::Active:
            return "ACTIVE";
    }
    return "UNKNOWN_STATUS";
}

const char* to_string(MessageType type) {
    switch (type) {
        case MessageType::PreVote:
            return "PreVote";
        case MessageType::PreVoteResp:
            return "PreVoteResp";
        case MessageType::Vote:
            return "Vote";
        case MessageType::VoteResp:
            return "VoteResp";
        case MessageType::Append:
            return "Append";
        case MessageType::AppendResp:
            return "AppendResp";
        case MessageType::Heartbeat:
            return "Heartbeat";
        case MessageType::HeartbeatResp:
            return "HeartbeatResp";
        case MessageType::Snapshot:
            return "Snapshot";
        case MessageType::SnapshotResp:
            return "SnapshotResp";
        case MessageType::TimeoutNow:
            return "TimeoutNow";
        case MessageType::ReadIndex:
            return "ReadIndex";
        case MessageType::ReadIndexResp:
            return "ReadIndexResp";
    }
    return "UnknownMessage";
}

const char* to_string(Progress::State state) {
    switch (state) {
        case Progress::State::Probe:
            return "probe";
        case Progress::State::Replicate:
            return "replicate";
        case Progress::State::Snapshot:
            return "snapshot";
    }
    return "?";
}

const char* to_string(ErrorCode code) {
    switch (code) {
        case ErrorCode::NotLeader:
            return "NotLeader";
        case ErrorCode::TransferInProgress:
            return "TransferInProgress";
        case ErrorCode::ConfigChangePending:
            return "ConfigChangePending";
        case ErrorCode::NoCommitInTerm:
            return "NoCommitInTerm";
        case ErrorCode::UnknownNode:
            return "UnknownNode";
        case ErrorCode::AlreadyMember:
            return "AlreadyMember";
        case ErrorCode::NotLearner:
            return "NotLearner";
        case ErrorCode::InvalidRequest:
            return "InvalidRequest";
    }
    return "UnknownError";
}

bool Membership::is_voter(NodeId id) const {
    auto it = members.find(id);
    return it != members.end() && it->second.voter;
}

bool Membership::is_learner(NodeId id) const {
    auto it = members.find(id);
    return it != members.end() && !it->second.voter;
}

std::vector<NodeId> Membership::voters() const {
    std::vector<NodeId> out;
    for (const auto& [id, m] : members) {
        if (m.voter) out.push_back(id);
    }
    return out;
}

std::vector<NodeId> Membership::learners() const {
    std::vector<NodeId> out;
    for (const auto& [id, m] : members) {
        if (!m.voter) out.push_back(id);
    }
    return out;
}

bool Ready::empty() const {
    return !hard_state && entries.empty() && !snapshot && send_now.empty() &&
           send_after_persist.empty() && committed_entries.empty() && read_states.empty() &&
           read_failures.empty() && role_changes.empty() && notes.empty();
}

}  // namespace raftlab::core
