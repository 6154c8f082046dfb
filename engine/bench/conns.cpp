#include "engine/bench/conns.h"

#include <chrono>
#include <thread>

namespace raftlab::bench {
namespace {

const char* code_name(grpc::StatusCode code) {
    switch (code) {
        case grpc::StatusCode::CANCELLED:
            return "CANCELLED";
        case grpc::StatusCode::DEADLINE_EXCEEDED:
            return "DEADLINE_EXCEEDED";
        case grpc::StatusCode::UNAVAILABLE:
            return "UNAVAILABLE";
        case grpc::StatusCode::RESOURCE_EXHAUSTED:
            return "RESOURCE_EXHAUSTED";
        case grpc::StatusCode::UNIMPLEMENTED:
            return "UNIMPLEMENTED";
        case grpc::StatusCode::INVALID_ARGUMENT:
            return "INVALID_ARGUMENT";
        case grpc::StatusCode::FAILED_PRECONDITION:
            return "FAILED_PRECONDITION";
        default:
            return "ERROR";
    }
}

}  // namespace

std::shared_ptr<grpc::Channel> make_bench_channel(const std::string& endpoint, int index) {
    grpc::ChannelArguments args;
    // A distinct argument per channel plus a local subchannel pool: gRPC
    // would otherwise share one TCP connection among equal channels, and
    // --conns would mean nothing.
    args.SetInt("raftlab.bench.conn", index);
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetMaxReceiveMessageSize(64 << 20);
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    return grpc::CreateCustomChannel(endpoint, grpc::InsecureChannelCredentials(), args);
}

std::vector<std::shared_ptr<grpc::Channel>> make_conns(const std::vector<std::string>& endpoints,
                                                       std::size_t n) {
    std::vector<std::shared_ptr<grpc::Channel>> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(make_bench_channel(endpoints[i % endpoints.size()], static_cast<int>(i)));
    }
    return out;
}

std::string describe(const grpc::Status& status) {
    return std::string("gRPC ") + code_name(status.error_code()) + ": " + status.error_message();
}

std::string wait_for_leader(const std::function<std::string(std::string*)>& find_leader,
                            std::string* error) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    do {
        std::string leader = find_leader(error);
        if (!leader.empty()) {
            error->clear();
            return leader;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } while (std::chrono::steady_clock::now() < deadline);
    return {};
}

}  // namespace raftlab::bench
