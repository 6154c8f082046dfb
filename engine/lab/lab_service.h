// The Lab gRPC service (engine/proto/lab.proto), callback API: a Watch
// stream never holds a server thread while it waits for events.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>

#include "engine/lab/lab_plane.h"
#include "engine/proto/lab.grpc.pb.h"

namespace raftlab::lab {

// What the service needs from the node besides the LabPlane.
struct LabHost {
    std::function<void(const pb::ReadLogRequest&, pb::ReadLogResponse*)> read_log;
};

std::unique_ptr<grpc::Service> make_lab_service(LabPlane& plane, LabHost host);

// Lab.SetLinkRules' LinkRule -> netem rules, or an error sentence naming the
// bad field.
std::string to_rules(const pb::LinkRule& in, struct netem::Rules* out);

}  // namespace raftlab::lab
