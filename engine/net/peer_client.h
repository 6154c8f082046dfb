// The sending half of one directed link: this node -> one peer.
//
// send() never blocks the raft loop: it appends to a bounded queue that a
// sender thread drains. AppendEntries, heartbeats and every response go, in
// order and pipelined, on one long-lived client stream; votes and TimeoutNow
// are unary calls; a snapshot streams on its own thread so heartbeats keep
// flowing while a large image is in transit. When the queue is full a message
// is dropped: Raft tolerates message loss and the leader retransmits (§5.3).
#pragma once

#include <grpcpp/security/credentials.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "engine/core/types.h"
#include "engine/net/snapshot_io.h"
#include "engine/proto/raft.grpc.pb.h"

namespace raftlab::net {

struct PeerClientOptions {
    core::NodeId self = core::kNoNode;
    core::NodeId peer = core::kNoNode;
    std::string address;
    std::string cluster_id;
    std::size_t max_queued = 4096;
    std::size_t snapshot_chunk_bytes = 1 << 20;
    // TLS for the link (net/tls.h); null for plaintext.
    std::shared_ptr<grpc::ChannelCredentials> credentials;
};

class PeerClient {
  public:
    PeerClient(PeerClientOptions options, SnapshotOpener opener);
    ~PeerClient();
    PeerClient(const PeerClient&) = delete;
    PeerClient& operator=(const PeerClient&) = delete;

    void send(core::Message msg);
    const std::string& address() const { return options_.address; }

    std::uint64_t dropped() const;

    // The link is cut (lab): cancel whatever call is open to this peer, as a
    // dead network would fail it. The next message after the cut heals opens
    // a fresh stream on the same channel, which is the recovery path the lab
    // tests.
    void sever();

  private:
    void run();
    // Every message to this peer leaves through here, exactly once: the one
    // place where link emulation (netem: delay, loss, cut in lab time, issue 5)
    // will hook in.
    void transmit(const core::Message& msg);
    void transmit_stream(const pb::PeerMessage& pm);
    void transmit_unary(const core::Message& msg, const pb::PeerMessage& pm);
    void start_snapshot(const core::Message& msg);
    void stream_snapshot(core::Message msg);
    void close_stream();
    void warn_unreachable(const std::string& what, const grpc::Status& status);

    PeerClientOptions options_;
    SnapshotOpener opener_;
    std::shared_ptr<grpc::Channel> channel_;
    std::unique_ptr<pb::RaftPeer::Stub> stub_;

    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<core::Message> queue_;
    bool stopping_ = false;
    std::uint64_t dropped_ = 0;
    grpc::ClientContext* active_ctx_ = nullptr;  // to cancel a blocked call at stop
    grpc::ClientContext* snapshot_ctx_ = nullptr;

    // Owned by the sender thread.
    std::unique_ptr<grpc::ClientContext> stream_ctx_;
    std::unique_ptr<grpc::ClientWriter<pb::PeerMessage>> stream_;
    pb::PeerAck stream_ack_;
    std::int64_t last_warn_ms_ = 0;

    std::thread snapshot_thread_;
    bool snapshot_running_ = false;  // guarded by mu_
    std::thread thread_;
};

}  // namespace raftlab::net
