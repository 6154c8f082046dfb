#include "tests/sim/sim_trace.h"

#include <cstdio>

namespace raftlab::sim {

std::string json_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    for (char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
    return out;
}

TraceLine::TraceLine(std::int64_t t_ms, std::uint64_t node, std::string_view kind) {
    text_ = "{\"t\":" + std::to_string(t_ms) + ",\"t_ns\":" + std::to_string(t_ms * 1000000) +
            ",\"node\":" + std::to_string(node) + ",\"kind\":\"" + json_escape(kind) + "\"";
}

void TraceLine::key(std::string_view k) {
    text_ += ",\"";
    text_ += k;
    text_ += "\":";
}

TraceLine& TraceLine::str(std::string_view k, std::string_view value) {
    key(k);
    text_ += '"';
    text_ += json_escape(value);
    text_ += '"';
    return *this;
}

TraceLine& TraceLine::num(std::string_view k, std::int64_t value) {
    key(k);
    text_ += std::to_string(value);
    return *this;
}

TraceLine& TraceLine::unum(std::string_view k, std::uint64_t value) {
    key(k);
    text_ += std::to_string(value);
    return *this;
}

TraceLine& TraceLine::null(std::string_view k) {
    key(k);
    text_ += "null";
    return *this;
}

TraceLine& TraceLine::flag(std::string_view k, bool value) {
    key(k);
    text_ += value ? "true" : "false";
    return *this;
}

}  // namespace raftlab::sim
