// gRPC channels for the benchmark: `n` channels, each its own TCP
// connection, spread round-robin over the endpoints.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

namespace raftlab::bench {

std::shared_ptr<grpc::Channel> make_bench_channel(const std::string& endpoint, int index);

std::vector<std::shared_ptr<grpc::Channel>> make_conns(const std::vector<std::string>& endpoints,
                                                       std::size_t n);

// "gRPC UNAVAILABLE: connection refused" for an error line.
std::string describe(const grpc::Status& status);

}  // namespace raftlab::bench
