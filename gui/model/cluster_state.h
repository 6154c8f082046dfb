// What the whole cluster looks like at one moment, folded from events in
// order. No Qt: the same state serves the views, the tests and (later) the
// live Watch source. Where a trace does not carry a value directly (a
// follower's match_index, an entry's term) the fold infers it the way a
// person reading the trace would, and says so in a comment.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gui/model/event.h"
#include "gui/model/term_runs.h"

namespace raftlab::gui {

enum class Liveness : std::uint8_t { Alive, Paused, Killed };
enum class Membership : std::uint8_t { Voter, Learner, Removed };

const char* to_string(Liveness l);
const char* to_string(Membership m);

// The leader's view of one follower (Figure 2, "Volatile state on leaders").
struct PeerProgress {
    Index match_index = 0;
    Index next_index = 1;
    friend bool operator==(const PeerProgress&, const PeerProgress&) = default;
};

struct NodeState {
    NodeId id = kNoNode;
    Role role = Role::Follower;
    Term term = 0;
    NodeId vote = kNoNode;
    NodeId leader = kNoNode;
    Index commit_index = 0;
    Index applied_index = 0;
    Index snapshot_index = 0;
    Term snapshot_term = 0;
    Liveness liveness = Liveness::Alive;
    Membership membership = Membership::Voter;
    bool promotable = true;  // a learner's NodeStatus: PROMOTABLE vs READ_ONLY
    // The election timer restarted at this time; it fires somewhere in the
    // election timeout range after it (§5.2). -1 while leading or down.
    std::int64_t election_reset_ms = -1;
    // When this learner became a voter (-1: never): the views make the
    // promotion a visible moment (the guide's "NODE 2 PROMOTED TO VOTER!").
    std::int64_t promoted_at_ms = -1;
    std::map<NodeId, PeerProgress> progress;  // while Leader
    // While Leader, live only: each learner's way to promotion (lab.proto
    // LearnerProgress): lag threshold and snapshot transfer.
    struct Catchup {
        Index lag_threshold = 0;
        int snapshot_pct = -1;  // -1: no InstallSnapshot in flight
        friend bool operator==(const Catchup&, const Catchup&) = default;
    };
    std::map<NodeId, Catchup> catchup;
    std::set<NodeId> votes_granted;  // while (Pre)Candidate, this term
    TermRuns log;
    NodeId last_append_from = kNoNode;  // whose entries the next persist writes

    Index last_index() const { return log.last_index(); }
    bool is_voter() const { return membership == Membership::Voter; }
    friend bool operator==(const NodeState&, const NodeState&) = default;
};

// One directed link's injected faults (netem rules, or the simulator's blocks).
struct LinkState {
    bool cut = false;
    std::int64_t delay_ms = 0;
    double loss = 0;  // 0..1
    friend bool operator==(const LinkState&, const LinkState&) = default;
};

// Defaults of engine/core Config at a 10 ms tick: 15..30 ticks.
struct Timing {
    std::int64_t election_timeout_min_ms = 150;
    std::int64_t election_timeout_max_ms = 300;
    std::int64_t heartbeat_ms = 50;
    friend bool operator==(const Timing&, const Timing&) = default;
};

struct QuorumInfo {
    int voters = 0;
    int quorum = 0;
    int tolerates = 0;
    bool even = false;
};

class ClusterState {
  public:
    void apply(const Event& e);

    std::int64_t now_ms() const { return now_ms_; }
    const std::map<NodeId, NodeState>& nodes() const { return nodes_; }
    const NodeState* node(NodeId id) const;
    std::vector<NodeId> node_ids() const;
    // The live node that leads in the highest term, or kNoNode.
    NodeId leader() const;
    QuorumInfo quorum() const;
    const LinkState& link(NodeId from, NodeId to) const;
    // Either direction cut: the view draws the pair as cut.
    bool link_cut(NodeId a, NodeId b) const { return link(a, b).cut || link(b, a).cut; }
    const Timing& timing() const { return timing_; }
    void set_timing(const Timing& t) { timing_ = t; }
    std::string last_partition() const { return partition_; }
    // Moves the clock without an event (scrubbing to a quiet moment).
    void advance_to(std::int64_t t) { now_ms_ = std::max(now_ms_, t); }

    friend bool operator==(const ClusterState&, const ClusterState&) = default;

  private:
    NodeState& touch(NodeId id);
    void apply_role(NodeState& n, const Event& e);
    void apply_message(NodeState& n, const Event& e);
    void apply_persist(NodeState& n, const Event& e);
    void apply_fault(const Event& e);
    void apply_note(NodeState& n, const Event& e);
    void apply_config(const Event& e);
    void apply_live_state(NodeState& n, const Event& e);
    void set_cut(NodeId from, NodeId to, bool cut);

    std::int64_t now_ms_ = 0;
    std::map<NodeId, NodeState> nodes_;
    std::map<std::pair<NodeId, NodeId>, LinkState> links_;
    Timing timing_;
    std::string partition_;
};

}  // namespace raftlab::gui
