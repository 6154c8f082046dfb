// Internal: the Wing & Gong search with memoization (Lowe's refinement, as
// used by Porcupine) over one key's operations.
#pragma once

#include <chrono>
#include <vector>

#include "scenarios/lincheck/key_history.h"

namespace raftlab::lincheck::detail {

enum class SearchVerdict { Linearizable, Illegal, Timeout };

using Deadline = std::chrono::steady_clock::time_point;

SearchVerdict search(const std::vector<KeyOp>& ops, Deadline deadline);

}  // namespace raftlab::lincheck::detail
