// gRPC channels with short reconnect backoff: gRPC's default backoff grows to
// two minutes, which would keep a restarted peer unreached long after it is
// back. Raft needs it reached within a heartbeat or two.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

namespace raftlab::net {

// `credentials`: null for plaintext; TLS ones from net/tls.h otherwise.
std::shared_ptr<grpc::Channel> make_channel(
    const std::string& address, std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr);

}  // namespace raftlab::net
