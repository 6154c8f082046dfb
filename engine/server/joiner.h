// The joining side of JoinCluster (scale-out guide, step 2; issue 4). A node
// started on an empty data dir whose own initial_cluster entry is a Learner
// asks the nodes listed in its file to add it. It follows NOT_LEADER hints,
// and until the leader's configuration change reaches it, it retries with a
// backoff and says in its log why it is not in yet: the leader is
// unreachable (naming the addresses tried), there is no leader, another
// configuration change is in progress, or the cluster refused it (cluster id
// mismatch, id taken with another address).
#pragma once

#include <grpcpp/security/credentials.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/core/types.h"

namespace raftlab::server {

struct JoinRequest {
    core::NodeId self = core::kNoNode;
    std::string address;  // as this node's own initial_cluster entry gives it
    std::string cluster_id;
    core::NodeStatus status = core::NodeStatus::Promotable;
    std::vector<std::string> seeds;  // dialable addresses of the other listed nodes
    // [tls]: the same credentials as the node's peer links; null for plaintext.
    std::shared_ptr<grpc::ChannelCredentials> credentials;
};

class Joiner {
  public:
    // `joined` says whether this node already sees itself in the cluster's
    // configuration (the leader's entry or snapshot arrived).
    Joiner(JoinRequest request, std::function<bool()> joined);
    ~Joiner();
    Joiner(const Joiner&) = delete;
    Joiner& operator=(const Joiner&) = delete;

  private:
    void run();
    // One round over the seeds; true when the leader accepted the request.
    bool attempt(std::string* why);

    JoinRequest request_;
    std::function<bool()> joined_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace raftlab::server
