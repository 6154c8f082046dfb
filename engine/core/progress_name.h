// The name of a follower's replication state (etcd's probe / replicate /
// snapshot), as the Status RPC, the lab's NodeState and the GUI show it.
// Separate from raft.h so that naming it does not rebuild every includer.
#pragma once

#include "engine/core/raft.h"

namespace raftlab::core {

const char* to_string(Progress::State state);

}  // namespace raftlab::core
