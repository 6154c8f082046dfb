// Who may talk to this node. Every peer RPC names its cluster and sender; a
// message from another cluster or from a node that is not a member is refused
// with a status that says which, and never reaches the raft loop.
#pragma once

#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "engine/core/types.h"
#include "engine/proto/raft.pb.h"

namespace raftlab::net {

class PeerGate {
  public:
    PeerGate(std::string cluster_id, core::NodeId self);

    // The raft loop calls this whenever its latest configuration changes.
    void set_members(const core::Membership& membership);

    // nullopt when admitted; otherwise the reason, ready to send back.
    std::optional<std::string> refuse(const pb::PeerHeader& header) const;

    const std::string& cluster_id() const { return cluster_id_; }
    core::NodeId self() const { return self_; }

  private:
    const std::string cluster_id_;
    const core::NodeId self_;
    mutable std::mutex mu_;
    std::set<core::NodeId> members_;
};

}  // namespace raftlab::net
