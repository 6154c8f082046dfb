#include "engine/server/lab_listener.h"

#include "engine/config/config.h"
#include "engine/server/listen_probe.h"
#include "engine/server/node.h"

namespace raftlab::server {
namespace {

bool loopback(const std::string& address) {
    auto hp = config::parse_host_port(address);
    return hp && config::is_loopback_host(hp->host);
}

}  // namespace

LabEndpoints plan_lab_endpoints(const std::string& listen_address, const std::string& lab_address) {
    LabEndpoints out;
    out.on_listen_address = loopback(listen_address);
    if (lab_address.empty()) {
        if (!out.on_listen_address) {
            throw NodeError(
                "--lab serves the Lab service (faults, clock control) on listen_address " +
                listen_address +
                ", which is not a loopback address; the lab plane binds only to 127.0.0.0/8 or "
                "::1. Give it a loopback listener of its own with --lab-address 127.0.0.1:PORT "
                "(or [lab] address = \"127.0.0.1:PORT\"), use a loopback listen_address, or run "
                "without --lab");
        }
        return out;
    }
    if (!config::parse_host_port(lab_address)) {
        throw NodeError("lab address '" + lab_address +
                        "' is not host:port; write it like --lab-address 127.0.0.1:19081");
    }
    if (!loopback(lab_address)) {
        throw NodeError("lab address " + lab_address +
                        " is not a loopback address; the Lab service (faults, clock control, no "
                        "authentication) binds only to 127.0.0.0/8 or ::1. Use --lab-address "
                        "127.0.0.1:PORT");
    }
    if (config::dial_address(lab_address) == config::dial_address(listen_address)) {
        throw NodeError("lab address " + lab_address + " is the node's own listen_address " +
                        listen_address +
                        "; give the Lab service a port of its own (e.g. 127.0.0.1:19081 for a "
                        "node on 9081) or leave --lab-address out to serve Lab on the listen "
                        "address");
    }
    if (auto error = probe_listen(lab_address); !error.empty()) {
        // The probe speaks of listen_address; here the fix is the lab's own.
        for (auto at = error.find("listen_address"); at != std::string::npos;
             at = error.find("listen_address", at + 1)) {
            error.replace(at, 14, "--lab-address");
        }
        throw NodeError("Lab service: " + error);
    }
    out.own_address = lab_address;
    return out;
}

std::unique_ptr<grpc::Server> start_lab_server(
    const std::string& address, const std::vector<std::unique_ptr<grpc::Service>>& services,
    int max_message_bytes, std::string* bound) {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    builder.SetMaxReceiveMessageSize(max_message_bytes);
    builder.SetMaxSendMessageSize(max_message_bytes);
    builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port);
    for (const auto& s : services)
        builder.RegisterService(s.get());
    auto server = builder.BuildAndStart();
    if (!server || port == 0) {
        throw NodeError("cannot serve the Lab service on " + address +
                        ": gRPC could not bind it (in use?); choose another --lab-address");
    }
    *bound = address;
    auto hp = config::parse_host_port(address);
    if (hp && hp->port == 0) {
        *bound = (hp->host.find(':') != std::string::npos ? "[" + hp->host + "]" : hp->host) + ":" +
                 std::to_string(port);
    }
    return server;
}

}  // namespace raftlab::server
