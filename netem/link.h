// The unit netem works on: one direction of the connection between two nodes.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <string>

namespace raftlab::netem {

// The same numbering as raftlab::core::NodeId; netem keeps its own alias so it
// does not depend on the engine.
using NodeId = std::uint64_t;

// A directed link. Rules on {1, 2} shape what node 1 sends to node 2 (requests
// and the replies node 1 sends back alike); {2, 1} is a separate link, which is
// what makes one-way partitions possible.
struct LinkId {
    NodeId from = 0;
    NodeId to = 0;

    friend auto operator<=>(const LinkId&, const LinkId&) = default;
    LinkId reversed() const { return {to, from}; }
    std::string to_string() const;  // "1->2"
};

}  // namespace raftlab::netem

template <>
struct std::hash<raftlab::netem::LinkId> {
    std::size_t operator()(const raftlab::netem::LinkId& l) const noexcept {
        return std::hash<std::uint64_t>{}(l.from * 0x9E3779B97F4A7C15ULL ^ l.to);
    }
};
