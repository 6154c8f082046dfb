// gRPC channels to lab nodes. Nodes start, die and restart all the time in
// the lab, and gRPC's default reconnect backoff (1 s growing by 1.6x) would
// hide a node that came back for seconds: the first poll of a node that is
// not listening yet would delay every later one by 1 + 1.6 + 2.6 s. On
// loopback a short, capped backoff costs nothing.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

namespace raftlab::scenario {

inline std::shared_ptr<grpc::Channel> lab_channel(const std::string& address) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
    // gRPC also uses this as the connect timeout of one attempt: a small
    // value makes every connect on a busy machine fail ("handshaker
    // shutdown"), so keep it generous.
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 2000);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 250);
    // One channel per caller: workload clients must not share a connection
    // (and its queue) with the observer.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

}  // namespace raftlab::scenario
