// Checks that the listen address can be bound before anything else starts, so
// "port in use" is one clear line instead of a gRPC failure deep in start-up.
#pragma once

#include <string>

namespace raftlab::server {

// Empty if `address` (host:port) can be bound now; otherwise what failed and
// what to do.
std::string probe_listen(const std::string& address);

}  // namespace raftlab::server
