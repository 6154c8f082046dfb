// The leader's view of one peer: the public Progress plus the flow-control
// bookkeeping that only the leader needs (etcd's Inflights and probe pause).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>

#include "engine/core/raft.h"

namespace raftlab::core {

struct Peer {
    Progress pr;
    // Probe state: one Append at a time until the follower answers (§5.3:
    // "decrement nextIndex and retry" needs the answer before the next try).
    bool probe_sent = false;
    // Replicate state: Appends in flight, as (last index, bytes), oldest first.
    std::deque<std::pair<Index, std::size_t>> inflights;
    // match_index at the previous HeartbeatResp, to spot a stalled pipeline
    // (an Append lost while nothing newer follows it).
    Index match_at_last_heartbeat = 0;
    std::uint64_t snapshot_sent_tick = 0;
    // The highest commit index sent to it, so a follower whose ack arrives
    // after the commit moved still learns the new commit promptly.
    Index commit_sent = 0;
    // Highest heartbeat round this peer acknowledged in the current term (§6.4).
    std::uint64_t acked_round = 0;

    bool paused(const Config& cfg) const;
    void become_probe(Index next_index);
    void become_replicate();
    void become_snapshot(Index snapshot_index, std::uint64_t now);
    void add_inflight(Index last, std::size_t bytes);
    void free_inflights_to(Index index);
};

}  // namespace raftlab::core
