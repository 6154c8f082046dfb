// The KV gRPC service (kv.proto) on the callback API: each call becomes a
// Node operation whose callback finishes the RPC. No thread per request.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>

#include "engine/proto/kv.pb.h"
#include "engine/server/node.h"

namespace raftlab::server {

std::unique_ptr<grpc::Service> make_kv_service(Node& node);

// Fills a wire error from a node error (shared with the cluster service).
void to_proto(const OpError& in, pb::Error* out);

}  // namespace raftlab::server
