#include "engine/lab/message_group.h"

#include <algorithm>
#include <array>

namespace raftlab::lab {
namespace {

// core::MessageType's numbers and names (engine/core/types.h); a unit test
// (tests/lab/test_lab_plane_batch.cpp) checks this table against core.
constexpr std::array<const char*, 13> kNames = {
    "PreVote",    "PreVoteResp", "Vote",          "VoteResp", "Append",
    "AppendResp", "Heartbeat",   "HeartbeatResp", "Snapshot", "SnapshotResp",
    "TimeoutNow", "ReadIndex",   "ReadIndexResp"};

}  // namespace

const char* message_type_name(std::uint32_t type) {
    return type < kNames.size() ? kNames[type] : "UnknownMessage";
}

bool message_type_number(std::string_view name, std::uint32_t* type) {
    for (std::uint32_t i = 0; i < kNames.size(); ++i) {
        if (name == kNames[i]) {
            *type = i;
            return true;
        }
    }
    return false;
}

bool add_to_group(const pb::MessageEvent& m, pb::MessageEvents* group) {
    std::uint32_t type = 0;
    if (!message_type_number(m.type(), &type)) return false;
    group->add_types(type);
    group->add_peers(m.peer());
    group->add_terms(m.term());
    group->add_indexes(m.index());
    group->add_log_terms(m.log_term());
    group->add_entries(m.entries());
    group->add_bytes(m.bytes());
    group->add_commits(m.commit());
    group->add_rejects(m.reject());
    return true;
}

int group_size(const pb::MessageEvents& g) {
    // A malformed group (arrays of different lengths) is read up to its
    // shortest array, never past the end of one.
    return std::min({g.types_size(), g.peers_size(), g.terms_size(), g.indexes_size(),
                     g.log_terms_size(), g.entries_size(), g.bytes_size(), g.commits_size(),
                     g.rejects_size()});
}

void message_at(const pb::MessageEvents& g, int i, pb::MessageEvent* out) {
    out->set_direction(g.direction());
    out->set_type(message_type_name(g.types(i)));
    out->set_peer(g.peers(i));
    out->set_term(g.terms(i));
    out->set_index(g.indexes(i));
    out->set_log_term(g.log_terms(i));
    out->set_entries(g.entries(i));
    out->set_bytes(g.bytes(i));
    out->set_commit(g.commits(i));
    out->set_reject(g.rejects(i));
}

void for_each_message(const pb::WatchEvent& ev,
                      const std::function<void(const pb::MessageEvent&)>& fn) {
    if (ev.has_message()) {
        fn(ev.message());
        return;
    }
    if (!ev.has_messages()) return;
    pb::MessageEvent m;
    const int n = group_size(ev.messages());
    for (int i = 0; i < n; ++i) {
        message_at(ev.messages(), i, &m);
        fn(m);
    }
}

}  // namespace raftlab::lab
