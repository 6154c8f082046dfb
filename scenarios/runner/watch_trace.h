// Watch-stream events as trace records (docs/trace-format.md, "Records from
// the Watch streams"): votes, messages, snapshots, configuration changes,
// promotions, and gaps where a node dropped events for the watcher. A
// node's NodeState and role changes reach the trace through the Monitor as
// `state` and `role` records instead.
//
// Size policy, so that a long run's trace stays bounded:
//  - heartbeats (and their responses) are never asked for;
//  - vote, TimeoutNow and snapshot messages are always written: they are
//    few, and they are the story of an election or a catch-up;
//  - every other message (AppendEntries and its response, ReadIndex) and
//    snapshot chunk progress: at most `message_budget` records per node;
//    past that they are counted, one `trace_limit` record says so when it
//    happens, and finish() writes how many were left out.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>

#include "scenarios/runner/trace.h"

namespace raftlab::pb {
class MessageEvent;
class WatchEvent;
}  // namespace raftlab::pb

namespace raftlab::scenario {

using NodeId = std::uint64_t;

class WatchTrace {
  public:
    static constexpr std::uint64_t kDefaultMessageBudget = 10000;

    WatchTrace(TraceWriter& trace, std::uint64_t message_budget_per_node);

    // One event of `node`'s stream; NodeState and RoleChanged are skipped.
    // Thread-safe (each node's stream has its own thread).
    void record(NodeId node, const pb::WatchEvent& ev);
    // For every node that hit the budget: a `trace_limit` record with how
    // many records were written and how many left out.
    void finish();

  private:
    struct Count {
        std::uint64_t written = 0;
        std::uint64_t left_out = 0;
    };
    // Whether one more budgeted record of `node` may be written.
    bool spend(NodeId node, std::int64_t t_ns);
    // A `send` or `recv` record, within the budget unless it tells an election.
    void record_message(NodeId node, std::int64_t t, const pb::MessageEvent& m);

    TraceWriter& trace_;
    const std::uint64_t budget_;
    std::mutex mu_;
    std::map<NodeId, Count> counts_;
};

}  // namespace raftlab::scenario
