#include "engine/lab/read_log.h"

#include <algorithm>
#include <string_view>

#include "engine/storage/command.h"

namespace raftlab::lab {
namespace {

struct Fnv1a {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    void add(std::string_view bytes) {
        for (unsigned char c : bytes) {
            h ^= c;
            h *= 0x100000001b3ULL;
        }
    }
    void add(std::uint64_t v) {
        for (int i = 0; i < 8; ++i) {
            h ^= (v >> (8 * i)) & 0xff;
            h *= 0x100000001b3ULL;
        }
    }
};

}  // namespace

std::uint64_t entry_hash(const core::Entry& entry) {
    Fnv1a f;
    f.add(entry.term);
    f.add(static_cast<std::uint64_t>(entry.type));
    f.add(entry.data);
    if (entry.membership) {
        for (const auto& [id, m] : entry.membership->members) {
            f.add(id);
            f.add(static_cast<std::uint64_t>(m.voter) << 8 | static_cast<std::uint64_t>(m.status));
            f.add(m.address);
        }
    }
    return f.h;
}

void read_log(const storage::Storage& store, const pb::ReadLogRequest& request,
              core::Index commit_index, core::Index applied_index, pb::ReadLogResponse* out) {
    const core::Index first = store.first_index();
    const core::Index last = store.last_index();
    out->set_first_index(first);
    out->set_last_index(last);
    out->set_commit_index(commit_index);
    out->set_applied_index(applied_index);
    if (auto meta = store.snapshot_meta()) {
        out->set_snapshot_index(meta->index);
        out->set_snapshot_term(meta->term);
    }
    const core::Index from = std::max<core::Index>(request.from(), first);
    const core::Index to = request.to() == 0 ? last : std::min<core::Index>(request.to(), last);
    if (from > to) return;
    const std::uint32_t page = request.max_entries() == 0
                                   ? kReadLogPageSize
                                   : std::min(request.max_entries(), 10 * kReadLogPageSize);
    const core::Index hi = std::min<core::Index>(to, from + page - 1);
    // Bounded in bytes too, so one page of huge values cannot exhaust memory;
    // `more` tells the viewer to ask again from where this page ended.
    auto entries = store.entries(from, hi + 1, 16u << 20);
    for (const auto& e : entries) {
        auto* m = out->add_entries();
        m->set_index(e.index);
        m->set_term(e.term);
        m->set_type(static_cast<std::uint32_t>(e.type));
        if (e.type == core::EntryType::Normal) {
            if (auto cmd = storage::decode_command(e.data)) {
                m->set_key(cmd->key);
                m->set_value_size(cmd->value.size());
            }
        }
        m->set_hash(entry_hash(e));
        m->set_committed(e.index <= commit_index);
        m->set_applied(e.index <= applied_index);
    }
    const core::Index reached = entries.empty() ? from - 1 : entries.back().index;
    out->set_more(reached < to);
}

}  // namespace raftlab::lab
