// core:: words -> WatchEvent payloads. Pure conversions; the raft loop calls
// them only while a watcher is attached (EventBus::active()).
#pragma once

#include <string>

#include "engine/core/raft.h"
#include "engine/lab/event_bus.h"
#include "engine/proto/lab.pb.h"

namespace raftlab::lab {

// Bytes a message puts on the wire, approximately: entry payloads plus a
// fixed header. Cheap enough for every message; used for MessageEvent.bytes
// and netem's bandwidth cap.
std::size_t approx_bytes(const core::Message& msg);

// Heartbeats and their responses form their own class so a watcher can skip them.
EventClass class_of(const core::Message& msg);

void to_event(const core::Message& msg, bool sent, pb::MessageEvent* out);
// The same message as the next element of a MessageEvents group (whose
// direction is `sent`'s): the numbers only, nothing allocated per message.
void add_to_group(const core::Message& msg, bool sent, pb::MessageEvents* group);
void to_event(const core::RoleChange& rc, pb::RoleChanged* out);

// A Note becomes at most one event; false when the note has no event (e.g.
// EvenVoterCount, which is a warning in the log only).
bool to_event(const core::Note& note, const core::Membership& membership, pb::WatchEvent* out);

// What a watcher needs besides core::Status to draw the node.
struct StateExtras {
    std::string address;
    std::string cluster_id;
    int tick_ms = 10;
    core::Index learner_catchup_lag = 100;
    std::int64_t lab_now_ns = 0;
    double clock_rate = 1;
    std::int64_t mono_now_ns = 0;
};
pb::NodeState to_node_state(const core::Status& status, const StateExtras& extras);

}  // namespace raftlab::lab
