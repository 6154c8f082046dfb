// Storage's snapshot reader/writer seen through the transport's small
// SnapshotImage / SnapshotStage interfaces (engine/net/snapshot_io.h).
#pragma once

#include <memory>
#include <mutex>

#include "engine/net/snapshot_io.h"
#include "engine/storage/storage.h"

namespace raftlab::server {

// Each chunk yielded is one storage chunk in its own checksummed wire form
// (storage::encode_chunk), so the receiver verifies it twice: the transport's
// CRC of the bytes, and storage's CRC and sequence of the decoded chunk.
std::unique_ptr<net::SnapshotImage> open_snapshot_image(const storage::Storage& store,
                                                        std::size_t chunk_bytes);

// Stages into a fresh storage::SnapshotWriter. On finish() the writer moves
// to `slot` (guarded by `slot_mu`), where it must live until the raft loop
// persists the Ready that installs it.
std::unique_ptr<net::SnapshotStage> stage_snapshot(storage::Storage& store, std::mutex& slot_mu,
                                                   std::unique_ptr<storage::SnapshotWriter>& slot);

}  // namespace raftlab::server
