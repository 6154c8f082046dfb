// A client history: what clients asked a key-value store to do, when, and what
// they were told. This is the input of the linearizability checker.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace raftlab::lincheck {

enum class OpKind : std::uint8_t { Put, Get, Cas, Delete };

enum class Outcome : std::uint8_t {
    Ok,       // the client got an answer: the operation took effect exactly once
    Failed,   // definitely did not take effect (e.g. NOT_LEADER before proposing)
    Unknown,  // timed out or lost: it may have taken effect, at any time after invocation
};

const char* to_string(OpKind kind);
const char* to_string(Outcome outcome);

// One operation on one key, as the client saw it. The register model:
//   put(k, v)                 sets k to v
//   delete(k)                 makes k missing
//   get(k) -> v | missing     reads k
//   cas(k, expected, v)       sets k to v iff k == expected (expected missing =
//                             "only if k is missing"); the client learns whether it swapped
struct Operation {
    std::uint64_t id = 0;      // unique in the history (op_id in traces)
    std::uint64_t client = 0;  // which client issued it; for people, not for the check
    OpKind kind = OpKind::Get;
    std::string key{};
    // Put: the value written. Cas: the new value. Get: the value read, nullopt
    // when the key was missing. Delete: unused.
    std::optional<std::string> value{};
    std::optional<std::string> expected{};  // Cas only; nullopt = expects the key missing
    bool swapped = false;                   // Cas with Outcome::Ok only
    std::int64_t invoke_ns = 0;
    std::int64_t complete_ns = 0;  // ignored when outcome is Unknown
    Outcome outcome = Outcome::Ok;
};

using History = std::vector<Operation>;

// "put(k1, \"v9\")", "get(k1) -> missing", "cas(k1, \"a\" -> \"b\") swapped"
std::string describe(const Operation& op);

// Empty if the operation is well-formed; otherwise what is wrong with it and
// its op id (completion before invocation, a value on a delete, ...).
std::string validate(const Operation& op);

inline constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

}  // namespace raftlab::lincheck
