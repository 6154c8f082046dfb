// Durable state of one node in one RocksDB instance at <db_root_dir>/node<id>/:
//   log   index (u64 big-endian, so iteration is in index order) -> Entry
//   meta  hard state, snapshot meta, identity {cluster_id, node_id}, applied
//         index, bootstrap membership, active KV generation, format version
//   kv    the state machine: <u64 generation><user key> -> value
//
// Durability (Figure 2, "updated on stable storage before responding to
// RPCs"): persist(), bootstrap(), create_snapshot() and every install write
// with WriteOptions::sync = true, in one WriteBatch each, so what the node
// acknowledges has been fsynced. apply() need not sync: the log is durable and
// a restarted node re-applies from applied + 1.
//
// Atomic snapshot install (§7): KV keys carry a generation prefix. A
// SnapshotWriter stages incoming chunks under a fresh generation that nothing
// reads (written without the WAL, then flushed to SST files before install);
// install is ONE synced WriteBatch that switches the active generation,
// deletes the old one, sets applied index and snapshot meta, and clears the
// log. A crash before that batch leaves the old state (whatever was staged is
// deleted on the next open); a crash after it leaves the new state.
//
// Threads: persist/apply/install/compact are called by the node's raft and
// apply threads; get/scan/entries may be called concurrently from any thread.
// Readers and writers of snapshots must not outlive their Storage.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/core/raft.h"
#include "engine/core/types.h"
#include "engine/storage/command.h"

namespace raftlab::storage {

// what() says what failed, on which dir, RocksDB's reason if any, and what to do.
class StorageError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// A synced write, reported after RocksDB returned from it, in order. For
// tests that prove "acknowledge only after sync".
struct SyncEvent {
    enum class Kind : std::uint8_t { Persist, Bootstrap, Install, CreateSnapshot, Identity };
    std::uint64_t seq = 0;  // 1, 2, 3... per Storage
    Kind kind = Kind::Persist;
    core::Index last_index = 0;  // last log index written by this batch (0 if none)
    core::Term term = 0;         // hard state term after the batch
};
using SyncObserver = std::function<void(const SyncEvent&)>;

struct StorageOptions {
    bool sync = true;  // false only for benchmarks that measure everything else
};

// Result of applying one committed entry.
struct ApplyResult {
    core::Index index = 0;
    core::EntryType type = core::EntryType::Normal;
    CommandResult result;  // Noop/Config entries: succeeded, no previous
};

struct KeyValue {
    std::string key;
    std::string value;
    friend bool operator==(const KeyValue&, const KeyValue&) = default;
};

// One piece of a snapshot stream. Wire form (encode_chunk/decode_chunk):
//   "RLSC" u8 version=1, u64 seq, u8 last, u32 payload length, payload,
//   u32 CRC32C over everything before it.
// payload = records of {u32 key length, key, u32 value length, value}.
struct SnapshotChunk {
    std::uint64_t seq = 0;  // 0, 1, 2... in stream order
    bool last = false;      // the final chunk (may have an empty payload)
    std::string payload;
    std::uint32_t crc = 0;  // CRC32C of the header fields and payload

    // Recomputes crc from the other fields.
    void seal();
    bool crc_ok() const;
};

inline constexpr std::size_t kDefaultChunkBytes = 1u << 20;
// Hard cap a receiver accepts, whatever the sender claims (fuzz safety).
inline constexpr std::size_t kMaxChunkBytes = 16u << 20;

std::string encode_chunk(const SnapshotChunk& chunk);
// nullopt on bad magic, version, length, truncation or checksum; `error` says which.
std::optional<SnapshotChunk> decode_chunk(std::string_view bytes, std::string* error = nullptr);

std::uint32_t crc32c(std::string_view data, std::uint32_t seed = 0);

// Streams a consistent image of the KV state (a RocksDB snapshot taken when
// the reader was created) in chunks of at most `chunk_bytes` payload
// (a single record larger than that gets a chunk of its own).
class SnapshotReader {
  public:
    virtual ~SnapshotReader() = default;
    // The image is the state machine at meta().index, with meta().term and
    // meta().membership as of that index. Send this meta with the stream.
    virtual const core::SnapshotMeta& meta() const = 0;
    // The next chunk, or nullopt after the one with last = true.
    virtual std::optional<SnapshotChunk> next() = 0;
    virtual std::uint64_t bytes_read() const = 0;
};

// Receives a snapshot stream. Chunks are checked (CRC, seq = previous + 1,
// size <= kMaxChunkBytes, well-formed records) and staged under an unused
// KV generation. Destroying a writer that was not installed discards the
// staged data; the live state is untouched throughout.
class SnapshotWriter {
  public:
    virtual ~SnapshotWriter() = default;
    // Throws StorageError (naming seq and the reason) on a bad chunk; after
    // that the writer is broken and only destruction is valid.
    virtual void accept(const SnapshotChunk& chunk) = 0;
    virtual bool complete() const = 0;  // the last chunk was accepted
    // True while this writer's image is the one staged: no newer
    // write_snapshot() superseded it and it was not discarded.
    virtual bool is_current() const = 0;
    // A handle for core::Snapshot::data: Storage::persist() installs the
    // staged image when it sees it in a Ready's snapshot.
    virtual std::string handle() const = 0;
    // Installs now (outside a Ready): see Storage::persist for what changes.
    virtual void install(const core::SnapshotMeta& meta) = 0;
    virtual std::uint64_t bytes_staged() const = 0;
};

class Storage {
  public:
    // Opens (creating if missing) the store in `dir`. A fresh store records
    // {cluster_id, node_id} (synced). Throws StorageError if the dir belongs
    // to another cluster or node (naming both and the dir), or is corrupted
    // or unreadable (with RocksDB's reason). It never starts fresh over
    // existing data.
    static std::unique_ptr<Storage> open(const std::filesystem::path& dir,
                                         std::string_view cluster_id, core::NodeId node_id,
                                         StorageOptions options = {});
    ~Storage();
    Storage(const Storage&) = delete;
    Storage& operator=(const Storage&) = delete;

    const std::filesystem::path& dir() const;

    // True while the store holds no Raft state (no hard state, log entry,
    // snapshot or bootstrap membership): only then does initial_cluster apply.
    bool is_fresh() const;

    // Records the bootstrap configuration (synced), returned by load() as
    // Restored::bootstrap from then on. Call once, only when is_fresh().
    void bootstrap(const core::Membership& membership);

    // Everything the core needs to restart. Entries at or below the snapshot
    // index (left by an interrupted compaction) are skipped.
    core::Restored load() const;

    // Makes a Ready durable in ONE synced WriteBatch, in this order:
    //   snapshot (a handle from SnapshotWriter::handle() in snapshot->data):
    //     switch the KV state to the staged image, applied = snapshot index,
    //     store the snapshot meta, delete the whole log;
    //   entries: delete every stored entry with index >= entries.front().index
    //     (a conflicting suffix, §5.3), then put the entries;
    //   hard state.
    // Throws StorageError if the write fails (the node must stop: its memory
    // is ahead of its disk) or the snapshot handle is unknown.
    void persist(const std::optional<core::HardState>& hard_state,
                 const std::vector<core::Entry>& entries,
                 const std::optional<core::Snapshot>& snapshot = std::nullopt);

    // Applies committed entries in order: Normal entries are decoded as
    // Commands and written to kv together with the new applied index in one
    // WriteBatch (not synced). Entries at or below applied_index() are
    // skipped (no result). Returns one result per applied entry.
    std::vector<ApplyResult> apply(const std::vector<core::Entry>& entries);

    core::Index applied_index() const;

    // Reads of the state machine as applied (eventual consistency; the node
    // adds ReadIndex/lease on top).
    std::optional<std::string> get(std::string_view key) const;
    // Keys starting with `prefix` in key order, at most `limit` (0 = no limit).
    std::vector<KeyValue> scan(std::string_view prefix, std::size_t limit) const;

    // Log reads for ReadLog and catching up followers. [lo, hi), stopping
    // early once `max_bytes` of data is collected (at least one entry).
    // Empty if entry `lo` is not stored (compacted: send a snapshot instead).
    std::vector<core::Entry> entries(core::Index lo, core::Index hi,
                                     std::size_t max_bytes = SIZE_MAX) const;
    core::Index first_index() const;  // snapshot index + 1
    core::Index last_index() const;   // 0 / snapshot index if the log is empty
    std::optional<core::SnapshotMeta> snapshot_meta() const;

    // Records a snapshot at applied_index() with the caller's term and
    // membership for that index (synced), and returns its meta. Does not
    // delete log entries: call compact_log() next.
    core::SnapshotMeta create_snapshot(core::Term term, const core::Membership& membership);

    // Deletes log entries with index <= `index` (DeleteRange). `index` must be
    // <= the snapshot index; throws StorageError otherwise.
    void compact_log(core::Index index);

    // A consistent image of the state machine at the moment of the call;
    // its meta() is computed from the log, the snapshot meta and the
    // bootstrap membership at that moment.
    std::unique_ptr<SnapshotReader> read_snapshot(
        std::size_t chunk_bytes = kDefaultChunkBytes) const;

    // Starts receiving a snapshot. Only one writer at a time: starting
    // another discards the first's staged data.
    std::unique_ptr<SnapshotWriter> write_snapshot();

    // Drops a completely received image that will not be installed (e.g. the
    // core answered that it already holds the snapshot's last entry, thesis
    // §5.1). Otherwise it is dropped by the next write_snapshot() or open().
    void discard_staged_snapshot();

    // Test hook: called after every synced write (see SyncEvent), on the
    // writing thread with internal locks held: it must not call back into
    // this Storage.
    void set_sync_observer(SyncObserver observer);
    std::uint64_t sync_count() const;

    // Opaque; defined in storage_impl.h for the storage's own .cpp files.
    struct Impl;

  private:
    explicit Storage(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace raftlab::storage
