// The in-memory Raft log: the entries after the last snapshot (compaction
// point), plus what the driver has made durable. Pure bookkeeping; the rules
// about *when* to append or truncate live in replication.cpp.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <vector>

#include "engine/core/types.h"

namespace raftlab::core {

class RaftLog {
  public:
    // Start from a snapshot point (index 0, term 0 when there is none) and the
    // entries that follow it. Everything restored is already durable.
    void restore(Index snapshot_index, Term snapshot_term, const std::vector<Entry>& entries);

    Index snapshot_index() const { return snapshot_index_; }
    Term snapshot_term() const { return snapshot_term_; }
    Index first_index() const { return snapshot_index_ + 1; }
    Index last_index() const { return snapshot_index_ + entries_.size(); }
    Term last_term() const;

    // The term at `index`, if known: the snapshot point and held entries are;
    // compacted entries and entries past the end are not.
    std::optional<Term> term(Index index) const;
    bool match_term(Index index, Term term) const;

    // Requires first_index() <= index <= last_index().
    const Entry& at(Index index) const { return entries_[index - first_index()]; }
    const std::deque<Entry>& entries() const { return entries_; }

    // Appends one entry at last_index() + 1.
    void append(Entry entry);
    // Deletes every entry with index >= `from` (a conflicting suffix, §5.3).
    void truncate_from(Index from);
    // Drops entries <= index; the snapshot point becomes (index, term).
    void compact(Index index, Term term);
    // Replaces the whole log with a snapshot point (InstallSnapshot, §7).
    void reset_to_snapshot(Index index, Term term);

    // Entries [from, last], at most max_count entries and about max_bytes
    // (always at least one if any exist, so one big entry cannot stall).
    std::vector<Entry> slice(Index from, std::size_t max_count, std::size_t max_bytes) const;

    // Persistence tracking. Entries >= unstable_from have not been handed to
    // the driver yet; entries <= stable_index are known durable.
    Index unstable_from() const { return unstable_from_; }
    void mark_handed_out() { unstable_from_ = last_index() + 1; }
    Index stable_index() const { return stable_index_; }
    void mark_stable(Index index);

  private:
    Index snapshot_index_ = 0;
    Term snapshot_term_ = 0;
    std::deque<Entry> entries_;
    Index unstable_from_ = 1;
    Index stable_index_ = 0;
};

// Bytes an entry costs for flow control (payload, as etcd counts it).
std::size_t entry_bytes(const Entry& entry);

}  // namespace raftlab::core
