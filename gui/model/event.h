// One observed thing that happened on one node, in the words of the trace
// format (docs/testing.md, "Trace format"). Plain data with no Qt, so the
// cluster state that folds these up stays testable and portable. Fields a
// kind does not carry stay at their zero value; `known` says which of the
// numeric fields were present, because 0 is a meaningful index and term.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace raftlab::gui {

using NodeId = std::uint64_t;
using Term = std::uint64_t;
using Index = std::uint64_t;
inline constexpr NodeId kNoNode = 0;

// Role numbering follows the guide (NodeRole 0..3); PreCandidate is the
// thesis's PreVote state (§9.6), as in engine/core.
enum class Role : std::uint8_t { Follower, Candidate, Leader, Learner, PreCandidate };

// Kinds the state machine of the viewer understands. Anything else is kept as
// Unknown with its original name so the event list can still show it.
enum class EventKind : std::uint8_t {
    Role,      // role/term change, with its reason
    Send,      // a message left a node
    Recv,      // a message was delivered to a node
    Drop,      // a message was lost (loss, partition, node down)
    Note,      // something the core wanted explained: vote granted, config committed...
    Persist,   // hard state / entries / snapshot made durable
    Apply,     // entries (or a snapshot) applied to the state machine
    Snapshot,  // the node compacted its log into a snapshot
    Client,    // a client operation and its outcome
    Fault,     // start, crash, restart, pause, partition, heal, ...
    Config,    // a membership change was asked for
    Transfer,  // leadership transfer was asked for
    State,     // a live node's full state (Lab.Watch NodeState): folded as a whole
    Unknown,
};

// Message types of engine/core (MessageType), with the names the trace uses.
enum class MsgType : std::uint8_t {
    PreVote,
    PreVoteResp,
    Vote,
    VoteResp,
    Append,
    AppendResp,
    Heartbeat,
    HeartbeatResp,
    Snapshot,
    SnapshotResp,
    TimeoutNow,
    ReadIndex,
    ReadIndexResp,
    Other,
};
inline constexpr int kMsgTypeCount = static_cast<int>(MsgType::Other) + 1;

// The four families the views colour messages by (issue 7: heartbeat,
// append, vote, snapshot); responses share their request's family.
enum class MsgFamily : std::uint8_t { Heartbeat, Append, Vote, Snapshot, Other };
inline constexpr int kMsgFamilyCount = static_cast<int>(MsgFamily::Other) + 1;

// Which numeric fields a line carried.
enum Field : std::uint32_t {
    kTerm = 1u << 0,
    kVote = 1u << 1,
    kLeader = 1u << 2,
    kIndex = 1u << 3,
    kCommit = 1u << 4,
    kFirst = 1u << 5,
    kLast = 1u << 6,
    kSnapshotIndex = 1u << 7,
    kSnapshotTerm = 1u << 8,
    kLogTerm = 1u << 9,
    kEntries = 1u << 10,
    kPeer = 1u << 11,
    kLastIndex = 1u << 12,
    kApplied = 1u << 13,
    kDelay = 1u << 14,
    kLoss = 1u << 15,
};

// What a live node says about itself (Lab.Watch NodeState, engine/proto/
// lab.proto). A trace has to be folded to get these numbers; a live node
// states them, so the fold takes them as they are.
struct LiveNodeState {
    Role role = Role::Follower;
    Term term = 0;
    NodeId vote = kNoNode;
    NodeId leader = kNoNode;
    Index commit_index = 0;
    Index applied_index = 0;
    Index last_index = 0;
    Index snapshot_index = 0;
    Term snapshot_term = 0;
    std::vector<NodeId> voters;
    std::vector<std::pair<NodeId, bool>> learners;  // id, promotable
    // Lab ms until this node starts an election; -1 when it has no timer (leader).
    std::int64_t election_in_ms = -1;
    struct Peer {
        NodeId id = kNoNode;
        Index match_index = 0;
        Index next_index = 0;
    };
    std::vector<Peer> peers;  // leader only (Figure 2's matchIndex/nextIndex)
    struct Learner {
        NodeId id = kNoNode;
        Index match_index = 0;
        Index leader_last_index = 0;
        Index lag_threshold = 0;
        std::uint64_t snapshot_sent_bytes = 0;
        std::uint64_t snapshot_total_bytes = 0;
    };
    std::vector<Learner> learner_progress;  // leader only (thesis §4.2.1)
    double clock_rate = 1;
};

struct Event {
    std::int64_t t_ms = 0;  // virtual (simulator) or lab time, in milliseconds
    // The same moment in nanoseconds when the source knows it (t_ns traces,
    // live nodes): loopback messages take well under a millisecond, so
    // ordering and flight times need more than t_ms. 0 = unknown.
    std::int64_t t_ns = 0;
    NodeId node = kNoNode;  // 0 for cluster-wide events (partition, heal)
    EventKind kind = EventKind::Unknown;
    std::string kind_name;  // as written in the trace, for unknown kinds

    // role
    Role from_role = Role::Follower;
    Role to_role = Role::Follower;
    // messages: `peer` is the other end (send: to, recv: from)
    MsgType msg = MsgType::Other;
    NodeId peer = kNoNode;
    bool reject = false;

    std::uint32_t known = 0;
    Term term = 0;
    NodeId vote = kNoNode;
    NodeId leader = kNoNode;
    Index index = 0;
    Index commit = 0;
    Index first = 0;
    Index last = 0;
    Index last_index = 0;
    Index applied = 0;
    Index snapshot_index = 0;
    Term snapshot_term = 0;
    Term log_term = 0;
    std::uint64_t entries = 0;
    std::int64_t delay_ms = 0;
    double loss = 0;
    int note_kind = -1;  // engine/core NoteKind number, -1 if absent

    // A client call the lab itself made (the Client panel): how long it
    // took, in microseconds; -1 for everything else.
    std::int64_t latency_us = -1;

    std::string what;   // fault/config "what", client "op"
    std::string text;   // reason, detail, note text, client error
    std::string key;    // client key
    std::string value;  // client value

    std::shared_ptr<const LiveNodeState> live;  // State events only

    bool has(Field f) const { return (known & f) != 0; }
};

// engine/core NoteKind numbers, as the simulator writes them in "note" lines.
enum class NoteKind : int {
    VoteGranted = 0,
    VoteDenied,
    ConfigAppended,
    ConfigCommitted,
    LearnerPromoted,
    EvenVoterCount,
    SnapshotSent,
    SnapshotInstalled,
    TransferStarted,
    TransferAborted,
    RemovedSelf,
};

const char* to_string(Role role);
const char* to_string(MsgType type);
const char* to_string(MsgFamily family);
const char* to_string(EventKind kind);
bool role_from_string(std::string_view s, Role* out);
MsgType msg_type_from_string(std::string_view s);
EventKind event_kind_from_string(std::string_view s);
MsgFamily family_of(MsgType type);
bool is_response(MsgType type);

}  // namespace raftlab::gui
