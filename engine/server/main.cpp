// raftlab-node: one Raft key-value server process.
//   raftlab-node --config n1.toml [--lab [--lab-address 127.0.0.1:19081]]
// SIGTERM / SIGINT stop it cleanly; kill -9 loses nothing that was acknowledged.
#include <signal.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "engine/config/config.h"
#include "engine/net/grpc_log.h"
#include "engine/server/node.h"

int main(int argc, char** argv) {
    CLI::App app{"raftlab-node: a Raft key-value server (gRPC + RocksDB)"};
    std::string config_path;
    bool lab = false;
    std::string log_level = "info";
    app.add_option("--config", config_path, "TOML config file (see docs/cli.md)")->required();
    std::string lab_address;
    app.add_flag("--lab", lab, "expose the lab service (loopback only)");
    app.add_option("--lab-address", lab_address,
                   "serve the lab service on this loopback host:port of its own (implies --lab; "
                   "needed when listen_address is not loopback, e.g. 0.0.0.0)");
    bool log_values = false;
    app.add_flag("--log-values", log_values,
                 "debugging only: log each client write's key and value (off by default: user "
                 "data stays out of the logs, docs/security.md)");
    app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
        ->capture_default_str()
        // An unknown level must not silently mean "info" (docs/bad-input.md).
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
    CLI11_PARSE(app, argc, argv);

    // Logs go to stdout, flushed per line, so a killed node's last words survive.
    auto logger = spdlog::stdout_logger_mt("raftlab");
    spdlog::set_default_logger(logger);
    spdlog::set_pattern("%H:%M:%S.%e %^%-5l%$ %v");
    spdlog::set_level(spdlog::level::from_str(log_level));
    spdlog::flush_on(spdlog::level::trace);
    raftlab::net::route_grpc_log();  // rate-limited: no handshake-failure storms

    // Block the stop signals in every thread; main waits for them below.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    std::unique_ptr<raftlab::server::Node> node;
    try {
        raftlab::server::NodeOptions options;
        options.config = raftlab::config::load_node_config(config_path);
        options.lab = lab || !lab_address.empty();
        options.lab_address = lab_address;
        options.log_values = log_values;
        node = raftlab::server::Node::start(std::move(options));
    } catch (const std::exception& e) {
        // One line on stderr: what failed, with which value, and what to do.
        std::fprintf(stderr, "raftlab-node: %s\n", e.what());
        return 1;
    }

    int sig = 0;
    sigwait(&stop_signals, &sig);
    spdlog::info("[Node {}] received {}, stopping", node->id(),
                 sig == SIGTERM ? "SIGTERM" : "SIGINT");
    node->stop();
    return 0;
}
