// gRPC channels for the benchmark: `n` channels, each its own TCP
// connection, spread round-robin over the endpoints.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace raftlab::bench {

std::shared_ptr<grpc::Channel> make_bench_channel(const std::string& endpoint, int index);

std::vector<std::shared_ptr<grpc::Channel>> make_conns(const std::vector<std::string>& endpoints,
                                                       std::size_t n);

// "gRPC UNAVAILABLE: connection refused" for an error line.
std::string describe(const grpc::Status& status);

// --target-leader: asks find_leader until it names the leader's endpoint or
// 10 s pass (an election may be finishing just as the benchmark starts).
// Empty, with find_leader's last error in *error, if none was found.
std::string wait_for_leader(const std::function<std::string(std::string*)>& find_leader,
                            std::string* error);

}  // namespace raftlab::bench
