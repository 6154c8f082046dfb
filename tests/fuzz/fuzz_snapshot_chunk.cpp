// libFuzzer target: decoding snapshot chunks as they arrive from the network
// (engine/storage/chunk.cpp) and the key/value records inside a payload (the
// loop SnapshotWriter::accept runs), plus the storage codecs that read bytes
// back from RocksDB (entries, hard state, membership, snapshot meta), which a
// damaged data directory can hand to them.
//
// Properties: no crash; a chunk that decodes re-encodes to the same bytes
// and passes its checksum; a payload length above kMaxChunkBytes is refused.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/storage/codec.h"
#include "engine/storage/storage.h"
#include "tests/fuzz/fuzz_check.h"

namespace storage = raftlab::storage;
namespace codec = raftlab::storage::codec;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    std::string error;
    if (auto c = storage::decode_chunk(bytes, &error)) {
        raftlab::fuzz::require(c->crc_ok(), "a decoded chunk fails its own checksum");
        raftlab::fuzz::require(c->payload.size() <= storage::kMaxChunkBytes,
                               "a decoded chunk is over the cap");
        raftlab::fuzz::require(storage::encode_chunk(*c) == bytes,
                               "decode then encode does not give the same bytes");
        codec::Reader in(c->payload);
        while (!in.done()) {
            std::string_view key, value;
            if (!in.bytes_view(key) || !in.bytes_view(value)) break;
        }
    } else {
        raftlab::fuzz::require(!error.empty(), "a refused chunk without a reason");
    }

    // The same bytes through each codec a damaged RocksDB could feed.
    if (auto e = codec::decode_entry(bytes)) (void)codec::encode(*e);
    if (auto h = codec::decode_hard_state(bytes)) (void)codec::encode(*h);
    if (auto m = codec::decode_membership(bytes)) (void)codec::encode(*m);
    if (auto s = codec::decode_snapshot_meta(bytes)) (void)codec::encode(*s);
    if (size >= 8) (void)codec::decode_u64_key(bytes.substr(0, 8));
    return 0;
}
