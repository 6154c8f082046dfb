// Where the Lab service listens (--lab, issue 5). The Lab service has no
// authentication and can freeze a node or cut its links, so it is served only
// on loopback:
//   - on the node's own listen_address, next to KV and Cluster, when that
//     address is a loopback one (the runner's and the GUI's clusters);
//   - on a loopback listener of its own (--lab-address or [lab] address),
//     which must be a loopback address. This is how a node that listens on
//     0.0.0.0 (the scale-out guide's files) can still be watched and driven.
//     KV and Cluster are served there too (unless the node has [tls]), so a
//     viewer that attached to the lab address can also act as a client; the
//     peer service is not.
// Both can be true at once; a lab address outside loopback is refused at
// start with the fix in the message.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

namespace raftlab::server {

struct LabEndpoints {
    bool on_listen_address = false;  // serve Lab next to KV and Cluster
    std::string own_address;         // a second, loopback server; empty = none
};

// Decides where Lab is served, or throws NodeError naming the bad address and
// the fix. `lab_address` is --lab-address, else [lab] address, else empty.
LabEndpoints plan_lab_endpoints(const std::string& listen_address, const std::string& lab_address);

// Starts the lab listener's server on `address` with `services` (port 0: any
// free port, resolved in `*bound`) and the node's gRPC message size limit.
// Throws NodeError when it cannot bind.
std::unique_ptr<grpc::Server> start_lab_server(
    const std::string& address, const std::vector<std::unique_ptr<grpc::Service>>& services,
    int max_message_bytes, std::string* bound);

}  // namespace raftlab::server
