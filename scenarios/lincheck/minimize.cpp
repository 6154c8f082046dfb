#include "scenarios/lincheck/minimize.h"

#include <algorithm>
#include <unordered_map>

namespace raftlab::lincheck::detail {

namespace {

bool is_read(const KeyOp& op) {
    return op.kind == OpKind::Get ||
           (op.kind == OpKind::Cas && op.outcome == Outcome::Ok && !op.swapped);
}

// Settling and pruning never change a verdict, and make the search cheaper.
SearchVerdict judge(std::vector<KeyOp> ops, const Budget& budget) {
    settle_observed_unknown_writes(ops);
    prune_unobservable_writes(ops);
    return search(ops, budget);
}

// Can this op be weakened further? Reads can be dropped; acknowledged writes
// can become unknown; any CAS that may write can become an unknown put of its
// new value. Unknown puts and deletes are left to prune_unobservable_writes.
bool weakenable(const KeyOp& op) {
    return is_read(op) || op.outcome == Outcome::Ok || op.kind == OpKind::Cas;
}

std::vector<KeyOp> weaken(const std::vector<KeyOp>& ops, const std::vector<std::size_t>& which) {
    std::vector<bool> hit(ops.size(), false);
    for (std::size_t i : which)
        hit[i] = true;
    std::vector<KeyOp> out;
    out.reserve(ops.size());
    for (std::size_t i = 0; i < ops.size(); ++i) {
        if (!hit[i]) {
            out.push_back(ops[i]);
        } else if (!is_read(ops[i])) {
            // Each replacement allows every linearization the original allowed
            // (an unknown put of v can sit exactly where a CAS swapped to v, or
            // not happen where it did not swap), so legality is preserved and an
            // illegal result is still evidence against the original.
            KeyOp w = ops[i];
            if (w.kind == OpKind::Cas) w.kind = OpKind::Put;
            w.outcome = Outcome::Unknown;
            w.complete = kNever;
            out.push_back(w);
        }
    }
    prune_unobservable_writes(out);
    return out;
}

// The shrinking above may leave a read that was only needed because a write
// had been weakened. Showing the operations as recorded, try once more to drop
// each read; every step is checked, so the window shown is verified illegal
// exactly as printed.
Window drop_reads_as_recorded(const Window& weak, const std::vector<KeyOp>& recorded,
                              const Budget& budget) {
    std::unordered_map<std::size_t, const KeyOp*> by_source;
    for (const KeyOp& op : recorded)
        by_source[op.source] = &op;
    std::vector<KeyOp> ops;
    for (const KeyOp& op : weak.ops)
        ops.push_back(*by_source.at(op.source));
    if (judge(ops, budget) != SearchVerdict::Illegal) return weak;  // keep the proven form
    for (std::size_t i = 0; i < ops.size();) {
        if (!is_read(ops[i])) {
            ++i;
            continue;
        }
        std::vector<KeyOp> trial = ops;
        trial.erase(trial.begin() + static_cast<std::ptrdiff_t>(i));
        const auto verdict = judge(trial, budget);
        if (verdict == SearchVerdict::Timeout || verdict == SearchVerdict::OutOfMemory) {
            return {std::move(ops), false};
        }
        if (verdict == SearchVerdict::Illegal) {
            ops = std::move(trial);
        } else {
            ++i;
        }
    }
    return {std::move(ops), weak.minimal};
}

// ddmin over the operations `eligible` picks, weakening chunks of them.
// Returns false if the budget ran out (ops then holds the progress so far).
bool shrink_pass(std::vector<KeyOp>& ops, const Budget& budget, bool (*eligible)(const KeyOp&)) {
    std::size_t chunk = std::max<std::size_t>(1, ops.size() / 2);
    for (;;) {
        std::vector<std::size_t> candidates;
        for (std::size_t i = 0; i < ops.size(); ++i) {
            if (eligible(ops[i])) candidates.push_back(i);
        }
        bool shrunk = false;
        for (std::size_t start = 0; start < candidates.size() && !shrunk; start += chunk) {
            const auto end = std::min(candidates.size(), start + chunk);
            const std::vector<std::size_t> which(candidates.begin() + start,
                                                 candidates.begin() + end);
            std::vector<KeyOp> trial = weaken(ops, which);
            switch (judge(trial, budget)) {
                case SearchVerdict::Timeout:
                case SearchVerdict::OutOfMemory:
                    return false;
                case SearchVerdict::Illegal:
                    ops = std::move(trial);
                    shrunk = true;
                    break;
                case SearchVerdict::Linearizable:
                    break;
            }
        }
        if (shrunk) {
            chunk = std::min(chunk, std::max<std::size_t>(1, ops.size() / 2));
            continue;
        }
        if (chunk == 1) return true;
        chunk = std::max<std::size_t>(1, chunk / 2);
    }
}

// Reads go first: dropping them is cheap for the search, and it removes the
// failed CASes that keep unobserved writes from being pruned. Only then are
// writes weakened; with few readers left, most weakened writes prune away
// instead of lingering as unknown writes the search has to place.
Window shrink(std::vector<KeyOp> ops, const Budget& budget) {
    prune_unobservable_writes(ops);
    if (!shrink_pass(ops, budget, is_read)) return {std::move(ops), false};
    if (!shrink_pass(ops, budget, weakenable)) return {std::move(ops), false};
    return {std::move(ops), true};
}

}  // namespace

Window minimize(std::vector<KeyOp> ops, const Budget& budget) {
    const std::vector<KeyOp> recorded = ops;
    Window weak = shrink(std::move(ops), budget);
    if (!weak.minimal) return weak;
    return drop_reads_as_recorded(weak, recorded, budget);
}

}  // namespace raftlab::lincheck::detail
