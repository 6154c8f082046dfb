#include "engine/net/peer_gate.h"

#include <fmt/format.h>

namespace raftlab::net {

PeerGate::PeerGate(std::string cluster_id, core::NodeId self)
    : cluster_id_(std::move(cluster_id)), self_(self) {}

void PeerGate::set_members(const core::Membership& membership) {
    std::lock_guard lock(mu_);
    members_.clear();
    for (const auto& [id, m] : membership.members)
        members_.insert(id);
}

std::optional<std::string> PeerGate::refuse(const pb::PeerHeader& header) const {
    if (header.cluster_id() != cluster_id_) {
        return fmt::format(
            "refused: node {} belongs to cluster '{}' but node {} is in cluster '{}'; check that "
            "the sender's data dir and addresses belong to this cluster",
            header.from(), header.cluster_id(), self_, cluster_id_);
    }
    if (header.to() != self_) {
        return fmt::format(
            "refused: message for node {} reached node {}; the sender has a stale address for "
            "node {}",
            header.to(), self_, header.to());
    }
    std::lock_guard lock(mu_);
    if (members_.count(header.from()) == 0) {
        return fmt::format(
            "refused: node {} is not a member of cluster '{}' as node {} knows it; add it with "
            "JoinCluster first",
            header.from(), cluster_id_, self_);
    }
    return std::nullopt;
}

}  // namespace raftlab::net
