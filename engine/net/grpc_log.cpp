#include "engine/net/grpc_log.h"

#include <grpc/support/log.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace raftlab::net {
namespace {

constexpr auto kWindow = std::chrono::seconds(10);

struct Seen {
    std::chrono::steady_clock::time_point last;
    std::uint64_t held = 0;
};

std::mutex mu;
std::map<std::string, Seen> seen;  // by gRPC source file:line (a bounded set)

void forward(gpr_log_func_args* args) {
    const std::string where =
        std::string(args->file ? args->file : "?") + ":" + std::to_string(args->line);
    const auto now = std::chrono::steady_clock::now();
    std::uint64_t held = 0;
    {
        std::lock_guard lock(mu);
        auto [it, fresh] = seen.try_emplace(where);
        if (!fresh && now - it->second.last < kWindow) {
            ++it->second.held;
            return;
        }
        held = it->second.held;
        it->second = Seen{now, 0};
    }
    const std::string suffix =
        held ? " (" + std::to_string(held) + " more like this in the last 10 s)" : std::string();
    switch (args->severity) {
        case GPR_LOG_SEVERITY_ERROR:
            spdlog::warn("gRPC: {}{}", args->message, suffix);
            break;
        case GPR_LOG_SEVERITY_INFO:
            spdlog::info("gRPC: {}{}", args->message, suffix);
            break;
        default:
            spdlog::debug("gRPC: {}{}", args->message, suffix);
            break;
    }
}

}  // namespace

void route_grpc_log() {
    gpr_set_log_function(forward);
}

}  // namespace raftlab::net
