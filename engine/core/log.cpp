#include "engine/core/log.h"

#include <algorithm>

namespace raftlab::core {

std::size_t entry_bytes(const Entry& entry) {
    std::size_t bytes = entry.data.size();
    if (entry.membership) {
        for (const auto& [id, m] : entry.membership->members)
            bytes += 16 + m.address.size();
    }
    return bytes;
}

void RaftLog::restore(Index snapshot_index, Term snapshot_term, const std::vector<Entry>& entries) {
    snapshot_index_ = snapshot_index;
    snapshot_term_ = snapshot_term;
    entries_.clear();
    for (const Entry& e : entries) {
        if (e.index <= snapshot_index_) continue;  // already covered by the snapshot
        if (e.index != last_index() + 1) break;    // a gap: nothing after it is usable
        entries_.push_back(e);
    }
    unstable_from_ = last_index() + 1;
    stable_index_ = last_index();
}

Term RaftLog::last_term() const {
    return entries_.empty() ? snapshot_term_ : entries_.back().term;
}

std::optional<Term> RaftLog::term(Index index) const {
    if (index == snapshot_index_) return snapshot_term_;
    if (index < snapshot_index_ || index > last_index()) return std::nullopt;
    return at(index).term;
}

bool RaftLog::match_term(Index index, Term t) const {
    auto have = term(index);
    return have && *have == t;
}

void RaftLog::append(Entry entry) {
    entry.index = last_index() + 1;
    entries_.push_back(std::move(entry));
}

void RaftLog::truncate_from(Index from) {
    if (from > last_index()) return;
    if (from <= snapshot_index_) from = snapshot_index_ + 1;
    entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(from - first_index()),
                   entries_.end());
    unstable_from_ = std::min(unstable_from_, from);
    stable_index_ = std::min(stable_index_, from - 1);
}

void RaftLog::compact(Index index, Term t) {
    // The caller compacts only what it has applied, so index <= last_index().
    if (index <= snapshot_index_ || index > last_index()) return;
    entries_.erase(entries_.begin(),
                   entries_.begin() + static_cast<std::ptrdiff_t>(index - snapshot_index_));
    snapshot_index_ = index;
    snapshot_term_ = t;
    unstable_from_ = std::max(unstable_from_, index + 1);
    // The driver's snapshot holds everything up to index durably.
    stable_index_ = std::max(stable_index_, index);
}

void RaftLog::reset_to_snapshot(Index index, Term t) {
    entries_.clear();
    snapshot_index_ = index;
    snapshot_term_ = t;
    unstable_from_ = index + 1;
    // The snapshot itself becomes durable when the driver installs it (advance).
    stable_index_ = std::min(stable_index_, index);
}

void RaftLog::mark_stable(Index index) {
    stable_index_ = std::max(stable_index_, std::min(index, last_index()));
}

std::vector<Entry> RaftLog::slice(Index from, std::size_t max_count, std::size_t max_bytes) const {
    std::vector<Entry> out;
    if (from < first_index()) return out;
    std::size_t bytes = 0;
    for (Index i = from; i <= last_index() && out.size() < max_count; ++i) {
        const Entry& e = at(i);
        std::size_t b = entry_bytes(e);
        if (!out.empty() && bytes + b > max_bytes) break;
        bytes += b;
        out.push_back(e);
    }
    return out;
}

}  // namespace raftlab::core
