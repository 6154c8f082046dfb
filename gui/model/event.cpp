#include "gui/model/event.h"

#include <array>
#include <string_view>

namespace raftlab::gui {

namespace {
constexpr std::array<const char*, 5> kRoleNames = {"Follower", "Candidate", "Leader", "Learner",
                                                   "PreCandidate"};
constexpr std::array<const char*, kMsgTypeCount> kMsgNames = {
    "PreVote",    "PreVoteResp", "Vote",          "VoteResp", "Append",
    "AppendResp", "Heartbeat",   "HeartbeatResp", "Snapshot", "SnapshotResp",
    "TimeoutNow", "ReadIndex",   "ReadIndexResp", "Other"};
constexpr std::array<const char*, 14> kKindNames = {
    "role",     "send",   "recv",  "drop",   "note",     "persist", "apply",
    "snapshot", "client", "fault", "config", "transfer", "state",   "unknown"};
}  // namespace

const char* to_string(Role role) {
    return kRoleNames[static_cast<int>(role)];
}
const char* to_string(MsgType type) {
    return kMsgNames[static_cast<int>(type)];
}
const char* to_string(EventKind kind) {
    return kKindNames[static_cast<int>(kind)];
}

const char* to_string(MsgFamily family) {
    switch (family) {
        case MsgFamily::Heartbeat:
            return "Heartbeat";
        case MsgFamily::Append:
            return "Append";
        case MsgFamily::Vote:
            return "Vote";
        case MsgFamily::Snapshot:
            return "Snapshot";
        case MsgFamily::Other:
            return "Other";
    }
    return "Other";
}

bool role_from_string(std::string_view s, Role* out) {
    for (std::size_t i = 0; i < kRoleNames.size(); ++i) {
        if (s == kRoleNames[i]) {
            *out = static_cast<Role>(i);
            return true;
        }
    }
    // The guide's numbering, for sources that write numbers as strings.
    if (s.size() == 1 && s[0] >= '0' && s[0] <= '3') {
        *out = static_cast<Role>(s[0] - '0');
        return true;
    }
    return false;
}

MsgType msg_type_from_string(std::string_view s) {
    for (int i = 0; i < kMsgTypeCount - 1; ++i) {
        if (s == kMsgNames[i]) return static_cast<MsgType>(i);
    }
    return MsgType::Other;
}

EventKind event_kind_from_string(std::string_view s) {
    for (std::size_t i = 0; i + 1 < kKindNames.size(); ++i) {
        if (s == kKindNames[i]) return static_cast<EventKind>(i);
    }
    return EventKind::Unknown;
}

MsgFamily family_of(MsgType type) {
    switch (type) {
        case MsgType::Heartbeat:
        case MsgType::HeartbeatResp:
        case MsgType::ReadIndex:
        case MsgType::ReadIndexResp:
            return MsgFamily::Heartbeat;
        case MsgType::Append:
        case MsgType::AppendResp:
            return MsgFamily::Append;
        case MsgType::PreVote:
        case MsgType::PreVoteResp:
        case MsgType::Vote:
        case MsgType::VoteResp:
        case MsgType::TimeoutNow:
            return MsgFamily::Vote;
        case MsgType::Snapshot:
        case MsgType::SnapshotResp:
            return MsgFamily::Snapshot;
        case MsgType::Other:
            return MsgFamily::Other;
    }
    return MsgFamily::Other;
}

bool is_response(MsgType type) {
    switch (type) {
        case MsgType::PreVoteResp:
        case MsgType::VoteResp:
        case MsgType::AppendResp:
        case MsgType::HeartbeatResp:
        case MsgType::SnapshotResp:
        case MsgType::ReadIndexResp:
            return true;
        default:
            return false;
    }
}

}  // namespace raftlab::gui
