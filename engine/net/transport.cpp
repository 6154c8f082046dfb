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
    netem_.reset();
    stop();
}

namespace {

// What a message costs on the wire, near enough for a bandwidth cap: entry
// payloads plus protobuf framing.
std::size_t wire_bytes(const core::Message& msg) {
    std::size_t n = 48;
    for (const auto& e : msg.entries)
        n += e.data.size() + 16;
    return n;
}

}  // namespace

void Transport::use_netem(netem::Emulator& emulator, netem::LabClock& clock) {
    netem_ = std::make_unique<netem::Dispatcher<core::Message>>(
        emulator, clock, [this](netem::LinkId, core::Message msg) { deliver(std::move(msg)); },
        [this](netem::LinkId link, core::Message, netem::Decision::Verdict why) {
            if (why == netem::Decision::Verdict::Cut) sever(link.to);
        });
}

void Transport::sever(core::NodeId peer) {
    std::lock_guard lock(peers_mu_);
    auto it = peers_.find(peer);
    if (it != peers_.end()) it->second->sever();
}

void Transport::add_peer(core::NodeId id, const std::string& address) {
    if (id == self_ || address.empty()) return;
    std::lock_guard lock(peers_mu_);
    auto it = peers_.find(id);
    if (it != peers_.end() && it->second->address() == address) return;
    PeerClientOptions options;
    options.self = self_;
    options.peer = id;
    options.address = address;
    options.cluster_id = cluster_id_;
    options.snapshot_chunk_bytes = snapshot_chunk_bytes_;
    options.credentials = credentials_;
    peers_[id] = std::make_unique<PeerClient>(options, opener_);
}

void Transport::set_members(const core::Membership& membership) {
    {
        std::lock_guard lock(peers_mu_);
        for (auto it = peers_.begin(); it != peers_.end();) {
            if (!membership.contains(it->first)) {
                it = peers_.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (const auto& [id, m] : membership.members)
        add_peer(id, m.address);
}

void Transport::send(std::vector<core::Message>& msgs) {
    for (auto& msg : msgs) {
        if (netem_) {
            const netem::LinkId link{self_, msg.to};
            const std::size_t bytes = wire_bytes(msg);
            netem_->send(link, bytes, std::move(msg));
        } else {
            deliver(std::move(msg));
        }
    }
    msgs.clear();
}

void Transport::deliver(core::Message msg) {
    std::lock_guard lock(peers_mu_);
    auto it = peers_.find(msg.to);
    if (it == peers_.end()) {
        // A message for a node the configuration no longer (or not yet)
        // names: nothing to dial. Raft treats it as lost.
        if (unknown_peer_drops_++ % 1000 == 0) {
            spdlog::debug("[Node {}] no address for node {}; dropped {}", self_, msg.to,
                          core::to_string(msg.type));
        }
        return;
    }
    it->second->send(std::move(msg));
}

void Transport::stop() {
    std::lock_guard lock(peers_mu_);
    peers_.clear();
}

}  // namespace raftlab::net
