// One client operation against one node over gRPC, with the outcome judged
// honestly for the linearizability checker: `failed` only when the node said
// the operation was not (and will not be) applied, `unknown` whenever it
// might have been (timeouts, lost connections, internal errors).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "engine/proto/kv.grpc.pb.h"
#include "scenarios/lincheck/history.h"

namespace raftlab::scenario {

struct CallResult {
    lincheck::Outcome outcome = lincheck::Outcome::Unknown;
    std::optional<std::string> value;  // get
    bool swapped = false;              // cas
    std::string error;                 // "NOT_LEADER (leader 2)", "DEADLINE_EXCEEDED", ...
    std::uint64_t leader_hint = 0;     // NOT_LEADER: who is
    bool retry_elsewhere = false;      // the node cannot serve: try another one
};

// `consistency`: 0 linearizable, 1 lease, 2 eventual (kv.proto numbering).
CallResult call_kv(pb::KV::Stub& stub, const lincheck::Operation& op, int consistency,
                   std::uint64_t timeout_ms);

int consistency_number(const std::string& name);  // "linearizable" -> 0

}  // namespace raftlab::scenario
