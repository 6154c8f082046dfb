#include "engine/core/quorum.h"

#include <algorithm>
#include <functional>

namespace raftlab::core {

std::uint64_t quorum_value(std::vector<std::uint64_t> values, std::size_t quorum) {
    if (quorum == 0 || values.size() < quorum) return 0;
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(quorum - 1),
                     values.end(), std::greater<>());
    return values[quorum - 1];
}

}  // namespace raftlab::core
