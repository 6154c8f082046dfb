// The Cluster gRPC service (cluster.proto): members, status, JoinCluster,
// PromoteLearner, RemoveNode, TransferLeader. Callback API.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>

#include "engine/server/node.h"

namespace raftlab::server {

std::unique_ptr<grpc::Service> make_cluster_service(Node& node);

}  // namespace raftlab::server
