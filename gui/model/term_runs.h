// A node's log as the viewer needs it: the term of every index, stored as
// runs of equal terms. A million entries written in one term cost one run,
// which is what lets the log view show 1,000,000 entries without allocating
// per entry. Indexes start at 1, as in the paper.
#pragma once

#include <vector>

#include "gui/model/event.h"

namespace raftlab::gui {

class TermRuns {
  public:
    Index last_index() const { return last_; }
    // The term of entry `i`, or 0 when the log has no entry there.
    Term term_at(Index i) const;
    std::size_t run_count() const { return runs_.size(); }
    // The first index after `i` where the term may change (the next run's
    // first index, or last_index() + 1): comparing two logs run by run.
    Index next_boundary(Index i) const;

    // Drop every entry after `i` (a follower's conflicting suffix, §5.3).
    void truncate_after(Index i);
    // Write entries first..last in `term`, replacing whatever was at and
    // after `first`, exactly as a follower overwrites a conflicting suffix.
    void write(Index first, Index last, Term term);
    // Write first..last with the terms `source` has there (Log Matching:
    // the entries a follower persists are the leader's). Indexes `source`
    // lacks take `fallback`.
    void copy_from(const TermRuns& source, Index first, Index last, Term fallback);

    friend bool operator==(const TermRuns&, const TermRuns&) = default;

  private:
    struct Run {
        Index first;  // entries first..(next run's first - 1) have `term`
        Term term;
        friend bool operator==(const Run&, const Run&) = default;
    };
    void push(Index first, Term term);
    std::vector<Run> runs_;
    Index last_ = 0;
};

}  // namespace raftlab::gui
