// All outgoing peer links of one node. The raft loop calls send() with a
// Ready's messages; each goes to its peer's queue without blocking. Peers are
// created and dropped as the configuration changes.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/types.h"
#include "engine/net/peer_client.h"
#include "engine/net/snapshot_io.h"

namespace raftlab::net {

class Transport {
  public:
    Transport(core::NodeId self, std::string cluster_id, std::size_t snapshot_chunk_bytes,
              SnapshotOpener opener);
    ~Transport();

    // Keeps one PeerClient per other member, at the member's address.
    void set_members(const core::Membership& membership);
    // Adds a peer not (yet) in the configuration, e.g. a seed of a joining node.
    void add_peer(core::NodeId id, const std::string& address);

    void send(std::vector<core::Message>& msgs);
    void stop();

  private:
    core::NodeId self_;
    std::string cluster_id_;
    std::size_t snapshot_chunk_bytes_;
    SnapshotOpener opener_;
    std::map<core::NodeId, std::unique_ptr<PeerClient>> peers_;
    std::uint64_t unknown_peer_drops_ = 0;
};

}  // namespace raftlab::net
