// The KV state machine: applying committed commands and reading the result.
#include <map>

#include "engine/storage/storage_impl.h"

namespace raftlab::storage {

std::vector<ApplyResult> Storage::apply(const std::vector<core::Entry>& entries) {
    auto& impl = *impl_;
    std::lock_guard kv_lock(impl.kv_mutex);
    const std::uint64_t gen = impl.generation;
    core::Index applied = impl.applied;
    rocksdb::WriteBatch batch;
    // Commands later in the same batch must see earlier ones' writes.
    std::map<std::string, std::optional<std::string>, std::less<>> pending;
    auto current = [&](const std::string& key) -> std::optional<std::string> {
        if (auto it = pending.find(key); it != pending.end()) return it->second;
        std::string value;
        const rocksdb::Status s = impl.db->Get({}, impl.kv, kv_key(gen, key), &value);
        if (s.IsNotFound()) return std::nullopt;
        if (!s.ok()) impl.fail("reading key for apply", s);
        return value;
    };
    auto put = [&](const std::string& key, const std::string& value) {
        batch.Put(impl.kv, kv_key(gen, key), value);
        pending[key] = value;
    };

    std::vector<ApplyResult> results;
    for (const auto& e : entries) {
        if (e.index <= applied) continue;  // already in the state machine (restart, snapshot)
        if (e.index != applied + 1) {
            throw StorageError("apply: entry " + std::to_string(e.index) +
                               " does not follow applied index " + std::to_string(applied) +
                               " in " + impl.dir.string() +
                               "; committed entries must be applied in order without gaps");
        }
        applied = e.index;
        ApplyResult r{e.index, e.type, {}};
        if (e.type != core::EntryType::Normal || e.data.empty()) {
            results.push_back(std::move(r));
            continue;
        }
        std::string error;
        auto command = decode_command(e.data, &error);
        if (!command) {
            // Every replica decodes the same bytes the same way, so skipping
            // keeps them identical; the proposer learns why.
            r.result.succeeded = false;
            r.result.error = "entry " + std::to_string(e.index) + " is not a command: " + error;
            results.push_back(std::move(r));
            continue;
        }
        r.result.previous = current(command->key);
        switch (command->type) {
            case CommandType::Put:
                put(command->key, command->value);
                break;
            case CommandType::Delete:
                batch.Delete(impl.kv, kv_key(gen, command->key));
                pending[command->key] = std::nullopt;
                break;
            case CommandType::CompareAndSwap: {
                const auto& prev = r.result.previous;
                const bool match =
                    command->expected ? (prev && *prev == *command->expected) : !prev.has_value();
                r.result.succeeded = match;
                if (match) put(command->key, command->value);
                break;
            }
        }
        results.push_back(std::move(r));
    }
    if (applied == impl.applied) return results;
    batch.Put(impl.meta, slice(meta_key::kApplied), codec::u64_key(applied));
    // Not synced: the log holds these entries durably, and a restarted node
    // re-applies from the persisted applied index + 1.
    impl.write_unsynced(batch, "applying committed entries");
    impl.applied = applied;
    return results;
}

core::Index Storage::applied_index() const {
    return impl_->applied;
}

std::optional<std::string> Storage::get(std::string_view key) const {
    std::shared_lock lock(impl_->switch_mutex);
    std::string value;
    const rocksdb::Status s = impl_->db->Get({}, impl_->kv, kv_key(impl_->generation, key), &value);
    if (s.IsNotFound()) return std::nullopt;
    if (!s.ok()) impl_->fail("reading a key", s);
    return value;
}

std::vector<KeyValue> Storage::scan(std::string_view prefix, std::size_t limit) const {
    std::shared_lock lock(impl_->switch_mutex);
    const std::uint64_t gen = impl_->generation;
    const std::string start = kv_key(gen, prefix);
    const std::string end = codec::u64_key(gen + 1);
    rocksdb::Slice upper(end);
    rocksdb::ReadOptions ro;
    ro.iterate_upper_bound = &upper;
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->kv));
    std::vector<KeyValue> out;
    for (it->Seek(start); it->Valid(); it->Next()) {
        const std::string_view key = view(it->key()).substr(8);
        if (key.substr(0, prefix.size()) != prefix) break;
        out.push_back({std::string(key), it->value().ToString()});
        if (limit != 0 && out.size() >= limit) break;
    }
    if (!it->status().ok()) impl_->fail("scanning keys", it->status());
    return out;
}

}  // namespace raftlab::storage
