// Snapshot chunk framing. Decoding is defensive: it runs on bytes from the
// network, so every length is checked against what is left and against
// kMaxChunkBytes before anything is allocated.
#include "engine/storage/codec.h"
#include "engine/storage/storage.h"

namespace raftlab::storage {
namespace {

constexpr std::string_view kMagic = "RLSC";
constexpr std::uint8_t kChunkVersion = 1;
constexpr std::size_t kHeaderBytes = 4 + 1 + 8 + 1 + 4;

std::string header(const SnapshotChunk& c) {
    std::string out(kMagic);
    codec::put_u8(out, kChunkVersion);
    codec::put_u64(out, c.seq);
    codec::put_u8(out, c.last ? 1 : 0);
    codec::put_u32(out, static_cast<std::uint32_t>(c.payload.size()));
    return out;
}

std::uint32_t checksum(const SnapshotChunk& c) {
    return crc32c(c.payload, crc32c(header(c)));
}

}  // namespace

void SnapshotChunk::seal() {
    crc = checksum(*this);
}

bool SnapshotChunk::crc_ok() const {
    return crc == checksum(*this);
}

std::string encode_chunk(const SnapshotChunk& chunk) {
    std::string out = header(chunk);
    out.reserve(out.size() + chunk.payload.size() + 4);
    out.append(chunk.payload);
    codec::put_u32(out, chunk.crc);
    return out;
}

std::optional<SnapshotChunk> decode_chunk(std::string_view bytes, std::string* error) {
    auto bad = [error](const std::string& why) -> std::optional<SnapshotChunk> {
        if (error) *error = why;
        return std::nullopt;
    };
    if (bytes.size() < kHeaderBytes + 4) return bad("chunk shorter than its header");
    if (bytes.substr(0, 4) != kMagic) return bad("not a snapshot chunk (bad magic)");
    codec::Reader in(bytes.substr(4));
    std::uint8_t version = 0, last = 0;
    std::uint32_t length = 0, crc = 0;
    SnapshotChunk c;
    in.u8(version);
    in.u64(c.seq);
    in.u8(last);
    in.u32(length);
    if (version != kChunkVersion) return bad("unknown chunk version " + std::to_string(version));
    if (last > 1) return bad("bad last flag");
    if (length > kMaxChunkBytes) {
        return bad("payload of " + std::to_string(length) + " bytes exceeds the cap of " +
                   std::to_string(kMaxChunkBytes));
    }
    if (in.remaining() != std::size_t(length) + 4) {
        return bad("chunk length " + std::to_string(length) + " does not match the " +
                   std::to_string(in.remaining()) + " bytes that follow the header");
    }
    c.last = last == 1;
    c.payload.assign(bytes.substr(kHeaderBytes, length));
    codec::Reader tail(bytes.substr(kHeaderBytes + length));
    tail.u32(crc);
    c.crc = crc;
    if (!c.crc_ok()) return bad("checksum mismatch in chunk " + std::to_string(c.seq));
    return c;
}

}  // namespace raftlab::storage
