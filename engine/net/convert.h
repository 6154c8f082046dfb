// core:: plain structs <-> generated protobuf messages. The core never sees a
// protobuf type (design.md: core depends on nothing), so every crossing of the
// wire goes through these functions.
#pragma once

#include <string>

#include "engine/core/types.h"
#include "engine/proto/raft.pb.h"

namespace raftlab::net {

void to_proto(const core::Membership& in, pb::Membership* out);
core::Membership from_proto(const pb::Membership& in);

void to_proto(const core::Entry& in, pb::Entry* out);
core::Entry from_proto(const pb::Entry& in);

void to_proto(const core::SnapshotMeta& in, pb::SnapshotMeta* out);
core::SnapshotMeta from_proto(const pb::SnapshotMeta& in);

// Snapshot messages are not converted here: their image travels as a chunk
// stream (see SnapshotSender / PeerService).
void to_proto(const core::Message& in, const std::string& cluster_id, pb::PeerMessage* out);
core::Message from_proto(const pb::PeerMessage& in);

}  // namespace raftlab::net
