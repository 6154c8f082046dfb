// The key-value commands a client proposes: the payload inside
// core::Entry::data for EntryType::Normal. A compact binary encoding with no
// protobuf, so the core, the simulator and storage agree without gRPC.
//
// Layout (all integers big-endian):
//   u8  version (= 1)
//   u8  type (1 = Put, 2 = Delete, 3 = CompareAndSwap)
//   u32 key length, key bytes
//   Put:            u32 value length, value bytes
//   CompareAndSwap: u8 expect_present (0 = the key must be absent),
//                   [u32 expected length, expected bytes if present],
//                   u32 value length, value bytes
// Decoding rejects trailing bytes, lengths past the end and unknown types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace raftlab::storage {

enum class CommandType : std::uint8_t {
    Put = 1,
    Delete = 2,
    CompareAndSwap = 3,
};

const char* to_string(CommandType type);

struct Command {
    CommandType type = CommandType::Put;
    std::string key;
    std::string value;  // Put and CompareAndSwap: the new value
    // CompareAndSwap only: the value the key must hold for the swap to happen;
    // nullopt means "the key must be absent" (create-if-absent).
    std::optional<std::string> expected;

    static Command put(std::string key, std::string value);
    static Command del(std::string key);
    static Command cas(std::string key, std::optional<std::string> expected, std::string value);

    friend bool operator==(const Command&, const Command&) = default;
};

// The outcome of applying one command (or one non-command entry).
struct CommandResult {
    // Put/Delete: always true. CompareAndSwap: whether the swap happened.
    // False also for an entry whose payload does not decode (see error).
    bool succeeded = true;
    // The value before the command (Put/Delete/CAS); nullopt if absent. For a
    // failed CAS this is the current value, so the caller can retry.
    std::optional<std::string> previous;
    // Non-empty if the entry's payload was not a valid command. The entry is
    // still counted as applied (every replica skips it the same way).
    std::string error;

    friend bool operator==(const CommandResult&, const CommandResult&) = default;
};

std::string encode_command(const Command& command);

// nullopt on malformed input; `error` (if given) says what was wrong.
std::optional<Command> decode_command(std::string_view bytes, std::string* error = nullptr);

}  // namespace raftlab::storage
