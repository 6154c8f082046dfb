// gRPC's own log lines, routed through spdlog and rate-limited. With TLS, a
// process without a valid certificate that keeps dialling a node makes gRPC
// print one "Handshake failed" line per attempt, several a second: a log
// storm that buries everything else. Each distinct gRPC source line is logged
// the first time, then at most once per 10 s with a count of the ones held
// back. Messages are gRPC's (certificate names, never key material).
#pragma once

namespace raftlab::net {

// Installs the routing for the whole process; call once at start-up.
void route_grpc_log();

}  // namespace raftlab::net
