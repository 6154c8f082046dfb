// What a client operation returns, shared by the gRPC KV service and the
// embedded in-process client (engine/api), so both speak the same words.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/types.h"

namespace raftlab::server {

enum class Consistency : std::uint8_t {
    Linearizable = 0,  // ReadIndex (§6.4): a quorum confirms leadership first
    Lease = 1,         // leader inside its lease (thesis §6.4.1): no round trip
    Eventual = 2,      // this node's applied state; any node, learners too
};

// Numbers match kv.proto's ErrorCode.
enum class Code : std::uint8_t {
    Ok = 0,
    NotLeader = 1,
    NoLeader = 2,
    InvalidArgument = 3,
    Retry = 4,    // the proposal was lost (another term at its index): safe to retry
    Timeout = 5,  // not known to be committed in time; outcome unknown
    ShuttingDown = 6,
    Internal = 7,
    Busy = 8,  // leader transfer or another configuration change in progress
    // Client side only: no endpoint could be reached (the message names them).
    Unavailable = 9,
};

inline const char* to_string(Code code) {
    switch (code) {
        case Code::Ok:
            return "OK";
        case Code::NotLeader:
            return "NOT_LEADER";
        case Code::NoLeader:
            return "NO_LEADER";
        case Code::InvalidArgument:
            return "INVALID_ARGUMENT";
        case Code::Retry:
            return "RETRY";
        case Code::Timeout:
            return "TIMEOUT";
        case Code::ShuttingDown:
            return "SHUTTING_DOWN";
        case Code::Internal:
            return "INTERNAL";
        case Code::Busy:
            return "BUSY";
        case Code::Unavailable:
            return "UNAVAILABLE";
    }
    return "?";
}

struct OpError {
    OpError() = default;
    OpError(Code c, std::string m) : code(c), message(std::move(m)) {}

    Code code = Code::Ok;
    std::string message;
    core::NodeId leader = core::kNoNode;  // NotLeader: the leader if known
    std::string leader_address;

    bool ok() const { return code == Code::Ok; }
};

struct WriteResult {
    WriteResult() = default;
    explicit WriteResult(OpError e) : error(std::move(e)) {}

    OpError error;
    core::Index index = 0;                // where the command was committed
    bool succeeded = true;                // CompareAndSwap: whether it swapped
    std::optional<std::string> previous;  // the value before the command
};

struct KeyValue {
    std::string key;
    std::string value;
};

struct ReadResult {
    ReadResult() = default;
    explicit ReadResult(OpError e) : error(std::move(e)) {}

    OpError error;
    std::optional<std::string> value;  // Get
    std::vector<KeyValue> items;       // Scan
    bool more = false;                 // Scan hit its limit
    core::Index applied_index = 0;
    core::NodeId served_by = core::kNoNode;  // remote reads: the node that answered
};

struct ChangeResult {
    ChangeResult() = default;
    explicit ChangeResult(OpError e) : error(std::move(e)) {}

    OpError error;
    core::Index index = 0;
    core::Membership membership;
};

using WriteCallback = std::function<void(WriteResult)>;
using ReadCallback = std::function<void(ReadResult)>;
using ChangeCallback = std::function<void(ChangeResult)>;

}  // namespace raftlab::server
