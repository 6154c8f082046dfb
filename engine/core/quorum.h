// Majority arithmetic over a set of voters (§5.2, §5.3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace raftlab::core {

// The largest value that at least `quorum` of `values` reach (the quorum-th
// largest). For match indexes this is the highest replicated-on-a-majority
// index; for acknowledged rounds, the newest round a majority confirmed.
// Returns 0 when there are fewer values than `quorum`.
std::uint64_t quorum_value(std::vector<std::uint64_t> values, std::size_t quorum);

}  // namespace raftlab::core
