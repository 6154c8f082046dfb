// The private state of one Raft node, shared by the per-concern .cpp files
// (election, replication, membership, read_index, transfer, snapshot, tick).
// Nothing outside engine/core includes this header.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/log.h"
#include "engine/core/progress.h"
#include "engine/core/raft.h"

namespace raftlab::core {

// A ReadIndex request the leader is working on; `from` is the node that asked
// (this node for local reads, a follower for forwarded ones).
struct ReadRequest {
    std::uint64_t context = 0;
    NodeId from = kNoNode;
};

// One leadership-confirmation round (§6.4 step 2): a heartbeat broadcast
// tagged `round`; its reads may complete at `index` once a quorum acks.
struct ReadRound {
    std::uint64_t round = 0;
    Index index = 0;
    std::vector<ReadRequest> requests;
};

inline Message make_msg(MessageType type, NodeId to) {
    Message m;
    m.type = type;
    m.to = to;
    return m;
}

inline Entry make_entry(Term term, EntryType type, std::string data = {}) {
    Entry e;
    e.term = term;
    e.type = type;
    e.data = std::move(data);
    return e;
}

struct ForwardedRead {
    std::uint64_t context = 0;
    std::uint64_t sent_tick = 0;
};

struct Raft::State {
    explicit State(const Config& config, const Restored& restored);

    Config cfg;
    std::mt19937_64 rng;
    RaftLog log;

    // Figure 2, persistent state (commit too, see HardState).
    Term term = 0;
    NodeId vote = kNoNode;
    Index commit = 0;
    Index applied = 0;  // handed out for apply

    Role role = Role::Follower;
    NodeId leader = kNoNode;

    // Timers, in ticks.
    std::uint64_t ticks = 0;
    int election_elapsed = 0;  // since the last contact with a leader (or vote grant)
    int election_timeout = 0;  // randomized in [election_ticks_min, election_ticks_max)
    int heartbeat_elapsed = 0;

    // Membership: `base` holds at the snapshot point (or is the bootstrap);
    // `configs` are the Config entries in the log after it. The latest one is
    // in effect as soon as it is appended (§4.1).
    Membership base;
    std::vector<std::pair<Index, Membership>> configs;
    Membership committed_membership;

    // Elections: who answered this (pre-)campaign and how.
    std::map<NodeId, bool> votes;

    // Leader.
    std::map<NodeId, Peer> peers;
    bool need_bcast = false;
    NodeId transfer_target = kNoNode;
    int transfer_elapsed = 0;
    bool timeout_now_sent = false;
    // Set once this leader sent TimeoutNow in its term: the target's campaign
    // bypasses stickiness (even if it arrives after an abort), so no lease.
    bool lease_forfeited = false;
#ifdef RAFTLAB_BUG_INJECTION
    Term led_term = 0;  // the last term this node was Leader in (Bugs::stale_local_read)
#endif

    // ReadIndex (§6.4) and the lease.
    std::uint64_t hb_round = 0;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> round_sent_ticks;  // (round, tick)
    std::vector<ReadRequest> reads_waiting_commit;  // until this term commits an entry
    std::vector<ReadRequest> reads_unsent;          // batched into the next round
    std::vector<ReadRound> read_rounds;
    std::vector<ForwardedRead> forwarded_reads;  // follower: asked the leader

    // Snapshots.
    std::string snapshot_data;
    std::optional<Snapshot> pending_snapshot;  // received, for the driver to install

    // Ready outputs.
    HardState prev_hard_state;
    std::vector<Message> msgs_now;
    std::vector<Message> msgs_after_persist;
    std::vector<ReadState> read_states;
    std::vector<ReadFailure> read_failures;
    std::vector<RoleChange> role_changes;
    std::vector<Note> notes;

    // --- raft.cpp: dispatch and outputs ---
    void step(const Message& m);
    void send(Message m);
    void note(NoteKind kind, NodeId peer, std::string text, Index index = 0);
    HardState hard_state() const { return HardState{term, vote, commit}; }
    bool has_ready() const;
    Ready make_ready();
    void advance(const Ready& rd);
    Status status() const;

    // --- election.cpp: §5.2, PreVote §9.6 ---
    void randomize_election_timeout();
    bool promotable() const;  // a voter in the configuration: may campaign
    Role follower_role() const;
    void record_role_change(Role from, Term from_term, NodeId from_leader, std::string reason);
    void reset(Term t);
    void become_follower(Term t, NodeId lead, std::string reason);
    void become_pre_candidate(std::string reason);
    void become_candidate(std::string reason);
    void become_leader(std::string reason);
    void campaign(bool transfer, std::string reason);
    void handle_vote_request(const Message& m);
    void step_candidate(const Message& m);
    bool in_leader_lease() const;

    // --- replication.cpp: §5.3, §5.4 ---
    void step_leader(const Message& m);
    void step_follower(const Message& m);
    void append_local(Entry e);
    void truncate_from(Index from);
    void send_append(NodeId to, bool send_if_empty);
    void bcast_append(bool send_if_empty);
    void bcast_heartbeat();
    void handle_append(const Message& m);
    void handle_heartbeat(const Message& m);
    void handle_append_resp(const Message& m);
    void handle_heartbeat_resp(const Message& m);
    bool maybe_commit();
    void commit_to(Index index);
    bool committed_in_term() const;
    Result<Proposed> propose(std::string data);
    std::optional<Error> leader_only(const char* what) const;

    // --- snapshot.cpp: §7 ---
    void compact(Index index, std::string data);
    void send_snapshot(NodeId to, Peer& p);
    void handle_snapshot(const Message& m);

    // --- membership.cpp: §4 ---
    const Membership& membership() const { return configs.empty() ? base : configs.back().second; }
    Membership membership_at(Index index) const;
    bool config_pending() const;
    void on_membership_changed();
    void sync_peers();
    void on_configs_committed(Index from, Index to);
    std::optional<Error> check_config_change() const;
    Result<Proposed> propose_config(Membership next, std::string what);
    Result<Proposed> add_learner(NodeId id, std::string address, NodeStatus status);
    Result<Proposed> promote_learner(NodeId id);
    Result<Proposed> remove_node(NodeId id);
    void update_catchup_round(Peer& p);
    void maybe_auto_promote();

    // --- read_index.cpp: §6.4 ---
    void read_index(std::uint64_t context, NodeId from);
    void flush_reads();
    void on_read_round_acked();
    void release_deferred_reads();
    void answer_read(const ReadRequest& r, Index index);
    void fail_read(const ReadRequest& r, const std::string& reason);
    void fail_leader_reads(const std::string& reason);
    void fail_forwarded_reads(const std::string& reason);
    void handle_read_index_resp(const Message& m);
    void expire_forwarded_reads();
    bool lease_valid() const;

    // --- transfer.cpp: thesis §3.10 ---
    std::optional<Error> transfer_leader(NodeId target);
    void maybe_send_timeout_now(NodeId to);
    void abort_transfer(const std::string& why);

    // --- tick.cpp ---
    void tick();
    void tick_election();
    void tick_leader();
    bool quorum_active() const;
};

}  // namespace raftlab::core
