// Internal: shrink one key's non-linearizable history to a small window that
// still cannot be linearized, so a person can see the anomaly.
#pragma once

#include <vector>

#include "scenarios/lincheck/search.h"

namespace raftlab::lincheck::detail {

struct Window {
    std::vector<KeyOp> ops;
    bool minimal = false;  // false when the budget cut the shrinking short
};

// Every step only *weakens* the history, so the window that remains is still
// proof of a violation in the original: reads are dropped (fewer constraints),
// acknowledged writes are turned into unknown ones (they may now also not have
// happened, or happened later), a CAS that may have swapped becomes an unknown
// put of its new value (its comparison no longer constrains anything), and
// unknown writes nobody could observe are
// pruned (which provably never changes the verdict). Shrinking is ddmin-style:
// big chunks first, then single operations, until no single step keeps the
// window illegal.
Window minimize(std::vector<KeyOp> ops, const Budget& budget);

}  // namespace raftlab::lincheck::detail
