// A gRPC client for a Raft Lab cluster, used by raftlab-ctl, the node tests
// and the failover benchmark. It follows NOT_LEADER hints, retries while an
// election is in progress, and moves on to the next endpoint when one is
// unreachable, all within one overall deadline per call.
#pragma once

#include <grpcpp/security/credentials.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/proto/cluster.grpc.pb.h"
#include "engine/proto/kv.grpc.pb.h"
#include "engine/server/client_types.h"

namespace raftlab::api {

using server::ChangeResult;
using server::Code;
using server::Consistency;
using server::KeyValue;
using server::OpError;
using server::ReadResult;
using server::WriteResult;

struct RemoteOptions {
    // Overall time one call may take, redirects and retries included.
    std::chrono::milliseconds timeout{5000};
    // Time one RPC attempt may take before the next endpoint is tried.
    std::chrono::milliseconds attempt_timeout{1000};
    // TLS (docs/security.md): net::channel_credentials(&net::load_client_tls(...)).
    // Null: plaintext.
    std::shared_ptr<grpc::ChannelCredentials> credentials;
};

struct NodeStatus {
    std::string endpoint;
    OpError error;  // Unavailable if the node did not answer
    pb::StatusResponse status;
};

class RemoteClient {
  public:
    explicit RemoteClient(std::vector<std::string> endpoints, RemoteOptions options = {});

    WriteResult put(const std::string& key, const std::string& value);
    WriteResult del(const std::string& key);
    WriteResult compare_and_swap(const std::string& key, std::optional<std::string> expected,
                                 const std::string& value);
    // `node`: ask this endpoint only (no redirects), e.g. an eventual read of
    // one particular node.
    ReadResult get(const std::string& key, Consistency consistency = Consistency::Linearizable,
                   const std::optional<std::string>& node = std::nullopt);
    ReadResult scan(const std::string& prefix, std::uint32_t limit = 0,
                    Consistency consistency = Consistency::Linearizable,
                    const std::optional<std::string>& node = std::nullopt);

    // Status of one endpoint, or of every endpoint given.
    NodeStatus status(const std::string& endpoint);
    std::vector<NodeStatus> status_all();

    ChangeResult promote(core::NodeId id);
    ChangeResult remove(core::NodeId id);
    ChangeResult transfer_leader(core::NodeId id);
    // Members as the leader (or any reachable node) reports them.
    ChangeResult members(core::NodeId* leader = nullptr);

    const std::vector<std::string>& endpoints() const { return endpoints_; }
    // The endpoint the last successful call went to (the leader, for writes).
    std::string last_endpoint() const;

  private:
    struct Stubs {
        std::shared_ptr<grpc::Channel> channel;
        std::unique_ptr<pb::KV::Stub> kv;
        std::unique_ptr<pb::Cluster::Stub> cluster;
    };
    // Shared so that a channel dropped by one thread stays alive for a call
    // another thread is making on it.
    std::shared_ptr<Stubs> stubs(const std::string& endpoint);

    // Runs `attempt` against the preferred endpoint, following hints and
    // retrying retryable errors until the deadline. `attempt` returns the
    // gRPC status and fills the node's error.
    template <typename Attempt>
    OpError run(Attempt attempt, bool idempotent, const std::optional<std::string>& only);

    // One membership RPC (PromoteLearner, RemoveNode, TransferLeader): all
    // answer a ChangeResponse and are not retried blindly (not idempotent).
    template <typename Request, typename Method>
    ChangeResult change(const Request& req, Method method);

    std::vector<std::string> endpoints_;
    RemoteOptions options_;
    mutable std::mutex mu_;
    std::map<std::string, std::shared_ptr<Stubs>> stubs_;
    std::string preferred_;
};

// "127.0.0.1:9081,127.0.0.1:9082" -> list (spaces ignored).
std::vector<std::string> split_endpoints(const std::string& text);

}  // namespace raftlab::api
