// host:port parsing and the wildcard-to-loopback rule used when dialing.
#include <charconv>

#include "engine/config/config.h"

namespace raftlab::config {

std::optional<HostPort> parse_host_port(std::string_view address) {
    HostPort out;
    std::string_view port_text;
    if (!address.empty() && address.front() == '[') {
        // "[v6]:port": the brackets keep the address's own colons apart.
        const auto close = address.find(']');
        if (close == std::string_view::npos || close + 1 >= address.size() ||
            address[close + 1] != ':') {
            return std::nullopt;
        }
        out.host = std::string(address.substr(1, close - 1));
        port_text = address.substr(close + 2);
    } else {
        const auto colon = address.rfind(':');
        if (colon == std::string_view::npos) return std::nullopt;
        out.host = std::string(address.substr(0, colon));
        // An unbracketed IPv6 address is ambiguous: refuse it.
        if (out.host.find(':') != std::string::npos) return std::nullopt;
        port_text = address.substr(colon + 1);
    }
    if (out.host.empty() || port_text.empty() || port_text.size() > 5) return std::nullopt;
    for (char c : out.host) {
        if (c == ' ' || c == '\t' || c == '/' || c == '[' || c == ']') return std::nullopt;
    }
    unsigned port = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
        return std::nullopt;
    }
    out.port = static_cast<std::uint16_t>(port);
    return out;
}

std::string dial_address(std::string_view address) {
    const auto hp = parse_host_port(address);
    if (!hp) return std::string(address);
    // A wildcard is where a server listens, not a place to connect to; the
    // guide's files use 0.0.0.0 for both, meaning "this host".
    if (hp->host == "0.0.0.0" || hp->host == "::") {
        return "127.0.0.1:" + std::to_string(hp->port);
    }
    return std::string(address);
}

bool is_loopback_host(std::string_view host) {
    if (host == "localhost" || host == "::1") return true;
    // 127.0.0.0/8: four dotted decimal octets, the first one 127.
    int octets = 0;
    std::size_t pos = 0;
    while (pos <= host.size()) {
        const auto dot = host.find('.', pos);
        const auto part =
            host.substr(pos, dot == std::string_view::npos ? host.size() - pos : dot - pos);
        unsigned value = 0;
        const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
        if (part.empty() || part.size() > 3 || ec != std::errc() ||
            end != part.data() + part.size() || value > 255) {
            return false;
        }
        if (octets == 0 && value != 127) return false;
        ++octets;
        if (dot == std::string_view::npos) break;
        pos = dot + 1;
    }
    return octets == 4;
}

}  // namespace raftlab::config
