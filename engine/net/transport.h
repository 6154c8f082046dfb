// All outgoing peer links of one node. The raft loop calls send() with a
// Ready's messages; each goes to its peer's queue without blocking. Peers are
// created and dropped as the configuration changes.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/core/types.h"
#include "engine/net/peer_client.h"
#include "engine/net/snapshot_io.h"
#include "netem/dispatcher.h"

namespace raftlab::net {

class Transport {
  public:
    Transport(core::NodeId self, std::string cluster_id, std::size_t snapshot_chunk_bytes,
              SnapshotOpener opener);
    ~Transport();

    // TLS for every peer link created from now on (call before the first
    // peer is added); plaintext by default.
    void use_credentials(std::shared_ptr<grpc::ChannelCredentials> credentials) {
        credentials_ = std::move(credentials);
    }

    // Keeps one PeerClient per other member, at the member's address.
    void set_members(const core::Membership& membership);
    // Adds a peer not (yet) in the configuration, e.g. a seed of a joining node.
    void add_peer(core::NodeId id, const std::string& address);

    void send(std::vector<core::Message>& msgs);
    void stop();

    // Lab mode (issue 5): from now on every message this node sends, requests
    // and responses alike, passes netem on its directed link self->peer, in lab
    // time. A message netem drops because the link is cut also severs the
    // peer's open stream, so the RPC fails as on a dead network and the
    // transport must reconnect when the cut heals.
    void use_netem(netem::Emulator& emulator, netem::LabClock& clock);

  private:
    void deliver(core::Message msg);
    void sever(core::NodeId peer);

    core::NodeId self_;
    std::string cluster_id_;
    std::size_t snapshot_chunk_bytes_;
    SnapshotOpener opener_;
    std::shared_ptr<grpc::ChannelCredentials> credentials_;
    // Guards peers_: the raft loop changes it, netem's thread delivers into it.
    std::mutex peers_mu_;
    std::map<core::NodeId, std::unique_ptr<PeerClient>> peers_;
    std::uint64_t unknown_peer_drops_ = 0;
    // Declared last: destroyed first, so its thread never delivers to a gone peer.
    std::unique_ptr<netem::Dispatcher<core::Message>> netem_;
};

}  // namespace raftlab::net
