// The search walks the history's events in time order, keeping a linked list
// of those not yet linearized. At a call it tries to linearize that operation
// now (the model must accept it, and the resulting (set of linearized ops,
// register state) must be new: the memo is what makes the search practical).
// At a return whose operation is not yet linearized, the current prefix
// cannot be extended, so it backtracks. Linearized operations are lifted out
// of the list, so the scan always restarts at the earliest pending event.
#include "scenarios/lincheck/search.h"

#include <algorithm>
#include <cstdint>
#include <unordered_map>

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

}  // namespace

SearchVerdict search(const std::vector<KeyOp>& ops, Deadline deadline) {
    if (ops.empty()) return SearchVerdict::Linearizable;
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
    };
    std::vector<Frame> stack;
    stack.reserve(ops.size());
    std::int32_t state = kMissing;

    auto flip = [&](int op) {
        linearized[op / 64] ^= 1ULL << (op % 64);
        set_hash ^= zobrist[op];
    };

    std::uint64_t iterations = 0;
    int entry = ev.next[ev.head];
    while (ev.next[ev.head] != -1) {
        if ((iterations++ & 0xFFF) == 0 && std::chrono::steady_clock::now() > deadline) {
            return SearchVerdict::Timeout;
        }
        if (ev.is_call[entry]) {
            const int op = ev.op[entry];
            std::int32_t after = state;
            if (step(ops[op], after)) {
                flip(op);
                if (memo.insert(set_hash, linearized, after)) {
                    stack.push_back({entry, state});
                    state = after;
                    ev.lift(entry);
                    entry = ev.next[ev.head];
                    continue;
                }
                flip(op);
            }
            entry = ev.next[entry];
        } else {
            // The earliest pending return belongs to an operation we could not
            // place before it: undo the last choice and try the next candidate.
            if (stack.empty()) return SearchVerdict::Illegal;
            const Frame top = stack.back();
            stack.pop_back();
            state = top.state_before;
            flip(ev.op[top.call]);
            ev.unlift(top.call);
            entry = ev.next[top.call];
        }
    }
    return SearchVerdict::Linearizable;
}

}  // namespace raftlab::lincheck::detail
