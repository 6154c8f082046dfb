#include "engine/server/listen_probe.h"

#include <fmt/format.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/config/config.h"

namespace raftlab::server {

std::string probe_listen(const std::string& address) {
    auto hp = config::parse_host_port(address);
    if (!hp) {
        return fmt::format("listen_address '{}' is not host:port; write it like \"127.0.0.1:9081\"",
                           address);
    }
    if (hp->port == 0) return {};  // any free port: nothing to collide with
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* res = nullptr;
    std::string port = std::to_string(hp->port);
    int rc = getaddrinfo(hp->host.empty() ? nullptr : hp->host.c_str(), port.c_str(), &hints, &res);
    if (rc != 0) {
        return fmt::format(
            "cannot resolve listen_address '{}': {}; use an IP address of this "
            "machine",
            address, gai_strerror(rc));
    }
    std::string error;
    for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
        int fd = ::socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) continue;
        int one = 1;
        // gRPC sets SO_REUSEADDR too, so a port in TIME_WAIT is not "in use".
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            int err = errno;
            if (err == EADDRINUSE) {
                error = fmt::format(
                    "cannot listen on {}: port {} is already in use (another raftlab-node, or "
                    "another program, holds it); stop that process or choose another port in "
                    "listen_address",
                    address, hp->port);
            } else {
                error = fmt::format(
                    "cannot listen on {}: {}; check that the address belongs to "
                    "this machine",
                    address, std::strerror(err));
            }
        }
        ::close(fd);
        break;
    }
    freeaddrinfo(res);
    return error;
}

}  // namespace raftlab::server
