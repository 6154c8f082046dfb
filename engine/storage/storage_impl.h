// Storage's internals, shared by its .cpp files (open/log, apply/reads,
// snapshots). Not part of the public API.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <mutex>
#include <shared_mutex>

#include "engine/failpoint/failpoint.h"
#include "engine/storage/codec.h"
#include "engine/storage/storage.h"

namespace raftlab::storage {

// Keys in the `meta` column family.
namespace meta_key {
inline constexpr std::string_view kFormatVersion = "format_version";
inline constexpr std::string_view kIdentity = "identity";
inline constexpr std::string_view kHardState = "hard_state";
inline constexpr std::string_view kSnapshot = "snapshot";
inline constexpr std::string_view kApplied = "applied";
inline constexpr std::string_view kBootstrap = "bootstrap";
inline constexpr std::string_view kKvGeneration = "kv_generation";
}  // namespace meta_key

inline constexpr std::uint32_t kFormatVersion = 1;

inline rocksdb::Slice slice(std::string_view s) {
    return {s.data(), s.size()};
}
inline std::string_view view(const rocksdb::Slice& s) {
    return {s.data(), s.size()};
}

// <u64 generation><user key>
inline std::string kv_key(std::uint64_t generation, std::string_view key) {
    std::string out = codec::u64_key(generation);
    out.append(key);
    return out;
}

// The string a SnapshotWriter hands out for core::Snapshot::data.
std::string staging_handle(std::uint64_t generation);

struct Storage::Impl {
    std::filesystem::path dir;
    std::string cluster_id;
    core::NodeId node_id = core::kNoNode;
    StorageOptions options;

    rocksdb::DB* db = nullptr;
    rocksdb::ColumnFamilyHandle* log = nullptr;
    rocksdb::ColumnFamilyHandle* meta = nullptr;
    rocksdb::ColumnFamilyHandle* kv = nullptr;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;

    std::atomic<bool> fresh{false};
    std::atomic<core::Index> applied{0};
    // The KV generation that get/scan/apply use. Changes only inside
    // install(), under switch_mutex held exclusively.
    std::atomic<std::uint64_t> generation{1};
    // get/scan hold it shared so an install cannot delete the generation
    // they are reading halfway through.
    mutable std::shared_mutex switch_mutex;
    // Serializes log writes (persist, compact) and, separately, KV writes
    // (apply, install), so persist and apply may run on different threads.
    std::mutex log_mutex;
    std::mutex kv_mutex;
    // Highest index stored in the log CF (0 if empty); written under log_mutex.
    std::atomic<core::Index> log_last{0};

    // Snapshot meta (cached) and the staging area; under state_mutex.
    mutable std::mutex state_mutex;
    std::optional<core::SnapshotMeta> snapshot;
    std::uint64_t next_generation = 2;
    std::uint64_t staged_generation = 0;  // 0: nothing staged
    bool staged_complete = false;

    std::mutex observer_mutex;
    SyncObserver observer;
    std::atomic<std::uint64_t> sync_seq{0};

    ~Impl();

    rocksdb::WriteOptions write_options(bool want_sync) const {
        rocksdb::WriteOptions w;
        w.sync = want_sync && options.sync;
        // Test-only, BROKEN on purpose: writes that a kill -9 loses (failpoint.h).
        if (RAFTLAB_FAILPOINT_ON("storage.unsafe_no_wal")) w.sync = false, w.disableWAL = true;
        return w;
    }

    // Writes `batch` with sync and reports it to the observer; throws
    // StorageError naming `what` on failure.
    void write_synced(rocksdb::WriteBatch& batch, SyncEvent::Kind kind, core::Index last_index,
                      core::Term term, const char* what);
    void write_unsynced(rocksdb::WriteBatch& batch, const char* what);

    std::optional<std::string> get_meta(std::string_view key,
                                        const rocksdb::Snapshot* snap = nullptr) const;
    [[noreturn]] void fail(const std::string& what, const rocksdb::Status& s) const;

    // Deletes every KV key of `generation` (a range tombstone).
    void delete_generation(rocksdb::WriteBatch& batch, std::uint64_t generation);

    // The install batch shared by persist() and SnapshotWriter::install().
    void install_staged(rocksdb::WriteBatch& batch, std::uint64_t staged,
                        const core::SnapshotMeta& meta);
};

}  // namespace raftlab::storage
