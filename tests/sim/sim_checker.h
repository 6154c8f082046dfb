// The safety invariants of Raft (Figure 3 of the paper) plus linearizable
// reads, checked incrementally: each hook is called by the simulator the
// moment the relevant state changes, so "after every step" costs O(change),
// not O(log) per step.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/core/raft.h"

namespace raftlab::sim {

using core::Index;
using core::NodeId;
using core::Term;

struct Violation {
    std::string invariant;  // "Election Safety", "Log Matching", ...
    std::string detail;     // what was seen, with node ids, indexes and terms
    std::int64_t t_ms = 0;
    NodeId node = core::kNoNode;
};

// What a read must observe, captured when the read is invoked.
struct ReadBaseline {
    Index max_acked_index = 0;  // highest index of any write acknowledged so far
    Index key_acked_index = 0;  // highest acknowledged write to this key
};

class Checker {
  public:
    // A node is seen as leader of `term` for the first time.
    // Election Safety (§5.2) and Leader Completeness (§5.4).
    void on_leader(std::int64_t t, NodeId node, Term term, const core::Raft& raft);

    // Leader Append-Only (§5.3): a leader deleted or overwrote its own log.
    void on_leader_overwrite(std::int64_t t, NodeId node, Term term, Index from, Index last);

    // Log Matching (§5.3), on the durable log of each node.
    void on_persist_snapshot(std::int64_t t, NodeId node, Index index, Term term);
    void on_persist_entries(std::int64_t t, NodeId node, const std::vector<core::Entry>& entries);
    void on_compact(NodeId node, Index index);

    // State Machine Safety (§5.4.3): the same entry is applied at each index.
    void on_apply(std::int64_t t, NodeId node, const core::Entry& entry);

    // Linearizable reads (§6.4).
    void on_write_ack(const std::string& key, Index index);
    ReadBaseline read_baseline(const std::string& key) const;
    void on_read(std::int64_t t, NodeId node, const std::string& key, const ReadBaseline& base,
                 Index read_index, const std::optional<std::string>& value);

    // Anything else the harness finds wrong (driver contract, liveness).
    void fail(std::int64_t t, NodeId node, std::string invariant, std::string detail);

    bool failed() const { return !violations_.empty(); }
    const std::vector<Violation>& violations() const { return violations_; }

    Index committed_index() const { return committed_.size(); }
    Term max_leader_term() const { return max_leader_term_; }
    std::size_t leaders_elected() const { return leaders_.size(); }

  private:
    struct Committed {
        Term term = 0;
        std::uint64_t data_hash = 0;
        Term commit_term = 0;  // upper bound on the term of the leader that committed it
    };
    // A node's durable log as a chain of prefix hashes: hash[i] covers every
    // entry up to i, so equal (index, term) with unequal hash means the two
    // logs differ somewhere in that prefix (Log Matching fails).
    struct Chain {
        Index base_index = 0;
        std::uint64_t base_hash = 0;
        std::vector<std::uint64_t> hashes;  // hashes[k] is the prefix hash at base_index+1+k
        Index last() const { return base_index + hashes.size(); }
    };
    struct KeyHash {
        std::size_t operator()(const std::pair<Index, Term>& k) const {
            return std::hash<std::uint64_t>()(k.first * 0x9E3779B97F4A7C15ull ^ k.second);
        }
    };

    std::map<Term, NodeId> leaders_;
    Term max_leader_term_ = 0;
    std::vector<Committed> committed_;                    // committed_[i-1] is index i
    std::unordered_map<std::string, Index> value_index_;  // unique value -> index it was written at
    std::unordered_map<NodeId, Chain> chains_;
    std::unordered_map<std::pair<Index, Term>, std::uint64_t, KeyHash> prefix_;
    Index max_acked_ = 0;
    std::unordered_map<std::string, Index> key_acked_;
    std::vector<Violation> violations_;
};

std::uint64_t entry_hash(const core::Entry& e);

}  // namespace raftlab::sim
