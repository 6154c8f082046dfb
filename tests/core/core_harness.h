// A tiny deterministic harness for the core's unit tests: a few Raft cores,
// an in-memory "disk" per node and a FIFO network the test controls message by
// message. It drives each core exactly like the loop documented in raft.h.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/core/raft.h"

namespace raftlab::core::testing {

struct Disk {
    HardState hard_state;
    std::optional<SnapshotMeta> snapshot;
    std::vector<Entry> entries;  // after the snapshot, contiguous
};

struct TestNode {
    Config config;
    Membership bootstrap;
    std::unique_ptr<Raft> raft;
    Disk disk;
    std::vector<Entry> applied;  // every committed entry handed out, in order
    std::vector<RoleChange> role_changes;
    std::vector<Note> notes;
    std::vector<ReadState> read_states;
    std::vector<ReadFailure> read_failures;
    std::vector<Snapshot> installed;
    bool down = false;
};

Membership make_membership(const std::vector<NodeId>& voters,
                           const std::vector<NodeId>& learners = {});
Config test_config(NodeId id);
Entry entry(Index index, Term term, std::string data = {});

class Harness {
  public:
    // Nodes `voters` and `learners` start with a bootstrap membership of
    // exactly those; `others` start empty-handed (not in the configuration).
    explicit Harness(const std::vector<NodeId>& voters, const std::vector<NodeId>& learners = {},
                     const std::function<void(Config&)>& tweak = {});

    Raft& raft(NodeId id) { return *nodes_.at(id).raft; }
    TestNode& node(NodeId id) { return nodes_.at(id); }
    std::vector<NodeId> ids() const;

    // Adds a node that is not in anyone's configuration yet (it will join).
    void add_node(NodeId id, const Membership& bootstrap);
    // Replaces node `id`'s durable state (Figure 7/8 style preset logs) and restarts it.
    void preset(NodeId id, Term term, const std::vector<Entry>& entries);

    // Runs ready()/persist/advance on one node; queues its messages.
    void process(NodeId id);
    void process_all();
    // Delivers queued messages (and the messages they cause) until none remain
    // or `max_messages` have been delivered. Returns the number delivered.
    int stabilize(int max_messages = 100000);
    // Delivers one message, if any; returns it.
    std::optional<Message> deliver_one();

    void tick(NodeId id, int n = 1);
    void tick_all(int n = 1);
    // Ticks `id` until it campaigns, then stabilizes. Returns the leader after.
    NodeId campaign(NodeId id);
    // Campaigns with `id` until it leads (at most `attempts` campaigns).
    NodeId elect(NodeId id, int attempts = 10);

    // Network faults: messages from/to isolated nodes are dropped.
    void isolate(NodeId id) { isolated_.insert(id); }
    void heal() { isolated_.clear(); }
    void set_filter(std::function<bool(const Message&)> drop) { drop_ = std::move(drop); }
    // Called with every Ready before the harness persists it (contract checks).
    void set_ready_observer(std::function<void(NodeId, const Ready&, const TestNode&)> f) {
        observer_ = std::move(f);
    }

    // Crash: unpersisted state is lost. Restart rebuilds from the disk.
    void crash(NodeId id);
    void restart(NodeId id);

    std::deque<Message>& queue() { return queue_; }
    std::vector<Message> drain();  // take all queued messages without delivering

    NodeId leader() const;  // the unique leader with the highest term, or kNoNode
    Index propose(NodeId id, const std::string& data);  // asserts success; returns index

  private:
    void deliver(const Message& m);

    std::map<NodeId, TestNode> nodes_;
    std::deque<Message> queue_;
    std::set<NodeId> isolated_;
    std::function<bool(const Message&)> drop_;
    std::function<void(NodeId, const Ready&, const TestNode&)> observer_;
};

}  // namespace raftlab::core::testing
