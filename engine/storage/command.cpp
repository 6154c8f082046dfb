#include "engine/storage/command.h"

#include "engine/storage/codec.h"

namespace raftlab::storage {

namespace {
constexpr std::uint8_t kCommandVersion = 1;
}  // namespace

const char* to_string(CommandType type) {
    switch (type) {
        case CommandType::Put:
            return "Put";
        case CommandType::Delete:
            return "Delete";
        case CommandType::CompareAndSwap:
            return "CompareAndSwap";
    }
    return "Unknown";
}

Command Command::put(std::string key, std::string value) {
    return {CommandType::Put, std::move(key), std::move(value), std::nullopt};
}

Command Command::del(std::string key) {
    return {CommandType::Delete, std::move(key), {}, std::nullopt};
}

Command Command::cas(std::string key, std::optional<std::string> expected, std::string value) {
    return {CommandType::CompareAndSwap, std::move(key), std::move(value), std::move(expected)};
}

std::string encode_command(const Command& c) {
    std::string out;
    out.reserve(c.key.size() + c.value.size() + (c.expected ? c.expected->size() : 0) + 16);
    codec::put_u8(out, kCommandVersion);
    codec::put_u8(out, static_cast<std::uint8_t>(c.type));
    codec::put_bytes(out, c.key);
    switch (c.type) {
        case CommandType::Put:
            codec::put_bytes(out, c.value);
            break;
        case CommandType::Delete:
            break;
        case CommandType::CompareAndSwap:
            codec::put_u8(out, c.expected ? 1 : 0);
            if (c.expected) codec::put_bytes(out, *c.expected);
            codec::put_bytes(out, c.value);
            break;
    }
    return out;
}

std::optional<Command> decode_command(std::string_view bytes, std::string* error) {
    auto bad = [error](const char* why) -> std::optional<Command> {
        if (error) *error = why;
        return std::nullopt;
    };
    codec::Reader in(bytes);
    std::uint8_t version = 0, type = 0;
    Command c;
    if (!in.u8(version)) return bad("empty command");
    if (version != kCommandVersion) return bad("unknown command version");
    if (!in.u8(type)) return bad("command type missing");
    if (!in.bytes(c.key)) return bad("key length past the end");
    switch (type) {
        case static_cast<std::uint8_t>(CommandType::Put):
            c.type = CommandType::Put;
            if (!in.bytes(c.value)) return bad("value length past the end");
            break;
        case static_cast<std::uint8_t>(CommandType::Delete):
            c.type = CommandType::Delete;
            break;
        case static_cast<std::uint8_t>(CommandType::CompareAndSwap): {
            c.type = CommandType::CompareAndSwap;
            std::uint8_t present = 0;
            if (!in.u8(present) || present > 1) {
                return bad("bad expect_present flag");
            }
            if (present) {
                std::string expected;
                if (!in.bytes(expected)) {
                    return bad("expected length past the end");
                }
                c.expected = std::move(expected);
            }
            if (!in.bytes(c.value)) return bad("value length past the end");
            break;
        }
        default:
            return bad("unknown command type");
    }
    if (!in.done()) return bad("trailing bytes after command");
    return c;
}

}  // namespace raftlab::storage
