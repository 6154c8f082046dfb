// The terms of committed entries until the state machine has applied them,
// so entries_applied can say every applied entry's term (lab.proto
// EntryRange.terms) and a viewer can check State Machine Safety (Figure 3).
//
// The raft loop learns an entry's term when the entry commits
// (Ready.committed_entries) and learns that it was applied later, from the
// state machine's applied index once per loop turn. In between, this keeps
// one run (first index, term) per term change: a handful at most, since
// entries are applied soon after they commit. Raft-loop thread only.
#pragma once

#include <deque>
#include <vector>

#include "engine/core/types.h"
#include "engine/proto/lab.pb.h"

namespace raftlab::lab {

// Fills [from, to], the last entry's term and, only when the range spans
// more than one term, the runs. `entries` is a non-empty, contiguous,
// ascending slice of the log (Ready.entries, Ready.committed_entries).
void fill_range(const std::vector<core::Entry>& entries, pb::EntryRange* out);

class TermRuns {
  public:
    // Entries committed, in log order (Ready.committed_entries).
    void committed(const std::vector<core::Entry>& entries);
    // A snapshot was installed (§7): everything up to `index` is in it, and
    // only the last entry's term is known; earlier ones become term 0.
    void installed(core::Index index, core::Term term);
    // Describes entries [from, to] (applied) into *out, then forgets them.
    // An entry whose term was never recorded gets term 0 (unknown).
    void take(core::Index from, core::Index to, pb::EntryRange* out);
    // Forgets every entry at or below `index`.
    void drop_through(core::Index index);

    std::size_t runs() const { return runs_.size(); }

  private:
    struct Run {
        core::Index first;
        core::Term term;
    };
    void push(core::Index first, core::Term term);

    std::deque<Run> runs_;  // ascending; the last run ends at last_
    core::Index last_ = 0;  // the last index recorded
};

}  // namespace raftlab::lab
