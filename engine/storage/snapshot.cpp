// Snapshots (§7): recording one, streaming a consistent image of the KV
// state out in checksummed chunks, and staging an incoming one for an atomic
// install (see the top of storage.h for the crash argument).
#include "engine/storage/storage_impl.h"

namespace raftlab::storage {
namespace {

void append_record(std::string& payload, std::string_view key, std::string_view value) {
    codec::put_bytes(payload, key);
    codec::put_bytes(payload, value);
}

class SnapshotReaderImpl final : public SnapshotReader {
  public:
    SnapshotReaderImpl(Storage::Impl& impl, std::size_t chunk_bytes)
        : impl_(impl), chunk_bytes_(std::max<std::size_t>(1, chunk_bytes)) {
        // Everything below reads through one RocksDB snapshot, and apply()
        // writes KV data and the applied index in one batch, so the image,
        // its index and its term/membership agree.
        snap_ = impl_.db->GetSnapshot();
        compute_meta();
        generation_key_ = codec::u64_key(generation_);
        upper_ = codec::u64_key(generation_ + 1);
        upper_slice_ = rocksdb::Slice(upper_);
        rocksdb::ReadOptions ro;
        ro.snapshot = snap_;
        ro.iterate_upper_bound = &upper_slice_;
        ro.fill_cache = false;  // a one-pass bulk read must not evict the hot set
        it_.reset(impl_.db->NewIterator(ro, impl_.kv));
        it_->Seek(generation_key_);
    }

    ~SnapshotReaderImpl() override {
        it_.reset();
        impl_.db->ReleaseSnapshot(snap_);
    }

    const core::SnapshotMeta& meta() const override { return meta_; }
    std::uint64_t bytes_read() const override { return bytes_; }

    std::optional<SnapshotChunk> next() override {
        if (done_) return std::nullopt;
        SnapshotChunk chunk;
        chunk.seq = seq_++;
        chunk.payload.reserve(chunk_bytes_ + 64);
        while (it_->Valid()) {
            const std::string_view key = view(it_->key()).substr(8);
            const std::string_view value = view(it_->value());
            const std::size_t record = 8 + key.size() + value.size();
            if (!chunk.payload.empty() && chunk.payload.size() + record > chunk_bytes_) break;
            append_record(chunk.payload, key, value);
            it_->Next();
        }
        if (!it_->Valid()) {
            if (!it_->status().ok()) impl_.fail("reading the snapshot image", it_->status());
            chunk.last = true;
            done_ = true;
        }
        bytes_ += chunk.payload.size();
        chunk.seal();
        return chunk;
    }

  private:
    void compute_meta() {
        auto read_u64 = [&](std::string_view key, std::uint64_t fallback) {
            auto v = impl_.get_meta(key, snap_);
            return v ? codec::decode_u64_key(*v) : fallback;
        };
        generation_ = read_u64(meta_key::kKvGeneration, 1);
        const core::Index applied = read_u64(meta_key::kApplied, 0);
        std::optional<core::SnapshotMeta> last_snapshot;
        if (auto m = impl_.get_meta(meta_key::kSnapshot, snap_)) {
            last_snapshot = codec::decode_snapshot_meta(*m);
        }
        const core::Index base = last_snapshot ? last_snapshot->index : 0;
        meta_.index = std::max(applied, base);
        if (last_snapshot) {
            meta_.term = last_snapshot->term;
            meta_.membership = last_snapshot->membership;
        } else if (auto b = impl_.get_meta(meta_key::kBootstrap, snap_)) {
            if (auto m = codec::decode_membership(*b)) meta_.membership = *m;
        }
        if (meta_.index == base) return;
        // The term of the applied entry, and the latest configuration at or
        // below it (configurations take effect when appended, §4.1).
        rocksdb::ReadOptions ro;
        ro.snapshot = snap_;
        std::unique_ptr<rocksdb::Iterator> it(impl_.db->NewIterator(ro, impl_.log));
        bool have_term = false;
        for (it->SeekForPrev(codec::u64_key(meta_.index)); it->Valid(); it->Prev()) {
            const core::Index index = codec::decode_u64_key(view(it->key()));
            if (index <= base) break;
            auto e = codec::decode_entry(view(it->value()));
            if (!e)
                impl_.fail("reading log entry " + std::to_string(index),
                           rocksdb::Status::Corruption());
            if (!have_term) {
                if (index != meta_.index) break;
                meta_.term = e->term;
                have_term = true;
            }
            if (e->type == core::EntryType::Config && e->membership) {
                meta_.membership = *e->membership;
                break;
            }
        }
        if (!have_term) {
            throw StorageError("snapshot of " + impl_.dir.string() +
                               ": the log has no entry at "
                               "the applied index " +
                               std::to_string(meta_.index) +
                               " to take its term from (damaged store?)");
        }
    }

    Storage::Impl& impl_;
    std::size_t chunk_bytes_;
    const rocksdb::Snapshot* snap_ = nullptr;
    core::SnapshotMeta meta_;
    std::uint64_t generation_ = 1;
    std::string generation_key_, upper_;
    rocksdb::Slice upper_slice_;
    std::unique_ptr<rocksdb::Iterator> it_;
    std::uint64_t seq_ = 0;
    std::uint64_t bytes_ = 0;
    bool done_ = false;
};

class SnapshotWriterImpl final : public SnapshotWriter {
  public:
    SnapshotWriterImpl(Storage& storage, Storage::Impl& impl, std::uint64_t generation)
        : storage_(storage), impl_(impl), generation_(generation) {}

    ~SnapshotWriterImpl() override {
        // A complete image stays staged for persist(handle); anything else
        // is discarded now (and by the next open, if this never runs).
        if (complete_ || installed_) return;
        std::lock_guard lock(impl_.state_mutex);
        if (impl_.staged_generation != generation_) return;
        impl_.staged_generation = 0;
        rocksdb::WriteBatch batch;
        impl_.delete_generation(batch, generation_);
        impl_.db->Write(impl_.write_options(false), &batch);  // best effort: open() retries
    }

    void accept(const SnapshotChunk& chunk) override {
        if (broken_) reject(chunk, "the stream already failed; start a new one");
        if (complete_) reject(chunk, "it arrived after the last chunk");
        {
            std::lock_guard lock(impl_.state_mutex);
            if (impl_.staged_generation != generation_) {
                reject(chunk, "a newer snapshot stream superseded this one");
            }
        }
        if (chunk.payload.size() > kMaxChunkBytes) {
            reject(chunk, "its payload of " + std::to_string(chunk.payload.size()) +
                              " bytes exceeds the cap of " + std::to_string(kMaxChunkBytes));
        }
        if (!chunk.crc_ok()) reject(chunk, "its checksum does not match (corrupted in transit)");
        if (chunk.seq != next_seq_) {
            reject(chunk, "expected chunk " + std::to_string(next_seq_) +
                              " (lost, duplicated or "
                              "reordered chunk)");
        }
        rocksdb::WriteBatch batch;
        codec::Reader in(chunk.payload);
        while (!in.done()) {
            std::string_view key, value;
            if (!in.bytes_view(key) || !in.bytes_view(value)) {
                reject(chunk, "a key/value record runs past the end of the payload");
            }
            batch.Put(impl_.kv, kv_key(generation_, key), slice(value));
        }
        // Staged data skips the WAL (it would be written twice); install()
        // flushes it to SST files before the synced batch that makes it live,
        // and a crash before that drops it anyway.
        rocksdb::WriteOptions wo;
        wo.disableWAL = true;
        const rocksdb::Status s = impl_.db->Write(wo, &batch);
        if (!s.ok()) impl_.fail("staging snapshot chunk " + std::to_string(chunk.seq), s);
        ++next_seq_;
        bytes_ += chunk.payload.size();
        if (chunk.last) {
            complete_ = true;
            std::lock_guard lock(impl_.state_mutex);
            if (impl_.staged_generation == generation_) impl_.staged_complete = true;
        }
    }

    bool complete() const override { return complete_; }
    bool is_current() const override {
        std::lock_guard lock(impl_.state_mutex);
        return impl_.staged_generation == generation_;
    }
    std::string handle() const override { return staging_handle(generation_); }
    std::uint64_t bytes_staged() const override { return bytes_; }

    void install(const core::SnapshotMeta& meta) override {
        if (!complete_) {
            throw StorageError("snapshot install in " + impl_.dir.string() + ": only " +
                               std::to_string(next_seq_) +
                               " chunks arrived and none was marked last; receive it again");
        }
        storage_.persist(std::nullopt, {}, core::Snapshot{meta, handle()});
        installed_ = true;
    }

  private:
    [[noreturn]] void reject(const SnapshotChunk& chunk, const std::string& why) {
        broken_ = true;
        throw StorageError("snapshot chunk " + std::to_string(chunk.seq) + " for " +
                           impl_.dir.string() + " rejected: " + why +
                           "; the sender must restart the snapshot stream");
    }

    Storage& storage_;
    Storage::Impl& impl_;
    std::uint64_t generation_;
    std::uint64_t next_seq_ = 0;
    std::uint64_t bytes_ = 0;
    bool complete_ = false;
    bool broken_ = false;
    bool installed_ = false;
};

}  // namespace

core::SnapshotMeta Storage::create_snapshot(core::Term term, const core::Membership& membership) {
    auto& impl = *impl_;
    std::lock_guard kv_lock(impl.kv_mutex);  // applied index stands still
    core::SnapshotMeta meta{impl.applied, term, membership};
    rocksdb::WriteBatch batch;
    batch.Put(impl.meta, slice(meta_key::kSnapshot), codec::encode(meta));
    impl.write_synced(batch, SyncEvent::Kind::CreateSnapshot, meta.index, term,
                      "recording a snapshot");
    std::lock_guard lock(impl.state_mutex);
    impl.snapshot = meta;
    return meta;
}

std::unique_ptr<SnapshotReader> Storage::read_snapshot(std::size_t chunk_bytes) const {
    return std::make_unique<SnapshotReaderImpl>(*impl_, chunk_bytes);
}

void Storage::discard_staged_snapshot() {
    auto& impl = *impl_;
    std::lock_guard lock(impl.state_mutex);
    if (impl.staged_generation == 0) return;
    rocksdb::WriteBatch batch;
    impl.delete_generation(batch, impl.staged_generation);
    impl.write_unsynced(batch, "discarding a staged snapshot");
    impl.staged_generation = 0;
    impl.staged_complete = false;
}

std::unique_ptr<SnapshotWriter> Storage::write_snapshot() {
    auto& impl = *impl_;
    std::lock_guard lock(impl.state_mutex);
    if (impl.staged_generation != 0) {
        // Only one staged image at a time: the older stream loses.
        rocksdb::WriteBatch batch;
        impl.delete_generation(batch, impl.staged_generation);
        impl.write_unsynced(batch, "discarding a superseded staged snapshot");
    }
    const std::uint64_t generation = impl.next_generation++;
    impl.staged_generation = generation;
    impl.staged_complete = false;
    return std::make_unique<SnapshotWriterImpl>(*this, impl, generation);
}

}  // namespace raftlab::storage
