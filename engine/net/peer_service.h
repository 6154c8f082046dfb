// The receiving half of the peer links: the RaftPeer gRPC service, on the
// callback API (no thread per request). Admitted messages go to `deliver`,
// which must not block (the node pushes them onto its raft loop's inbox).
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "engine/core/types.h"
#include "engine/net/peer_gate.h"
#include "engine/net/snapshot_io.h"
#include "engine/proto/raft.grpc.pb.h"

namespace raftlab::net {

class PeerService final : public pb::RaftPeer::CallbackService {
  public:
    using Deliver = std::function<void(core::Message)>;

    PeerService(const PeerGate& gate, Deliver deliver, SnapshotStager stager);

    grpc::ServerUnaryReactor* RequestVote(grpc::CallbackServerContext* ctx,
                                          const pb::PeerMessage* request,
                                          pb::PeerAck* reply) override;
    grpc::ServerUnaryReactor* TimeoutNow(grpc::CallbackServerContext* ctx,
                                         const pb::PeerMessage* request,
                                         pb::PeerAck* reply) override;
    grpc::ServerReadReactor<pb::PeerMessage>* AppendEntries(grpc::CallbackServerContext* ctx,
                                                            pb::PeerAck* reply) override;
    grpc::ServerReadReactor<pb::SnapshotChunk>* InstallSnapshot(grpc::CallbackServerContext* ctx,
                                                                pb::PeerAck* reply) override;

    // Refusals so far (non-member or foreign cluster), for tests and status.
    std::uint64_t refused() const { return refused_.load(); }

    // Shared by the reactors.
    std::optional<grpc::Status> check(const pb::PeerHeader& header);
    void deliver(core::Message msg) { deliver_(std::move(msg)); }
    const SnapshotStager& stager() const { return stager_; }
    core::NodeId self() const { return gate_.self(); }

  private:
    grpc::ServerUnaryReactor* unary(grpc::CallbackServerContext* ctx,
                                    const pb::PeerMessage* request);

    const PeerGate& gate_;
    Deliver deliver_;
    SnapshotStager stager_;
    std::atomic<std::uint64_t> refused_{0};
    std::mutex warn_mu_;
    std::map<std::string, std::int64_t> last_warn_ms_;  // by cluster/sender
};

}  // namespace raftlab::net
