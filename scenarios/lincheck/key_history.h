// Internal: one key's operations in the compact form the search works on.
// P-compositionality (Herlihy & Wing) lets the checker judge each key alone: a
// history is linearizable iff every key's sub-history is.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "scenarios/lincheck/history.h"

namespace raftlab::lincheck::detail {

// Values are interned per key: the register's state is a small integer.
inline constexpr std::int32_t kMissing = -1;

struct KeyOp {
    OpKind kind = OpKind::Get;
    Outcome outcome = Outcome::Ok;  // Ok or Unknown; Failed never gets here
    bool swapped = false;
    std::int32_t value = kMissing;     // Put/Cas: new value; Get: value read
    std::int32_t expected = kMissing;  // Cas only
    std::int64_t invoke = 0;
    std::int64_t complete = kNever;  // kNever for Unknown
    std::size_t source = 0;          // index into the History it came from
};

struct KeyHistory {
    std::string key;
    std::vector<KeyOp> ops;
};

// Groups by key (sorted by key, for reproducible reports) and drops what
// carries no information: failed operations (they did not happen) and reads
// whose answer never came.
std::vector<KeyHistory> partition_by_key(const History& history);

// The register model: applies `op` to `state` if the op's recorded answer is
// possible in that state. Returns false when it is not.
bool step(const KeyOp& op, std::int32_t& state);

// An unknown Put or Delete whose value nobody could have observed after it was
// invoked (no read of that value, no CAS that compares against it, no CAS whose
// outcome depends on the state) can be dropped without changing the verdict:
// if it happened, it may as well have happened after everything else. Dropping
// it keeps the search small when many writes time out.
void prune_unobservable_writes(std::vector<KeyOp>& ops);

// An unknown write whose value was read by an acknowledged get (or expected by
// an acknowledged, swapped CAS) definitely happened, before that reader
// returned, if it is the only operation that writes that value. Making it
// acknowledged with that completion time removes no possible linearization
// and takes a lot of guessing out of the search.
void settle_observed_unknown_writes(std::vector<KeyOp>& ops);

}  // namespace raftlab::lincheck::detail
