// Internal: the Wing & Gong search with memoization (Lowe's refinement, as
// used by Porcupine) over one key's operations.
#pragma once

#include <chrono>
#include <cstddef>
#include <vector>

#include "scenarios/lincheck/key_history.h"

namespace raftlab::lincheck::detail {

// Timeout and OutOfMemory both mean "gave up": the budget ran out first.
enum class SearchVerdict { Linearizable, Illegal, Timeout, OutOfMemory };

struct Budget {
    std::chrono::steady_clock::time_point deadline;
    // The memo of explored states is what grows when one key sees many
    // concurrent operations; past this the search gives up rather than
    // pushing a shared lab machine into swap.
    std::size_t max_memo_bytes = std::size_t{1} << 30;
};

SearchVerdict search(const std::vector<KeyOp>& ops, const Budget& budget);

}  // namespace raftlab::lincheck::detail
