#include "gui/model/term_runs.h"

#include <algorithm>

namespace raftlab::gui {

Term TermRuns::term_at(Index i) const {
    if (i == 0 || i > last_ || runs_.empty()) return 0;
    // The last run whose first index is <= i.
    auto it = std::upper_bound(runs_.begin(), runs_.end(), i,
                               [](Index v, const Run& r) { return v < r.first; });
    if (it == runs_.begin()) return 0;
    return std::prev(it)->term;
}

Index TermRuns::next_boundary(Index i) const {
    if (i >= last_) return i + 1;
    auto it = std::upper_bound(runs_.begin(), runs_.end(), i,
                               [](Index v, const Run& r) { return v < r.first; });
    return it == runs_.end() ? last_ + 1 : std::min(it->first, last_ + 1);
}

void TermRuns::truncate_after(Index i) {
    if (i >= last_) return;
    while (!runs_.empty() && runs_.back().first > i)
        runs_.pop_back();
    last_ = i;
}

void TermRuns::push(Index first, Term term) {
    if (!runs_.empty() && runs_.back().term == term) return;  // extends the last run
    runs_.push_back(Run{first, term});
}

void TermRuns::write(Index first, Index last, Term term) {
    if (first == 0) first = 1;
    if (last < first) return;
    truncate_after(first - 1);
    // A gap (entries the viewer never saw, e.g. before it attached) keeps
    // term 0, which views draw as unknown.
    if (first > last_ + 1) push(last_ + 1, 0);
    push(first, term);
    last_ = last;
}

void TermRuns::copy_from(const TermRuns& source, Index first, Index last, Term fallback) {
    if (first == 0) first = 1;
    if (last < first) return;
    truncate_after(first - 1);
    Index i = first;
    while (i <= last) {
        const Term t = source.term_at(i);
        // Find where this term's run ends in the source, so copying a long
        // run costs one step, not one per entry.
        Index end = last;
        if (t != 0) {
            auto it = std::upper_bound(source.runs_.begin(), source.runs_.end(), i,
                                       [](Index v, const Run& r) { return v < r.first; });
            if (it != source.runs_.end()) end = std::min(last, it->first - 1);
            end = std::min(end, source.last_);
        } else if (i <= source.last_) {
            end = std::min(last, source.last_);
        }
        write(i, end, t != 0 ? t : fallback);
        i = end + 1;
    }
}

}  // namespace raftlab::gui
