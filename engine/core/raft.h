// The pure Raft state machine. Inputs: tick(), step(message), propose(),
// read_index(), membership and transfer requests, and advance() once the
// caller has made a Ready durable. Output: Ready batches. It never reads a
// clock, opens a file, starts a thread or draws unseeded randomness.
//
// The driver's loop is:
//
//   for (;;) {
//       feed inputs: tick() per elapsed tick, step() per received message,
//                    propose()/read_index()/... per client request
//       if (!raft.has_ready()) continue;
//       Ready rd = raft.ready();
//       send rd.send_now                        (leader replication: in parallel with
//                                                the leader's own sync, §10.2.1)
//       persist rd.snapshot, rd.entries (after deleting the log from
//               rd.entries.front().index on), rd.hard_state: one batch, one sync
//       send rd.send_after_persist              (acks and votes: a durable promise)
//       apply rd.committed_entries, answer rd.read_states
//       raft.advance(rd);
//   }
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "engine/core/types.h"

namespace raftlab::core {

// Test-only bug switches. The code that reads them exists only in builds
// that define RAFTLAB_BUG_INJECTION (the `raftlab_core_testing` library that
// tests link); the shipped binaries link `raftlab_core`, which has none of
// that code, so there the fields are inert. The struct itself is in every
// build so that Config has one layout: the test-only node binary
// (raftlab-node-buggy, tests/scenario) links the testing core under the
// shipped server libraries.
struct Bugs {
    bool commit_old_term = false;    // count replicas for an old-term entry (Figure 8)
    bool double_vote = false;        // grant a second vote in the same term
    bool no_truncate = false;        // keep a conflicting suffix instead of deleting it
    bool learner_in_quorum = false;  // count learners' acks toward commit
    // Answer a local linearizable read at once from this node's own commit
    // index, with no ReadIndex round (§6.4 step 2) and no lease, whenever the
    // node led in its current term, even if it has stepped down since (a
    // role cached from before a pause). A leader paused past an election and
    // woken cut off then serves its stale state.
    bool stale_local_read = false;
};

#ifdef RAFTLAB_BUG_INJECTION
// Switches every Raft in this process starts with, on top of Config::bugs.
// For a node binary whose Config comes from a TOML file: raftlab-node-buggy
// sets them from its --bug flags before the node starts.
void set_process_bugs(const Bugs& bugs);
#endif

struct Config {
    NodeId id = kNoNode;

    // Timing, in ticks. The driver decides how long a tick is (10 ms in
    // raftlab-node by default, so heartbeat 5 = 50 ms, election 15..30 = 150..300 ms).
    int heartbeat_ticks = 5;
    int election_ticks_min = 15;  // randomized in [min, max) per term (§5.2)
    int election_ticks_max = 30;
    // Leader lease for lease reads; must be < election_ticks_min so followers
    // that honour leader stickiness cannot elect anyone while it runs.
    int lease_ticks = 12;

    bool pre_vote = true;      // thesis §9.6
    bool check_quorum = true;  // thesis §6.2: leader steps down without a quorum

    // Replication flow control per follower (etcd's MaxInflightMsgs / bytes).
    std::size_t max_inflight_msgs = 64;
    std::size_t max_inflight_bytes = 8u << 20;
    std::size_t max_entries_per_msg = 1024;
    std::size_t max_bytes_per_msg = 1u << 20;

    // Learner auto-promotion (thesis §4.2.1): a PROMOTABLE learner is promoted
    // when its match_index is within `learner_catchup_lag` of the leader's last
    // index and its last catch-up round took less than an election timeout.
    bool auto_promote = true;
    Index learner_catchup_lag = 100;

    std::uint64_t seed = 1;  // for randomized election timeouts

    Bugs bugs;  // read only by raftlab_core_testing (see Bugs)
};

// What the core restores from stable storage at start.
struct Restored {
    HardState hard_state;
    std::optional<SnapshotMeta> snapshot;  // last snapshot/compaction point, if any
    std::vector<Entry> entries;            // contiguous, after the snapshot
    Membership bootstrap;                  // used only when no snapshot and no config entry exist
    Index applied = 0;                     // what the state machine already holds
};

struct Ready {
    std::optional<HardState> hard_state;  // changed since the last Ready
    // Entries to persist. If non-empty, first delete every stored entry with
    // index >= entries.front().index (a truncated conflicting suffix).
    std::vector<Entry> entries;
    std::optional<Snapshot> snapshot;         // install atomically before `entries`
    std::vector<Message> send_now;            // may be sent before persisting
    std::vector<Message> send_after_persist;  // only after persisting this Ready
    std::vector<Entry> committed_entries;     // apply in order
    std::vector<ReadState> read_states;
    std::vector<ReadFailure> read_failures;
    std::vector<RoleChange> role_changes;
    std::vector<Note> notes;

    bool empty() const;
};

enum class ErrorCode : std::uint8_t {
    NotLeader,            // `leader` holds the hint (kNoNode if unknown)
    TransferInProgress,   // leader transfer underway: proposals are paused
    ConfigChangePending,  // one uncommitted change at a time (§4.1)
    NoCommitInTerm,       // leader has not committed an entry of its term yet
    UnknownNode,
    AlreadyMember,
    NotLearner,
    InvalidRequest,
};

const char* to_string(ErrorCode code);

struct Error {
    ErrorCode code;
    NodeId leader = kNoNode;
    std::string message;
};

struct Proposed {
    Index index = 0;
    Term term = 0;
};

template <typename T>
using Result = std::variant<T, Error>;

// Per-follower replication progress, as the leader sees it.
struct Progress {
    enum class State : std::uint8_t { Probe, Replicate, Snapshot };
    Index match_index = 0;
    Index next_index = 1;
    State state = State::Probe;
    std::size_t inflight_msgs = 0;
    std::size_t inflight_bytes = 0;
    bool recent_active = false;           // heard from since the last CheckQuorum
    std::uint64_t last_contact_tick = 0;  // leader-local tick of last response
    Index pending_snapshot = 0;
    // Learner catch-up rounds (thesis §4.2.1).
    Index round_target = 0;
    std::uint64_t round_start_tick = 0;
    std::int64_t last_round_ticks = -1;  // -1 until a round completes
};

// A read-only view of the core's state, for status RPCs, the lab and tests.
struct Status {
    NodeId id = kNoNode;
    Role role = Role::Follower;
    Term term = 0;
    NodeId vote = kNoNode;
    NodeId leader = kNoNode;
    Index commit_index = 0;
    Index applied_index = 0;  // what the core has handed out for apply
    Index first_index = 0;
    Index last_index = 0;
    Index snapshot_index = 0;
    Term snapshot_term = 0;
    Membership membership;  // latest appended configuration (takes effect on append)
    bool config_pending = false;
    int election_elapsed = 0;
    int election_timeout = 0;
    std::uint64_t ticks = 0;
    NodeId transfer_target = kNoNode;
    std::map<NodeId, Progress> progress;  // leader only
};

class Raft {
  public:
    Raft(const Config& config, const Restored& restored);
    ~Raft();
    Raft(const Raft&) = delete;
    Raft& operator=(const Raft&) = delete;

    void tick();
    void step(const Message& msg);

    // Client commands. On success, the entry is appended at (index, term); the
    // caller learns the outcome when an entry at that index is committed: the
    // same term means this proposal, another term means it was lost.
    Result<Proposed> propose(std::string data);

    // Linearizable read (§6.4). Followers forward to the leader. The answer
    // comes back in a later Ready as a ReadState or ReadFailure with `context`.
    void read_index(std::uint64_t context);

    // True while this leader holds a lease (quorum heard within lease_ticks).
    bool lease_valid() const;

    // Single-server membership changes (§4.1). Each appends one Config entry.
    Result<Proposed> add_learner(NodeId id, std::string address,
                                 NodeStatus status = NodeStatus::Promotable);
    Result<Proposed> promote_learner(NodeId id);
    Result<Proposed> remove_node(NodeId id);

    // Leader transfer (thesis §3.10).
    std::optional<Error> transfer_leader(NodeId target);

    // The caller has compacted its log: a snapshot at `index` exists and
    // entries up to it may be dropped from memory. `data` is carried in
    // Snapshot messages as is (see Snapshot).
    void compact(Index index, std::string data = {});

    bool has_ready() const;
    Ready ready();
    void advance(const Ready& rd);

    Status status() const;
    Role role() const;
    Term term() const;
    NodeId leader() const;
    NodeId id() const;
    Index commit_index() const;
    Index last_index() const;
    const Membership& membership() const;

    // The log the core holds (entries after the last snapshot), for tests,
    // the simulator's invariant checks and ReadLog.
    const std::deque<Entry>& log() const;

  private:
    struct State;
    std::unique_ptr<State> s_;
};

}  // namespace raftlab::core
