// The search walks the history's events in time order, keeping a linked list
// of those not yet linearized. At each node it tries, one at a time, the
// operations whose call comes before the first pending return: linearize it
// now (the model must accept it, and the resulting (set of linearized ops,
// register state) must be new; the memo is what makes the search practical).
// When none works, the earliest pending return belongs to an operation that
// cannot be placed in time, so it backtracks. Linearized operations are lifted
// out of the list.
//
// Exact shortcuts on top of Porcupine's algorithm (each a dominance argument:
// the moves skipped can never succeed where the move kept fails), all checked
// against a brute-force checker in tests/lincheck:
//  - a read the current state satisfies is the only move tried at its node;
//  - puts of never-read values share one state id, and of the puts and
//    deletes that would leave the same state only the one that must return
//    first is tried at a node;
//  - an unknown operation is never placed where it would change nothing, nor
//    before any candidate needs what it writes (it has no deadline, so it can
//    always wait), and the search ends once every acknowledged one is placed.
// Before the search, key_history.h settles unknown writes that were observed
// and prunes the ones nobody could observe. Together they matter when one key
// sees many concurrent clients or many timeouts: 1,000 ops on one key from 20
// clients went from a timeout (>30 s) to about 1.5 s, and a 2,000-op key with
// 20% unknown outcomes and a planted stale read from "gave up" to 0.2 s.
#include "scenarios/lincheck/search.h"

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <unordered_set>

namespace raftlab::lincheck::detail {

namespace {

std::uint64_t splitmix(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// The set of (linearized ops, state) pairs already explored. Each linearized
// set is hashed incrementally (XOR of one random word per op), so a lookup
// costs one hash-map probe plus a bitset compare on a hit.
class Memo {
  public:
    explicit Memo(std::size_t words) : words_(words) {}

    bool insert(std::uint64_t set_hash, const std::vector<std::uint64_t>& bits,
                std::int32_t state) {
        std::uint64_t s = static_cast<std::uint64_t>(static_cast<std::uint32_t>(state));
        const std::uint64_t key = set_hash ^ splitmix(s);
        auto [it, fresh] = heads_.try_emplace(key, kNone);
        for (std::uint32_t i = it->second; i != kNone; i = chain_[i]) {
            if (states_[i] == state &&
                std::equal(bits.begin(), bits.end(), arena_.begin() + i * words_)) {
                return false;
            }
        }
        const auto index = static_cast<std::uint32_t>(states_.size());
        arena_.insert(arena_.end(), bits.begin(), bits.end());
        states_.push_back(state);
        chain_.push_back(it->second);
        it->second = index;
        return true;
    }

    // Roughly what the memo holds: each state's bitset, state, chain link and
    // hash-map node.
    std::size_t bytes() const { return states_.size() * (words_ * 8 + 8 + 48); }

  private:
    static constexpr std::uint32_t kNone = UINT32_MAX;
    std::size_t words_;
    std::vector<std::uint64_t> arena_;
    std::vector<std::int32_t> states_;
    std::vector<std::uint32_t> chain_;
    std::unordered_map<std::uint64_t, std::uint32_t> heads_;
};

// Events in a doubly linked list; index `head` is a sentinel before the first.
struct Events {
    std::vector<int> op;        // which operation
    std::vector<bool> is_call;  // call or return
    std::vector<int> match;     // call -> its return
    std::vector<int> next, prev;
    int head = 0;

    void unlink(int e) {
        next[prev[e]] = next[e];
        if (next[e] != -1) prev[next[e]] = prev[e];
    }
    void relink(int e) {
        next[prev[e]] = e;
        if (next[e] != -1) prev[next[e]] = e;
    }
    void lift(int call) {
        unlink(call);
        unlink(match[call]);
    }
    void unlift(int call) {
        relink(match[call]);
        relink(call);
    }
};

Events build_events(const std::vector<KeyOp>& ops) {
    struct Raw {
        std::int64_t t;
        bool is_return;
        int op;
    };
    std::vector<Raw> raw;
    raw.reserve(ops.size() * 2);
    for (int i = 0; i < static_cast<int>(ops.size()); ++i) {
        raw.push_back({ops[i].invoke, false, i});
        raw.push_back({ops[i].complete, true, i});
    }
    // At equal times calls sort before returns: two operations that touch the
    // same instant are treated as concurrent, which never invents a violation.
    std::sort(raw.begin(), raw.end(), [](const Raw& a, const Raw& b) {
        if (a.t != b.t) return a.t < b.t;
        if (a.is_return != b.is_return) return !a.is_return;
        return a.op < b.op;
    });

    const int n = static_cast<int>(raw.size());
    Events ev;
    ev.head = n;
    ev.op.resize(n + 1, -1);
    ev.is_call.resize(n + 1, false);
    ev.match.resize(n + 1, -1);
    ev.next.resize(n + 1, -1);
    ev.prev.resize(n + 1, -1);
    std::vector<int> call_of(ops.size(), -1);
    for (int e = 0; e < n; ++e) {
        ev.op[e] = raw[e].op;
        ev.is_call[e] = !raw[e].is_return;
        if (ev.is_call[e]) {
            call_of[raw[e].op] = e;
        } else {
            ev.match[call_of[raw[e].op]] = e;
        }
        ev.prev[e] = e == 0 ? ev.head : e - 1;
        ev.next[e] = e + 1 < n ? e + 1 : -1;
    }
    ev.next[ev.head] = n > 0 ? 0 : -1;
    return ev;
}

bool is_read(const KeyOp& op) {
    return op.kind == OpKind::Get ||
           (op.kind == OpKind::Cas && op.outcome == Outcome::Ok && !op.swapped);
}

// Written values that no operation ever looks for (no get returns them, no CAS
// expects them) are indistinguishable to the model: every step treats them
// alike. Giving them all one id lets the memo see "overwritten by some unread
// value" as one state, whichever concurrent blind write came last.
constexpr std::int32_t kUnread = -2;

std::vector<KeyOp> collapse_unread_values(const std::vector<KeyOp>& ops) {
    std::unordered_set<std::int32_t> observed;
    for (const KeyOp& op : ops) {
        if (op.kind == OpKind::Get) observed.insert(op.value);
        if (op.kind == OpKind::Cas) observed.insert(op.expected);
    }
    std::vector<KeyOp> out = ops;
    for (KeyOp& op : out) {
        const bool writes_value = op.kind == OpKind::Put || op.kind == OpKind::Cas;
        if (writes_value && !observed.count(op.value)) op.value = kUnread;
    }
    return out;
}

}  // namespace

SearchVerdict search(const std::vector<KeyOp>& original, const Budget& budget) {
    if (original.empty()) return SearchVerdict::Linearizable;
    const std::vector<KeyOp> ops = collapse_unread_values(original);
    Events ev = build_events(ops);

    std::vector<std::uint64_t> zobrist(ops.size());
    std::uint64_t seed = 0x5EED;
    for (auto& z : zobrist)
        z = splitmix(seed);

    const std::size_t words = (ops.size() + 63) / 64;
    std::vector<std::uint64_t> linearized(words, 0);
    std::uint64_t set_hash = 0;
    Memo memo(words);

    struct Frame {
        int call;
        std::int32_t state_before;
        // Taken as the only move at its node (a read the current state
        // satisfies): when it is undone, the whole node is exhausted.
        bool forced;
    };
    std::vector<Frame> stack;
    stack.reserve(ops.size());
    std::int32_t state = kMissing;

    // Unknown operations never have to be linearized: once every acknowledged
    // one is, the rest can go at the end (the model accepts them in any state).
    const auto determinate_total = static_cast<std::size_t>(std::count_if(
        ops.begin(), ops.end(), [](const KeyOp& op) { return op.outcome != Outcome::Unknown; }));
    std::size_t determinate_done = 0;

    auto flip = [&](int op) {
        linearized[op / 64] ^= 1ULL << (op % 64);
        set_hash ^= zobrist[op];
    };
    // Tries to linearize the op of `call` now; true if it led to a new state.
    auto try_linearize = [&](int call, bool forced) {
        const int op = ev.op[call];
        std::int32_t after = state;
        if (!step(ops[op], after)) return false;
        flip(op);
        if (!memo.insert(set_hash, linearized, after)) {
            flip(op);
            return false;
        }
        stack.push_back({call, state, forced});
        state = after;
        ev.lift(call);
        if (ops[op].outcome != Outcome::Unknown) ++determinate_done;
        return true;
    };
    // Undoes choices until one that was not forced; returns its call (the
    // caller goes on with the next candidate after it), or -1 if none is left.
    auto backtrack = [&]() -> int {
        while (!stack.empty()) {
            const Frame top = stack.back();
            stack.pop_back();
            state = top.state_before;
            flip(ev.op[top.call]);
            ev.unlift(top.call);
            if (ops[ev.op[top.call]].outcome != Outcome::Unknown) --determinate_done;
            if (!top.forced) return top.call;
        }
        return -1;
    };

    // The operations that may go next: calls before the first pending return,
    // in invocation order (Porcupine's order). Trying the order of interval
    // midpoints instead was measured slower once many outcomes are unknown:
    // an unknown write that someone read must go early, and it sorts last.
    std::vector<int> candidates;
    auto load_candidates = [&] {
        candidates.clear();
        for (int e = ev.next[ev.head]; e != -1 && ev.is_call[e]; e = ev.next[e]) {
            candidates.push_back(e);
        }
    };
    // Puts and deletes that leave the same state (puts of never-read values,
    // all deletes, puts of a repeated value) are interchangeable: at one node
    // only the one that must return first is worth trying, since any solution
    // that starts with another can swap the two. Events are in time order, so
    // the smallest return index is the earliest return (unknown ones last).
    std::unordered_map<std::int32_t, int> first_writer;  // state written -> call
    auto load_first_writers = [&] {
        first_writer.clear();
        for (int e : candidates) {
            const KeyOp& op = ops[ev.op[e]];
            if (op.kind != OpKind::Put && op.kind != OpKind::Delete) continue;
            const std::int32_t written = op.kind == OpKind::Put ? op.value : kMissing;
            auto [it, fresh] = first_writer.try_emplace(written, e);
            if (!fresh && ev.match[e] < ev.match[it->second]) it->second = e;
        }
    };
    auto interchangeable_with_earlier = [&](int e) {
        const KeyOp& op = ops[ev.op[e]];
        if (op.kind != OpKind::Put && op.kind != OpKind::Delete) return false;
        return first_writer.at(op.kind == OpKind::Put ? op.value : kMissing) != e;
    };
    // A read the current state satisfies can be linearized right away without
    // losing any solution: it changes no state and only drops a constraint. So
    // it is the only move worth trying at its node.
    auto satisfied_read = [&]() {
        for (int e : candidates) {
            std::int32_t after = state;
            if (is_read(ops[ev.op[e]]) && step(ops[ev.op[e]], after)) return e;
        }
        return -1;
    };

    // An unknown operation that would not change the state now (a CAS whose
    // comparison fails, a put of the current value) is never worth placing:
    // leaving it for later, or for never, allows everything placing it allows.
    auto unknown_no_op = [&](const KeyOp& op) {
        if (op.outcome != Outcome::Unknown) return false;
        switch (op.kind) {
            case OpKind::Cas:
                return state != op.expected || op.value == state;
            case OpKind::Put:
                return op.value == state;
            case OpKind::Delete:
                return state == kMissing;
            case OpKind::Get:
                return true;
        }
        return false;
    };

    // An unknown write has no deadline, so it can always be moved later: to
    // just before the first operation that behaves differently because of it.
    // So at a node it is only worth placing if some candidate would step
    // differently from the state it writes than from the current state.
    // `useful_any`: some candidate would differ for *every* other state (a
    // failed CAS blocked by the current value); `useful_values`: states some
    // candidate is waiting for.
    bool useful_any = false;
    std::vector<std::int32_t> useful_values;
    auto load_usefulness = [&] {
        useful_any = false;
        useful_values.clear();
        for (int e : candidates) {
            const KeyOp& op = ops[ev.op[e]];
            switch (op.kind) {
                case OpKind::Get:
                    if (op.value != state) useful_values.push_back(op.value);
                    break;
                case OpKind::Cas:
                    if (op.outcome == Outcome::Ok && !op.swapped) {
                        if (state == op.expected) useful_any = true;
                    } else if (state == op.expected) {
                        // Nothing: a write in front of an unknown CAS that would
                        // swap only turns it into a no-op, which leaving the CAS
                        // out achieves as well.
                    } else {
                        useful_values.push_back(op.expected);
                    }
                    break;
                case OpKind::Put:
                case OpKind::Delete:
                    break;
            }
        }
    };
    auto unknown_write_useless = [&](const KeyOp& op) {
        if (op.outcome != Outcome::Unknown || useful_any) return false;
        std::int32_t after = state;
        step(op, after);
        return std::find(useful_values.begin(), useful_values.end(), after) == useful_values.end();
    };

    std::uint64_t iterations = 0;
    std::size_t pos = 0;
    bool at_new_node = true;
    for (;;) {
        if ((iterations++ & 0xFFF) == 0) {
            if (std::chrono::steady_clock::now() > budget.deadline) return SearchVerdict::Timeout;
            if (memo.bytes() > budget.max_memo_bytes) return SearchVerdict::OutOfMemory;
        }
        if (at_new_node) {
            if (determinate_done == determinate_total) return SearchVerdict::Linearizable;
            load_candidates();
            if (const int read = satisfied_read(); read != -1) {
                if (try_linearize(read, true)) continue;  // still at_new_node
                pos = candidates.size();                  // explored before: node done
            } else {
                load_first_writers();
                load_usefulness();
                pos = 0;
            }
            at_new_node = false;
        }
        if (pos < candidates.size()) {
            const int e = candidates[pos];
            const KeyOp& op = ops[ev.op[e]];
            const bool dominated =
                interchangeable_with_earlier(e) || unknown_no_op(op) || unknown_write_useless(op);
            if (!dominated && try_linearize(e, false)) {
                at_new_node = true;
            } else {
                ++pos;
            }
            continue;
        }
        // Every candidate at this node failed: undo the choice that led here
        // and go on with the next candidate of the node before.
        const int undone = backtrack();
        if (undone == -1) return SearchVerdict::Illegal;
        load_candidates();
        load_first_writers();
        load_usefulness();
        pos = static_cast<std::size_t>(std::find(candidates.begin(), candidates.end(), undone) -
                                       candidates.begin()) +
              1;
    }
}

}  // namespace raftlab::lincheck::detail
