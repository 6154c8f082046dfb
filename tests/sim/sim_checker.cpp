#include "tests/sim/sim_checker.h"

#include <functional>

#include "tests/sim/sim_kv.h"

namespace raftlab::sim {
namespace {

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
    // splitmix64 finalizer over h ^ v: cheap and well distributed.
    std::uint64_t z = h ^ (v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2));
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

std::string entry_text(Index index, Term term) {
    return "(index " + std::to_string(index) + ", term " + std::to_string(term) + ")";
}

}  // namespace

std::uint64_t entry_hash(const core::Entry& e) {
    std::uint64_t h = mix(e.term, static_cast<std::uint64_t>(e.type));
    h = mix(h, std::hash<std::string>()(e.data));
    if (e.membership) {
        for (const auto& [id, m] : e.membership->members) {
            h = mix(h, id * 4 + (m.voter ? 1 : 0) + static_cast<std::uint64_t>(m.status) * 2);
        }
    }
    return h;
}

void Checker::fail(std::int64_t t, NodeId node, std::string invariant, std::string detail) {
    violations_.push_back(Violation{std::move(invariant), std::move(detail), t, node});
}

void Checker::on_leader(std::int64_t t, NodeId node, Term term, const core::Raft& raft) {
    // Election Safety: at most one leader can be elected in a given term (§5.2).
    auto [it, inserted] = leaders_.emplace(term, node);
    if (!inserted && it->second != node) {
        fail(t, node, "Election Safety",
             "nodes " + std::to_string(it->second) + " and " + std::to_string(node) +
                 " were both leader in term " + std::to_string(term));
        return;
    }
    if (term > max_leader_term_) max_leader_term_ = term;

    // Leader Completeness: an entry committed in a term is present in the log
    // of every leader of a higher term (§5.4). commit_term is an upper bound,
    // so entries it cannot vouch for are skipped rather than falsely blamed.
    const core::Status st = raft.status();
    const auto& log = raft.log();
    if (st.snapshot_index > 0 && st.snapshot_index <= committed_.size()) {
        const Committed& c = committed_[st.snapshot_index - 1];
        if (c.commit_term < term && c.term != st.snapshot_term) {
            fail(t, node, "Leader Completeness",
                 "leader " + std::to_string(node) + " of term " + std::to_string(term) +
                     " has a snapshot at " + entry_text(st.snapshot_index, st.snapshot_term) +
                     " but the committed entry there has term " + std::to_string(c.term));
            return;
        }
    }
    for (Index i = st.snapshot_index + 1; i <= committed_.size(); ++i) {
        const Committed& c = committed_[i - 1];
        if (c.commit_term >= term) continue;
        const core::Entry* e = nullptr;
        if (!log.empty() && i >= log.front().index && i - log.front().index < log.size()) {
            e = &log[i - log.front().index];
        }
        if (e == nullptr || e->term != c.term || entry_hash(*e) != c.data_hash) {
            fail(
                t, node, "Leader Completeness",
                "leader " + std::to_string(node) + " of term " + std::to_string(term) +
                    (e ? " holds " + entry_text(i, e->term) : " lacks index " + std::to_string(i)) +
                    " but " + entry_text(i, c.term) +
                    " was committed (in term <= " + std::to_string(c.commit_term) + ")");
            return;
        }
    }
}

void Checker::on_leader_overwrite(std::int64_t t, NodeId node, Term term, Index from, Index last) {
    fail(t, node, "Leader Append-Only",
         "leader " + std::to_string(node) + " of term " + std::to_string(term) +
             " rewrote its log from index " + std::to_string(from) + " while holding up to " +
             std::to_string(last));
}

void Checker::on_persist_snapshot(std::int64_t, NodeId node, Index index, Term term) {
    Chain& c = chains_[node];
    auto it = prefix_.find({index, term});
    std::uint64_t h = it != prefix_.end() ? it->second : mix(index, term);
    if (it == prefix_.end()) prefix_.emplace(std::make_pair(index, term), h);
    c.base_index = index;
    c.base_hash = h;
    c.hashes.clear();
}

void Checker::on_compact(NodeId node, Index index) {
    Chain& c = chains_[node];
    if (index <= c.base_index || index > c.last()) return;
    c.base_hash = c.hashes[index - c.base_index - 1];
    c.hashes.erase(c.hashes.begin(), c.hashes.begin() + (index - c.base_index));
    c.base_index = index;
}

void Checker::on_persist_entries(std::int64_t t, NodeId node,
                                 const std::vector<core::Entry>& entries) {
    if (entries.empty()) return;
    Chain& c = chains_[node];
    const Index first = entries.front().index;
    if (first <= c.base_index || first > c.last() + 1) {
        fail(t, node, "Driver Contract",
             "node " + std::to_string(node) + " asked to persist entries from index " +
                 std::to_string(first) + " but its durable log covers (" +
                 std::to_string(c.base_index) + ", " + std::to_string(c.last()) + "]");
        return;
    }
    c.hashes.resize(first - c.base_index - 1);  // the truncated suffix goes
    for (const auto& e : entries) {
        if (e.index != c.last() + 1) {
            fail(t, node, "Driver Contract",
                 "node " + std::to_string(node) + " persisted a non-contiguous batch at index " +
                     std::to_string(e.index));
            return;
        }
        const std::uint64_t prev = c.hashes.empty() ? c.base_hash : c.hashes.back();
        const std::uint64_t h = mix(prev, entry_hash(e));
        // Log Matching: if two logs contain an entry with the same index and
        // term, the logs are identical in all entries up through that index.
        auto [it, inserted] = prefix_.emplace(std::make_pair(e.index, e.term), h);
        if (!inserted && it->second != h) {
            fail(t, node, "Log Matching",
                 "node " + std::to_string(node) + " holds " + entry_text(e.index, e.term) +
                     " like another node, but the two logs differ at or before that index");
            return;
        }
        c.hashes.push_back(h);
    }
}

void Checker::on_apply(std::int64_t t, NodeId node, const core::Entry& e) {
    const std::uint64_t h = entry_hash(e);
    if (e.index <= committed_.size()) {
        Committed& c = committed_[e.index - 1];
        if (c.term == 0) {  // a gap placeholder: the first apply fills it
            c = Committed{e.term, h, max_leader_term_};
            return;
        }
        if (c.term != e.term || c.data_hash != h) {
            fail(t, node, "State Machine Safety",
                 "node " + std::to_string(node) + " applied " + entry_text(e.index, e.term) +
                     " but another node applied " + entry_text(e.index, c.term) +
                     (c.term == e.term ? " with different contents" : ""));
        }
        return;
    }
    if (e.index != committed_.size() + 1) {
        // Someone applied past a gap nobody else filled: a node applied an
        // index without applying its predecessor (or from a snapshot it took).
        committed_.resize(e.index - 1, Committed{0, 0, ~Term{0}});  // term 0: placeholder
    }
    committed_.push_back(Committed{e.term, h, max_leader_term_});
    if (auto cmd = parse_set(e.data); cmd && e.type == core::EntryType::Normal) {
        value_index_.emplace(cmd->value, e.index);
    }
}

void Checker::on_write_ack(const std::string& key, Index index) {
    if (index > max_acked_) max_acked_ = index;
    Index& k = key_acked_[key];
    if (index > k) k = index;
}

ReadBaseline Checker::read_baseline(const std::string& key) const {
    ReadBaseline b;
    b.max_acked_index = max_acked_;
    auto it = key_acked_.find(key);
    if (it != key_acked_.end()) b.key_acked_index = it->second;
    return b;
}

void Checker::on_read(std::int64_t t, NodeId node, const std::string& key, const ReadBaseline& base,
                      Index read_index, const std::optional<std::string>& value) {
    // A linearizable read observes every write acknowledged before it was
    // invoked (§6.4): its read index must cover them, and the value it returns
    // must come from the latest such write to its key or a later one.
    if (read_index < base.max_acked_index) {
        fail(t, node, "Linearizable Read",
             "node " + std::to_string(node) + " served a read at read index " +
                 std::to_string(read_index) + " but a write at index " +
                 std::to_string(base.max_acked_index) + " was acknowledged before the read began");
        return;
    }
    if (!value) {
        if (base.key_acked_index > 0) {
            fail(t, node, "Linearizable Read",
                 "node " + std::to_string(node) + " read no value for " + key +
                     " but a write at index " + std::to_string(base.key_acked_index) +
                     " was acknowledged before the read began");
        }
        return;
    }
    auto it = value_index_.find(*value);
    if (it == value_index_.end()) {
        fail(t, node, "Linearizable Read",
             "node " + std::to_string(node) + " read " + key + "=" + *value +
                 ", a value no node has applied as committed");
        return;
    }
    if (it->second < base.key_acked_index) {
        fail(t, node, "Linearizable Read",
             "node " + std::to_string(node) + " read the stale " + key + "=" + *value +
                 " (written at index " + std::to_string(it->second) +
                 ") though the write at index " + std::to_string(base.key_acked_index) +
                 " was acknowledged before the read began");
    }
}

}  // namespace raftlab::sim
