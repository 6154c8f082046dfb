#include "engine/net/transport.h"

#include <spdlog/spdlog.h>

namespace raftlab::net {

Transport::Transport(core::NodeId self, std::string cluster_id, std::size_t snapshot_chunk_bytes,
                     SnapshotOpener opener)
    : self_(self),
      cluster_id_(std::move(cluster_id)),
      snapshot_chunk_bytes_(snapshot_chunk_bytes),
      opener_(std::move(opener)) {}

Transport::~Transport() {
    stop();
}

void Transport::add_peer(core::NodeId id, const std::string& address) {
    if (id == self_ || address.empty()) return;
    auto it = peers_.find(id);
    if (it != peers_.end() && it->second->address() == address) return;
    PeerClientOptions options;
    options.self = self_;
    options.peer = id;
    options.address = address;
    options.cluster_id = cluster_id_;
    options.snapshot_chunk_bytes = snapshot_chunk_bytes_;
    peers_[id] = std::make_unique<PeerClient>(options, opener_);
}

void Transport::set_members(const core::Membership& membership) {
    for (auto it = peers_.begin(); it != peers_.end();) {
        if (!membership.contains(it->first)) {
            it = peers_.erase(it);
        } else {
            ++it;
        }
    }
    for (const auto& [id, m] : membership.members)
        add_peer(id, m.address);
}

void Transport::send(std::vector<core::Message>& msgs) {
    for (auto& msg : msgs) {
        auto it = peers_.find(msg.to);
        if (it == peers_.end()) {
            // A message for a node the configuration no longer (or not yet)
            // names: nothing to dial. Raft treats it as lost.
            if (unknown_peer_drops_++ % 1000 == 0) {
                spdlog::debug("[Node {}] no address for node {}; dropped {}", self_, msg.to,
                              core::to_string(msg.type));
            }
            continue;
        }
        it->second->send(std::move(msg));
    }
    msgs.clear();
}

void Transport::stop() {
    peers_.clear();
}

}  // namespace raftlab::net
