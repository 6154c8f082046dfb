// Plain data types of the Raft core. No IO, no clocks, no threads: these are
// the words the core, the storage layer, the transport and the simulator share.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace raftlab::core {

using NodeId = std::uint64_t;
using Term = std::uint64_t;
using Index = std::uint64_t;

inline constexpr NodeId kNoNode = 0;

// The numbering follows the d-engine guide (NodeRole 0..3) so that config
// files, logs, the GUI and the wire all agree. PreCandidate is Raft Lab's
// addition for PreVote (thesis §9.6) and sits after the guide's numbers.
enum class Role : std::uint8_t {
    Follower = 0,
    Candidate = 1,
    Leader = 2,
    Learner = 3,
    PreCandidate = 4,
};

// NodeStatus from the guide: a learner is PROMOTABLE (auto-promoted once
// caught up) or READ_ONLY (never promoted); a voter is ACTIVE.
enum class NodeStatus : std::uint8_t {
    Promotable = 0,
    ReadOnly = 1,
    Active = 2,
};

const char* to_string(Role role);
const char* to_string(NodeStatus status);

struct Member {
    NodeId id = kNoNode;
    std::string address;  // opaque to the core; carried so membership is self-contained
    bool voter = false;
    NodeStatus status = NodeStatus::Promotable;  // Active for voters

    friend bool operator==(const Member&, const Member&) = default;
};

// The full cluster configuration. Configuration entries carry the whole
// membership that results from the change, not a delta, so the configuration
// at any index is simply the latest configuration entry at or below it.
struct Membership {
    std::map<NodeId, Member> members;

    bool contains(NodeId id) const { return members.count(id) != 0; }
    bool is_voter(NodeId id) const;
    bool is_learner(NodeId id) const;
    std::vector<NodeId> voters() const;
    std::vector<NodeId> learners() const;
    std::size_t quorum() const { return voters().size() / 2 + 1; }

    friend bool operator==(const Membership&, const Membership&) = default;
};

enum class EntryType : std::uint8_t {
    Normal = 0,  // a client command; `data` is opaque to the core
    Noop = 1,    // appended by every new leader (§5.4.2, Figure 8)
    Config = 2,  // a membership change; `membership` holds the result
};

struct Entry {
    Term term = 0;
    Index index = 0;
    EntryType type = EntryType::Normal;
    std::string data;
    std::optional<Membership> membership;  // set iff type == Config

    friend bool operator==(const Entry&, const Entry&) = default;
};

// What must be durable before a node answers any RPC (Figure 2, "Persistent
// state on all servers"). commit is persisted too so a restarted node does not
// have to rediscover it, though it may safely be behind.
struct HardState {
    Term term = 0;
    NodeId vote = kNoNode;
    Index commit = 0;

    friend bool operator==(const HardState&, const HardState&) = default;
};

struct SnapshotMeta {
    Index index = 0;        // last included index
    Term term = 0;          // last included term
    Membership membership;  // configuration as of `index`

    friend bool operator==(const SnapshotMeta&, const SnapshotMeta&) = default;
};

// The core never looks inside `data`. The simulator puts the serialized state
// machine there; the real node leaves it empty when sending (the transport
// streams the image from storage) and puts a staging handle there on receipt.
struct Snapshot {
    SnapshotMeta meta;
    std::string data;

    friend bool operator==(const Snapshot&, const Snapshot&) = default;
};

enum class MessageType : std::uint8_t {
    PreVote = 0,  // thesis §9.6
    PreVoteResp = 1,
    Vote = 2,  // RequestVote
    VoteResp = 3,
    Append = 4,  // AppendEntries carrying entries (or a probe)
    AppendResp = 5,
    Heartbeat = 6,  // empty AppendEntries; also carries ReadIndex rounds
    HeartbeatResp = 7,
    Snapshot = 8,      // InstallSnapshot
    SnapshotResp = 9,  // unused on the wire: snapshot acks are AppendResp
    TimeoutNow = 10,   // leader transfer (thesis §3.10)
    ReadIndex = 11,    // follower asks the leader for a read index (§6.4)
    ReadIndexResp = 12,
};

const char* to_string(MessageType type);

struct Message {
    MessageType type = MessageType::Heartbeat;
    NodeId from = kNoNode;
    NodeId to = kNoNode;
    Term term = 0;

    // Append: index/log_term of the entry preceding `entries` (prevLogIndex,
    // prevLogTerm). Vote/PreVote: the candidate's last index and term.
    // AppendResp (success): the follower's last matching index.
    // ReadIndexResp: the read index.
    Index index = 0;
    Term log_term = 0;
    std::vector<Entry> entries;
    Index commit = 0;  // leaderCommit

    // Responses.
    bool reject = false;
    // AppendResp rejection hint for fast back-up (§5.3, "optimization"):
    // the term of the conflicting entry (0 if the follower's log is too short)
    // and the first index the follower holds for that term (or last_index + 1).
    Term conflict_term = 0;
    Index conflict_index = 0;

    // Vote/PreVote sent because of TimeoutNow: bypasses leader stickiness.
    bool transfer = false;

    // ReadIndex round / request id; echoed in responses.
    std::uint64_t context = 0;

    std::optional<core::Snapshot> snapshot;  // set iff type == Snapshot
};

// Why the core changed role or term, so logs and the GUI can say *why*.
struct RoleChange {
    NodeId node = kNoNode;
    Role from = Role::Follower;
    Role to = Role::Follower;
    Term term = 0;
    NodeId leader = kNoNode;  // the leader now known, if any
    std::string reason;       // "election timeout", "higher term 5 from node 3", ...
};

// A completed ReadIndex request: once applied >= index, the caller may read
// its state machine and the read is linearizable.
struct ReadState {
    std::uint64_t context = 0;
    Index index = 0;
};

// A ReadIndex request that cannot be served (no leader, leadership lost...).
struct ReadFailure {
    std::uint64_t context = 0;
    std::string reason;
};

// Structured notes about notable things the core did, for logs and the lab.
enum class NoteKind : std::uint8_t {
    VoteGranted,
    VoteDenied,
    ConfigAppended,
    ConfigCommitted,
    LearnerPromoted,  // a PromoteLearner config entry was committed
    EvenVoterCount,   // the committed configuration has an even number of voters
    SnapshotSent,
    SnapshotInstalled,
    TransferStarted,
    TransferAborted,
    RemovedSelf,
};

struct Note {
    NoteKind kind;
    NodeId peer = kNoNode;
    Term term = 0;
    Index index = 0;
    std::string text;
};

}  // namespace raftlab::core
