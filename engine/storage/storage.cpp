// Opening a store (identity and corruption checks), loading it, and the log:
// persist (one synced batch per Ready), compaction and log reads.
#include <rocksdb/options.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <limits>

#include "engine/failpoint/failpoint.h"
#include "engine/storage/storage_impl.h"

namespace raftlab::storage {
namespace {

constexpr std::uint64_t kMaxU64 = std::numeric_limits<std::uint64_t>::max();
constexpr std::string_view kHandlePrefix = "raftlab-staged:";

std::string encode_identity(std::string_view cluster_id, core::NodeId node_id) {
    std::string out;
    codec::put_bytes(out, cluster_id);
    codec::put_u64(out, node_id);
    return out;
}

std::string u64_value(std::uint64_t v) {
    return codec::u64_key(v);
}

}  // namespace

// ---------------------------------------------------------------- Impl basics

Storage::Impl::~Impl() {
    if (!db) return;
    for (auto* h : handles)
        db->DestroyColumnFamilyHandle(h);
    db->Close();
    delete db;
}

void Storage::Impl::fail(const std::string& what, const rocksdb::Status& s) const {
    throw StorageError(what + " in " + dir.string() + ": " + s.ToString() +
                       "; the node must stop (its memory may be ahead of its disk): check the "
                       "disk (space, permissions, errors in dmesg) and restart it");
}

namespace {

// Free space kept back from RocksDB. Below it a write is refused here, with a
// message naming the disk, instead of failing inside RocksDB: Debian's
// RocksDB aborts on an assertion on its ENOSPC path (found by
// tests/badinput/test_damaged_env on a full tmpfs), which would hide the cause.
constexpr std::uint64_t kDiskReserveBytes = 8u << 20;

void check_space(const std::filesystem::path& dir, std::size_t bytes, const char* what) {
    struct statvfs st {};
    if (::statvfs(dir.c_str(), &st) != 0) return;  // cannot tell: let RocksDB report it
    const std::uint64_t free = std::uint64_t(st.f_bavail) * st.f_frsize;
    if (free >= bytes + kDiskReserveBytes) return;
    throw StorageError("disk full: " + std::string(what) + " in " + dir.string() + " needs " +
                       std::to_string(bytes) + " bytes, and only " + std::to_string(free) +
                       " are free (8 MiB stay in reserve); free space on that disk, then "
                       "restart the node");
}

}  // namespace

void Storage::Impl::write_synced(rocksdb::WriteBatch& batch, SyncEvent::Kind kind,
                                 core::Index last_index, core::Term term, const char* what) {
    check_space(dir, batch.GetDataSize(), what);
    const rocksdb::Status s = db->Write(write_options(true), &batch);
    if (!s.ok()) fail(what, s);
    SyncEvent event{sync_seq.fetch_add(1) + 1, kind, last_index, term};
    std::lock_guard lock(observer_mutex);
    if (observer) observer(event);
}

void Storage::Impl::write_unsynced(rocksdb::WriteBatch& batch, const char* what) {
    check_space(dir, batch.GetDataSize(), what);
    const rocksdb::Status s = db->Write(write_options(false), &batch);
    if (!s.ok()) fail(what, s);
}

std::optional<std::string> Storage::Impl::get_meta(std::string_view key,
                                                   const rocksdb::Snapshot* snap) const {
    rocksdb::ReadOptions ro;
    ro.snapshot = snap;
    std::string value;
    const rocksdb::Status s = db->Get(ro, meta, slice(key), &value);
    if (s.IsNotFound()) return std::nullopt;
    if (!s.ok()) fail("reading meta key '" + std::string(key) + "'", s);
    return value;
}

void Storage::Impl::delete_generation(rocksdb::WriteBatch& batch, std::uint64_t generation) {
    batch.DeleteRange(kv, codec::u64_key(generation), codec::u64_key(generation + 1));
}

// ---------------------------------------------------------------- open

Storage::Storage(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Storage::~Storage() = default;

std::unique_ptr<Storage> Storage::open(const std::filesystem::path& dir,
                                       std::string_view cluster_id, core::NodeId node_id,
                                       StorageOptions options) {
    namespace fs = std::filesystem;
    auto impl = std::make_unique<Impl>();
    impl->dir = dir;
    impl->cluster_id = cluster_id;
    impl->node_id = node_id;
    impl->options = options;

    std::error_code ec;
    // A non-empty dir without RocksDB's CURRENT file is either not a store
    // or a damaged one; creating a fresh store there would hide the problem.
    if (fs::exists(dir, ec) && !fs::is_empty(dir, ec) && !fs::exists(dir / "CURRENT", ec)) {
        throw StorageError("data dir " + dir.string() +
                           " is not empty but holds no RocksDB store (no CURRENT file): "
                           "refusing to start fresh over it; point cluster.db_root_dir at an "
                           "empty or Raft Lab directory, or remove " +
                           dir.string());
    }
    fs::create_directories(dir, ec);
    if (ec) {
        throw StorageError("cannot create data dir " + dir.string() + ": " + ec.message() +
                           "; check cluster.db_root_dir and its permissions");
    }

    rocksdb::DBOptions db_options;
    db_options.create_if_missing = true;
    // Only a new store may create its column families. In an existing one a
    // missing family means a damaged MANIFEST, and creating it empty would
    // start the node without data it acknowledged (test_damaged_env).
    db_options.create_missing_column_families = !fs::exists(dir / "CURRENT", ec);
    // An acknowledged write is a promise (§5.3, Figure 2: persist before
    // replying). Replaying the WAL only up to a damaged record, RocksDB's
    // default, would quietly drop acknowledged entries after it; refuse to
    // open instead. A torn last record (a write cut short by a crash, never
    // acknowledged) is still tolerated.
    db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
    db_options.paranoid_checks = true;
    db_options.max_background_jobs = 2;
    rocksdb::ColumnFamilyOptions cf_options;
    std::vector<rocksdb::ColumnFamilyDescriptor> families = {
        {rocksdb::kDefaultColumnFamilyName, cf_options},
        {"log", cf_options},
        {"meta", cf_options},
        {"kv", cf_options},
    };
    const rocksdb::Status s =
        rocksdb::DB::Open(db_options, dir.string(), families, &impl->handles, &impl->db);
    if (!s.ok()) {
        std::string hint = "refusing to start fresh over it: restore it from a backup, or remove " +
                           dir.string() + " so this node can rejoin and catch up from the cluster";
        if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
            hint =
                "is another raftlab-node running on this data dir? stop it or use another "
                "cluster.db_root_dir / node_id";
        }
        impl->db = nullptr;
        throw StorageError("cannot open data dir " + dir.string() + ": " + s.ToString() + "; " +
                           hint);
    }
    impl->log = impl->handles[1];
    impl->meta = impl->handles[2];
    impl->kv = impl->handles[3];

    const auto identity = impl->get_meta(meta_key::kIdentity);
    if (!identity) {
        // Any data without an identity record was not written by Raft Lab.
        for (auto* cf : {impl->log, impl->meta, impl->kv}) {
            std::unique_ptr<rocksdb::Iterator> it(impl->db->NewIterator({}, cf));
            it->SeekToFirst();
            if (it->Valid()) {
                throw StorageError("data dir " + dir.string() +
                                   " holds data but no Raft Lab identity record: refusing to "
                                   "use it; remove it or point cluster.db_root_dir elsewhere");
            }
        }
        rocksdb::WriteBatch batch;
        batch.Put(impl->meta, slice(meta_key::kIdentity), encode_identity(cluster_id, node_id));
        std::string version;
        codec::put_u32(version, kFormatVersion);
        batch.Put(impl->meta, slice(meta_key::kFormatVersion), version);
        batch.Put(impl->meta, slice(meta_key::kKvGeneration), u64_value(1));
        impl->write_synced(batch, SyncEvent::Kind::Identity, 0, 0, "writing the store identity");
    } else {
        codec::Reader in(*identity);
        std::string stored_cluster;
        core::NodeId stored_node = 0;
        if (!in.bytes(stored_cluster) || !in.u64(stored_node)) {
            throw StorageError("data dir " + dir.string() +
                               " has an unreadable identity record (corrupted?): refusing to "
                               "start; remove it so this node can rejoin and catch up");
        }
        if (stored_cluster != cluster_id || stored_node != node_id) {
            throw StorageError("data dir " + dir.string() + " belongs to cluster '" +
                               stored_cluster + "' node " + std::to_string(stored_node) +
                               ", but this node is cluster '" + std::string(cluster_id) +
                               "' node " + std::to_string(node_id) +
                               ": refusing to start over another node's data; use another "
                               "cluster.db_root_dir, or remove " +
                               dir.string() + " if its data is no longer needed");
        }
        const auto version = impl->get_meta(meta_key::kFormatVersion);
        std::uint32_t v = 0;
        if (!version || !codec::Reader(*version).u32(v) || v != kFormatVersion) {
            throw StorageError("data dir " + dir.string() + " has storage format " +
                               std::to_string(v) + ", this build reads format " +
                               std::to_string(kFormatVersion) +
                               "; run the matching raftlab-node version");
        }
    }

    if (auto g = impl->get_meta(meta_key::kKvGeneration)) {
        impl->generation = codec::decode_u64_key(*g);
    }
    if (auto a = impl->get_meta(meta_key::kApplied)) impl->applied = codec::decode_u64_key(*a);
    if (auto m = impl->get_meta(meta_key::kSnapshot)) {
        impl->snapshot = codec::decode_snapshot_meta(*m);
        if (!impl->snapshot) {
            throw StorageError("data dir " + dir.string() +
                               " has an unreadable snapshot record (corrupted?): refusing to "
                               "start; remove it so this node can rejoin and catch up");
        }
        if (impl->applied < impl->snapshot->index) impl->applied = impl->snapshot->index;
    }

    // Drop KV generations left by a crash mid-snapshot-receive (staged, never
    // installed) or right after an install (superseded).
    const std::uint64_t gen = impl->generation;
    impl->next_generation = gen + 1;
    rocksdb::WriteBatch cleanup;
    cleanup.DeleteRange(impl->kv, codec::u64_key(0), codec::u64_key(gen));
    cleanup.DeleteRange(impl->kv, codec::u64_key(gen + 1), codec::u64_key(kMaxU64));
    impl->write_unsynced(cleanup, "dropping stale snapshot staging data");

    std::unique_ptr<rocksdb::Iterator> it(impl->db->NewIterator({}, impl->log));
    it->SeekToLast();
    if (it->Valid()) impl->log_last = codec::decode_u64_key(view(it->key()));
    impl->fresh = !it->Valid() && !impl->get_meta(meta_key::kHardState) && !impl->snapshot &&
                  !impl->get_meta(meta_key::kBootstrap);
    return std::unique_ptr<Storage>(new Storage(std::move(impl)));
}

const std::filesystem::path& Storage::dir() const {
    return impl_->dir;
}

bool Storage::is_fresh() const {
    return impl_->fresh;
}

void Storage::bootstrap(const core::Membership& membership) {
    std::lock_guard lock(impl_->log_mutex);
    rocksdb::WriteBatch batch;
    batch.Put(impl_->meta, slice(meta_key::kBootstrap), codec::encode(membership));
    impl_->write_synced(batch, SyncEvent::Kind::Bootstrap, 0, 0,
                        "writing the bootstrap membership");
    impl_->fresh = false;
}

// ---------------------------------------------------------------- load

core::Restored Storage::load() const {
    core::Restored r;
    const auto& impl = *impl_;
    if (auto hs = impl.get_meta(meta_key::kHardState)) {
        auto decoded = codec::decode_hard_state(*hs);
        if (!decoded) {
            throw StorageError("data dir " + impl.dir.string() +
                               " has an unreadable hard state (corrupted?): refusing to start; "
                               "remove it so this node can rejoin and catch up");
        }
        r.hard_state = *decoded;
    }
    if (auto b = impl.get_meta(meta_key::kBootstrap)) {
        auto decoded = codec::decode_membership(*b);
        if (!decoded) {
            throw StorageError("data dir " + impl.dir.string() +
                               " has an unreadable bootstrap membership (corrupted?)");
        }
        r.bootstrap = *decoded;
    }
    {
        std::lock_guard lock(impl.state_mutex);
        r.snapshot = impl.snapshot;
    }
    r.applied = impl.applied;
    const core::Index after = r.snapshot ? r.snapshot->index : 0;
    r.entries = entries(after + 1, kMaxU64);
    const core::Index last = last_index();
    if (last > after && (r.entries.empty() || r.entries.back().index != last)) {
        throw StorageError("the log in " + impl.dir.string() +
                           " does not continue the snapshot at " + std::to_string(after) +
                           " (last index " + std::to_string(last) +
                           "): the store is damaged; remove the data dir so this node can "
                           "rejoin and catch up");
    }
    return r;
}

// ---------------------------------------------------------------- persist

void Storage::persist(const std::optional<core::HardState>& hard_state,
                      const std::vector<core::Entry>& entries,
                      const std::optional<core::Snapshot>& snapshot) {
    auto& impl = *impl_;
    std::lock_guard log_lock(impl.log_mutex);
    // An install replaces the state machine: keep apply and readers out.
    std::unique_lock<std::mutex> kv_lock(impl.kv_mutex, std::defer_lock);
    std::unique_lock<std::shared_mutex> switch_lock(impl.switch_mutex, std::defer_lock);
    rocksdb::WriteBatch batch;
    std::uint64_t staged = 0;
    if (snapshot) {
        const std::string& handle = snapshot->data;
        if (handle.rfind(kHandlePrefix, 0) != 0) {
            throw StorageError("persist: the Ready's snapshot carries no staging handle (data = " +
                               std::to_string(handle.size()) +
                               " bytes); receive it through Storage::write_snapshot() and pass "
                               "SnapshotWriter::handle() in Snapshot::data");
        }
        try {
            staged = std::stoull(handle.substr(kHandlePrefix.size()));
        } catch (const std::exception&) {
            staged = 0;  // refused by install_staged with a clear message
        }
        // Staged chunks were written without the WAL: make them durable in
        // SST files before the batch that points at them is synced. Done
        // before taking the locks, so reads and apply continue meanwhile.
        rocksdb::FlushOptions flush;
        flush.wait = true;
        if (const rocksdb::Status s = impl.db->Flush(flush, impl.kv); !s.ok()) {
            impl.fail("flushing a staged snapshot", s);
        }
        kv_lock.lock();
        switch_lock.lock();
        impl.install_staged(batch, staged, snapshot->meta);
        RAFTLAB_FAILPOINT("snapshot.mid_install");
    }
    core::Index last = 0;
    if (!entries.empty()) {
        const core::Index first = entries.front().index;
        core::Index stored_last = snapshot ? 0 : impl.log_last.load();
        core::Index base = snapshot ? snapshot->meta.index : 0;
        if (!snapshot) {
            std::lock_guard lock(impl.state_mutex);
            base = impl.snapshot ? impl.snapshot->index : 0;
        }
        if (first == 0 || first > std::max(stored_last, base) + 1) {
            throw StorageError("persist: entries start at index " + std::to_string(first) +
                               " but the log in " + impl.dir.string() + " ends at " +
                               std::to_string(std::max(stored_last, base)) +
                               ": a hole in the log is a bug in the caller; refusing to write it");
        }
        // §5.3: an entry that conflicts with a new one is deleted together
        // with everything that follows it. Only when there is such a suffix:
        // a range tombstone per append would slow every later log read.
        if (stored_last >= first) {
            if (stored_last - first < 64) {
                for (core::Index i = first; i <= stored_last; ++i) {
                    batch.Delete(impl.log, codec::u64_key(i));
                }
            } else {
                batch.DeleteRange(impl.log, codec::u64_key(first), codec::u64_key(stored_last + 1));
            }
        }
        for (const auto& e : entries) {
            batch.Put(impl.log, codec::u64_key(e.index), codec::encode(e));
        }
        last = entries.back().index;
    }
    if (hard_state) batch.Put(impl.meta, slice(meta_key::kHardState), codec::encode(*hard_state));
    if (batch.Count() == 0) return;
    RAFTLAB_FAILPOINT_IF(!entries.empty(), "log.after_append_before_sync");
    impl.write_synced(batch, snapshot ? SyncEvent::Kind::Install : SyncEvent::Kind::Persist,
                      last ? last : (snapshot ? snapshot->meta.index : 0),
                      hard_state ? hard_state->term : 0, "persisting a Ready");
    RAFTLAB_FAILPOINT_IF(
        std::any_of(entries.begin(), entries.end(),
                    [](const core::Entry& e) { return e.type == core::EntryType::Config; }),
        "config.after_append_before_commit");
    if (snapshot) impl.log_last = 0;  // the install cleared the log
    if (last) impl.log_last = last;
    if (snapshot) {
        std::lock_guard lock(impl.state_mutex);
        impl.generation = staged;
        impl.applied = snapshot->meta.index;
        impl.snapshot = snapshot->meta;
        impl.staged_generation = 0;
        impl.staged_complete = false;
    }
    impl.fresh = false;
}

std::string staging_handle(std::uint64_t generation) {
    return std::string(kHandlePrefix) + std::to_string(generation);
}

void Storage::Impl::install_staged(rocksdb::WriteBatch& batch, std::uint64_t staged,
                                   const core::SnapshotMeta& meta_in) {
    {
        std::lock_guard lock(state_mutex);
        if (staged == 0 || staged != staged_generation || !staged_complete) {
            throw StorageError("snapshot install in " + dir.string() + ": staging handle " +
                               staging_handle(staged) +
                               " is not a complete staged snapshot (superseded by a newer "
                               "stream, or its last chunk never arrived); receive it again");
        }
    }
    // §7: the snapshot replaces the state machine and the whole log; the
    // switch of generation makes the new image visible in the same atomic
    // batch that records what it is.
    batch.Put(meta, slice(meta_key::kKvGeneration), u64_value(staged));
    batch.Put(meta, slice(meta_key::kApplied), u64_value(meta_in.index));
    batch.Put(meta, slice(meta_key::kSnapshot), codec::encode(meta_in));
    batch.DeleteRange(log, codec::u64_key(0), codec::u64_key(kMaxU64));
    delete_generation(batch, generation);
}

// ---------------------------------------------------------------- log

void Storage::compact_log(core::Index index) {
    auto& impl = *impl_;
    {
        std::lock_guard lock(impl.state_mutex);
        const core::Index snap = impl.snapshot ? impl.snapshot->index : 0;
        if (index > snap) {
            throw StorageError("compact_log(" + std::to_string(index) +
                               ") is past the snapshot index " + std::to_string(snap) + " in " +
                               impl.dir.string() +
                               ": call create_snapshot() first, entries after a snapshot are the "
                               "only copy");
        }
    }
    std::lock_guard log_lock(impl.log_mutex);
    rocksdb::WriteBatch batch;
    batch.DeleteRange(impl.log, codec::u64_key(0), codec::u64_key(index + 1));
    RAFTLAB_FAILPOINT("log.mid_compaction");
    // Not synced: losing it only leaves entries that load() skips.
    impl.write_unsynced(batch, "compacting the log");
}

std::vector<core::Entry> Storage::entries(core::Index lo, core::Index hi,
                                          std::size_t max_bytes) const {
    std::vector<core::Entry> out;
    if (lo >= hi) return out;
    const std::string upper = codec::u64_key(hi);
    rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions ro;
    ro.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->log));
    std::size_t bytes = 0;
    core::Index expect = lo;
    for (it->Seek(codec::u64_key(lo)); it->Valid(); it->Next()) {
        const core::Index index = codec::decode_u64_key(view(it->key()));
        auto e = codec::decode_entry(view(it->value()));
        if (!e || e->index != index) {
            throw StorageError("log entry at index " + std::to_string(index) + " in " +
                               impl_->dir.string() +
                               " is unreadable (corrupted?): remove the data dir so this node "
                               "can rejoin and catch up");
        }
        if (index != expect) {
            if (out.empty()) return out;  // `lo` itself is compacted away
            throw StorageError("the log in " + impl_->dir.string() + " has a gap: index " +
                               std::to_string(index) + " follows " + std::to_string(expect - 1) +
                               "; remove the data dir so this node can catch up");
        }
        expect = index + 1;
        bytes += e->data.size();
        if (!out.empty() && bytes > max_bytes) break;
        out.push_back(std::move(*e));
    }
    if (!it->status().ok()) impl_->fail("reading the log", it->status());
    return out;
}

core::Index Storage::first_index() const {
    std::lock_guard lock(impl_->state_mutex);
    return (impl_->snapshot ? impl_->snapshot->index : 0) + 1;
}

core::Index Storage::last_index() const {
    core::Index snap = 0;
    {
        std::lock_guard lock(impl_->state_mutex);
        snap = impl_->snapshot ? impl_->snapshot->index : 0;
    }
    return std::max(snap, impl_->log_last.load());
}

std::optional<core::SnapshotMeta> Storage::snapshot_meta() const {
    std::lock_guard lock(impl_->state_mutex);
    return impl_->snapshot;
}

void Storage::set_sync_observer(SyncObserver observer) {
    std::lock_guard lock(impl_->observer_mutex);
    impl_->observer = std::move(observer);
}

std::uint64_t Storage::sync_count() const {
    return impl_->sync_seq;
}

}  // namespace raftlab::storage
