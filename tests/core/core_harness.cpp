#include "tests/core/core_harness.h"

#include <stdexcept>

namespace raftlab::core::testing {

Membership make_membership(const std::vector<NodeId>& voters, const std::vector<NodeId>& learners) {
    Membership m;
    for (NodeId v : voters) {
        m.members[v] = Member{v, "127.0.0.1:" + std::to_string(9080 + v), true, NodeStatus::Active};
    }
    for (NodeId l : learners) {
        m.members[l] =
            Member{l, "127.0.0.1:" + std::to_string(9080 + l), false, NodeStatus::Promotable};
    }
    return m;
}

Config test_config(NodeId id) {
    Config c;
    c.id = id;
    c.seed = 42;
    return c;
}

Entry entry(Index index, Term term, std::string data) {
    Entry e;
    e.index = index;
    e.term = term;
    e.data = std::move(data);
    return e;
}

Harness::Harness(const std::vector<NodeId>& voters, const std::vector<NodeId>& learners,
                 const std::function<void(Config&)>& tweak) {
    Membership m = make_membership(voters, learners);
    std::vector<NodeId> all = voters;
    all.insert(all.end(), learners.begin(), learners.end());
    for (NodeId id : all) {
        TestNode n;
        n.config = test_config(id);
        if (tweak) tweak(n.config);
        n.bootstrap = m;
        nodes_.emplace(id, std::move(n));
        restart(id);
    }
}

std::vector<NodeId> Harness::ids() const {
    std::vector<NodeId> out;
    for (const auto& [id, n] : nodes_)
        out.push_back(id);
    return out;
}

void Harness::add_node(NodeId id, const Membership& bootstrap) {
    TestNode n;
    n.config = test_config(id);
    if (!nodes_.empty()) {
        n.config = nodes_.begin()->second.config;
        n.config.id = id;
    }
    n.bootstrap = bootstrap;
    nodes_.emplace(id, std::move(n));
    restart(id);
}

void Harness::preset(NodeId id, Term term, const std::vector<Entry>& entries) {
    TestNode& n = nodes_.at(id);
    n.disk = Disk{};
    n.disk.hard_state.term = term;
    n.disk.entries = entries;
    restart(id);
}

void Harness::crash(NodeId id) {
    TestNode& n = nodes_.at(id);
    n.down = true;
    n.raft.reset();
    std::erase_if(queue_, [&](const Message& m) { return m.to == id || m.from == id; });
}

void Harness::restart(NodeId id) {
    TestNode& n = nodes_.at(id);
    Restored r;
    r.hard_state = n.disk.hard_state;
    r.snapshot = n.disk.snapshot;
    r.entries = n.disk.entries;
    r.bootstrap = n.bootstrap;
    r.applied = n.disk.snapshot ? n.disk.snapshot->index : 0;
    n.applied.clear();
    n.raft = std::make_unique<Raft>(n.config, r);
    n.down = false;
}

void Harness::process(NodeId id) {
    TestNode& n = nodes_.at(id);
    if (n.down || !n.raft->has_ready()) return;
    Ready rd = n.raft->ready();
    if (observer_) observer_(id, rd, n);
    for (Message& m : rd.send_now)
        queue_.push_back(m);
    if (rd.snapshot) {
        n.disk.snapshot = rd.snapshot->meta;
        n.disk.entries.clear();
        n.installed.push_back(*rd.snapshot);
    }
    if (!rd.entries.empty()) {
        Index from = rd.entries.front().index;
        std::erase_if(n.disk.entries, [&](const Entry& e) { return e.index >= from; });
        n.disk.entries.insert(n.disk.entries.end(), rd.entries.begin(), rd.entries.end());
    }
    if (rd.hard_state) n.disk.hard_state = *rd.hard_state;
    for (Message& m : rd.send_after_persist)
        queue_.push_back(m);
    n.applied.insert(n.applied.end(), rd.committed_entries.begin(), rd.committed_entries.end());
    n.role_changes.insert(n.role_changes.end(), rd.role_changes.begin(), rd.role_changes.end());
    n.notes.insert(n.notes.end(), rd.notes.begin(), rd.notes.end());
    n.read_states.insert(n.read_states.end(), rd.read_states.begin(), rd.read_states.end());
    n.read_failures.insert(n.read_failures.end(), rd.read_failures.begin(), rd.read_failures.end());
    n.raft->advance(rd);
}

void Harness::process_all() {
    for (auto& [id, n] : nodes_)
        process(id);
}

void Harness::deliver(const Message& m) {
    if (isolated_.count(m.from) || isolated_.count(m.to)) return;
    if (drop_ && drop_(m)) return;
    auto it = nodes_.find(m.to);
    if (it == nodes_.end() || it->second.down) return;
    it->second.raft->step(m);
}

std::optional<Message> Harness::deliver_one() {
    process_all();
    if (queue_.empty()) return std::nullopt;
    Message m = queue_.front();
    queue_.pop_front();
    deliver(m);
    process_all();
    return m;
}

int Harness::stabilize(int max_messages) {
    int n = 0;
    process_all();
    while (!queue_.empty() && n < max_messages) {
        Message m = queue_.front();
        queue_.pop_front();
        deliver(m);
        ++n;
        process_all();
    }
    return n;
}

std::vector<Message> Harness::drain() {
    process_all();
    std::vector<Message> out(queue_.begin(), queue_.end());
    queue_.clear();
    return out;
}

void Harness::tick(NodeId id, int n) {
    for (int i = 0; i < n; ++i) {
        if (!nodes_.at(id).down) nodes_.at(id).raft->tick();
    }
}

void Harness::tick_all(int n) {
    for (int i = 0; i < n; ++i) {
        for (auto& [id, node] : nodes_) {
            if (!node.down) node.raft->tick();
        }
    }
}

NodeId Harness::campaign(NodeId id) {
    Raft& r = raft(id);
    Term t = r.term();
    Role before = r.role();
    // Bounded: a node campaigns within election_ticks_max ticks.
    for (int i = 0; i < 1000 && r.role() == before && r.term() == t; ++i)
        r.tick();
    stabilize();
    return leader();
}

NodeId Harness::elect(NodeId id, int attempts) {
    for (int i = 0; i < attempts && leader() != id; ++i)
        campaign(id);
    return leader();
}

NodeId Harness::leader() const {
    NodeId best = kNoNode;
    Term best_term = 0;
    for (const auto& [id, n] : nodes_) {
        if (n.down || n.raft->role() != Role::Leader) continue;
        if (n.raft->term() >= best_term) {
            best = id;
            best_term = n.raft->term();
        }
    }
    return best;
}

Index Harness::propose(NodeId id, const std::string& data) {
    auto r = raft(id).propose(data);
    if (auto* err = std::get_if<Error>(&r)) {
        throw std::runtime_error("propose at node " + std::to_string(id) +
                                 " failed: " + err->message);
    }
    return std::get<Proposed>(r).index;
}

}  // namespace raftlab::core::testing
