// Binary encodings of the core's types for RocksDB values and keys. Internal
// to engine/storage. Big-endian integers so that encoded u64 keys sort in
// numeric order under RocksDB's bytewise comparator.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/core/types.h"

namespace raftlab::storage::codec {

void put_u8(std::string& out, std::uint8_t v);
void put_u32(std::string& out, std::uint32_t v);
void put_u64(std::string& out, std::uint64_t v);
void put_bytes(std::string& out, std::string_view bytes);  // u32 length + bytes

// Reads from a view, advancing it; every getter fails (returns false) rather
// than reading past the end, so malformed input cannot crash a reader.
class Reader {
  public:
    explicit Reader(std::string_view in) : in_(in) {}
    bool u8(std::uint8_t& v);
    bool u32(std::uint32_t& v);
    bool u64(std::uint64_t& v);
    bool bytes(std::string& v);  // u32 length + bytes
    bool bytes_view(std::string_view& v);
    bool done() const { return in_.empty(); }
    std::size_t remaining() const { return in_.size(); }

  private:
    std::string_view in_;
};

std::string u64_key(std::uint64_t v);  // 8 bytes big-endian
std::uint64_t decode_u64_key(std::string_view key);

std::string encode(const core::Entry& entry);
std::optional<core::Entry> decode_entry(std::string_view bytes);

std::string encode(const core::HardState& hs);
std::optional<core::HardState> decode_hard_state(std::string_view bytes);

void encode_membership(std::string& out, const core::Membership& m);
bool decode_membership(Reader& in, core::Membership& m);
std::string encode(const core::Membership& m);
std::optional<core::Membership> decode_membership(std::string_view bytes);

std::string encode(const core::SnapshotMeta& meta);
std::optional<core::SnapshotMeta> decode_snapshot_meta(std::string_view bytes);

}  // namespace raftlab::storage::codec
