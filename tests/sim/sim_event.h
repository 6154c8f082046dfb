// The simulator's event: what happens at one instant of virtual time. Private
// to the Cluster's implementation files.
#pragma once

#include "tests/sim/sim_cluster.h"

namespace raftlab::sim {

struct Cluster::Event {
    enum class Kind : std::uint8_t { Tick, Deliver, Persisted, Retire };
    std::int64_t t = 0;
    std::uint64_t seq = 0;
    Kind kind = Kind::Tick;
    NodeId node = core::kNoNode;
    std::uint64_t incarnation = 0;
    core::Message msg;
};

}  // namespace raftlab::sim
