#include "engine/lab/term_runs.h"

#include <algorithm>

namespace raftlab::lab {
namespace {

void add_run(pb::EntryRange* out, core::Index first, core::Term term) {
    auto* run = out->add_terms();
    run->set_first_index(first);
    run->set_term(term);
}

}  // namespace

void fill_range(const std::vector<core::Entry>& entries, pb::EntryRange* out) {
    out->set_from(entries.front().index);
    out->set_to(entries.back().index);
    out->set_term(entries.back().term);
    // Almost always one term: a single comparison of the ends says so,
    // because terms never decrease along a log (§5.3).
    if (entries.front().term == entries.back().term) return;
    core::Term term = entries.front().term;
    add_run(out, entries.front().index, term);
    for (const auto& e : entries) {
        if (e.term == term) continue;
        term = e.term;
        add_run(out, e.index, term);
    }
}

void TermRuns::push(core::Index first, core::Term term) {
    if (runs_.empty() || runs_.back().term != term) runs_.push_back({first, term});
}

void TermRuns::committed(const std::vector<core::Entry>& entries) {
    for (const auto& e : entries) {
        if (e.index <= last_) continue;  // already known (commit never moves back)
        // A gap (the node restarted, or a snapshot skipped ahead): unknown terms.
        if (e.index > last_ + 1) push(last_ + 1, 0);
        push(e.index, e.term);
        last_ = e.index;
    }
}

void TermRuns::installed(core::Index index, core::Term term) {
    runs_.clear();
    runs_.push_back({index, term});
    last_ = index;
}

void TermRuns::take(core::Index from, core::Index to, pb::EntryRange* out) {
    out->set_from(from);
    out->set_to(to);
    // The runs that cover [from, to], with term 0 where nothing was recorded.
    core::Index next = from;  // the first index not yet described
    core::Term last_term = 0;
    int emitted = 0;
    auto emit = [&](core::Index first, core::Term term) {
        if (emitted > 0 && term == last_term) return;
        add_run(out, first, term);
        last_term = term;
        ++emitted;
    };
    for (std::size_t i = 0; i < runs_.size() && next <= to; ++i) {
        const core::Index end = i + 1 < runs_.size() ? runs_[i + 1].first - 1 : last_;
        if (end < next) continue;
        if (runs_[i].first > next) emit(next, 0);  // a gap before this run
        emit(std::max(next, runs_[i].first), runs_[i].term);
        next = end + 1;
    }
    if (next <= to) emit(next, 0);  // applied beyond what was recorded
    out->set_term(last_term);
    // One run: `term` says it all (lab.proto: empty `terms` = one term).
    if (emitted == 1) out->clear_terms();
    drop_through(to);
}

void TermRuns::drop_through(core::Index index) {
    while (!runs_.empty()) {
        const core::Index end = runs_.size() > 1 ? runs_[1].first - 1 : last_;
        if (end > index) break;
        runs_.pop_front();
    }
    if (!runs_.empty() && runs_.front().first <= index) runs_.front().first = index + 1;
}

}  // namespace raftlab::lab
