// What the lab sees of each node, and the interface every way of seeing it
// implements.
//
// Today the nodes offer Cluster.Status, so StatusPoller polls it (every
// 50 ms per node). When the Lab service's Watch stream exists (issue 5), a
// WatchObserver implements the same interface from the stream's NodeState
// and events; the runner, checkers and trace do not change.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace grpc {
class Channel;
}

namespace raftlab::scenario {

using NodeId = std::uint64_t;

// Roles numbered as in the scale-out guide (and cluster.proto).
enum : std::uint32_t {
    kFollower = 0,
    kCandidate = 1,
    kLeader = 2,
    kLearner = 3,
    kPreCandidate = 4
};
const char* role_name(std::uint32_t role);  // "Follower", "Leader", ...

struct NodeView {
    NodeId id = 0;
    bool reachable = false;  // answered the last poll
    std::int64_t t_ns = 0;   // CLOCK_MONOTONIC of the answer (or of the failed poll)
    std::uint32_t role = kFollower;
    std::uint64_t term = 0;
    std::uint64_t vote = 0;
    NodeId leader = 0;
    std::uint64_t commit_index = 0;
    std::uint64_t applied_index = 0;
    std::uint64_t first_index = 0;
    std::uint64_t last_index = 0;
    std::uint64_t snapshot_index = 0;
    std::vector<NodeId> voters;    // sorted
    std::vector<NodeId> learners;  // sorted
    std::string error;             // why it was not reachable
    std::string reason;            // why the role last changed, when the node said so
};

// One Cluster.Status poll of `address` as a NodeView (reachable = false
// with the error if it did not answer within `deadline_ms`). Shared by the
// poller and by the Watch observer's fallback for nodes without --lab.
NodeView poll_status(NodeId id, const std::shared_ptr<grpc::Channel>& channel, int deadline_ms);

class Observer {
  public:
    // Called from observer threads, one call at a time (the observer
    // serialises them), whenever a node's view changed in a way that
    // matters: reachability, role, term, leader, commit, membership.
    using Handler = std::function<void(const NodeView& now, const NodeView& before)>;

    virtual ~Observer() = default;
    virtual void on_change(Handler handler) = 0;
    // Start (or keep) observing node `id` at `address`; after a restart the
    // observer simply finds the node answering again.
    virtual void watch(NodeId id, const std::string& address) = 0;
    virtual void forget(NodeId id) = 0;
    virtual std::map<NodeId, NodeView> views() const = 0;
    virtual void stop() = 0;
    virtual std::string how() const = 0;  // "Cluster.Status polling every 50 ms"
};

class StatusPoller : public Observer {
  public:
    explicit StatusPoller(int interval_ms = 50, int rpc_deadline_ms = 200);
    ~StatusPoller() override;

    void on_change(Handler handler) override;
    void watch(NodeId id, const std::string& address) override;
    void forget(NodeId id) override;
    std::map<NodeId, NodeView> views() const override;
    void stop() override;
    std::string how() const override;

  private:
    struct Target;
    void poll_loop(Target* target);
    void publish(const NodeView& view);

    int interval_ms_;
    int rpc_deadline_ms_;
    mutable std::mutex mu_;
    std::mutex handler_mu_;
    Handler handler_;
    std::map<NodeId, NodeView> views_;
    std::map<NodeId, std::unique_ptr<Target>> targets_;
};

// The Lab.Watch observer (issue 5): one stream per node asking for a
// NodeState every `state_interval_ms` plus role changes, reconnecting after
// a node restarts. A node whose stream goes silent for `silence_ms` (paused,
// hung) is reported unreachable. A node without the Lab service is polled
// with Cluster.Status instead, so the runner works either way.
class WatchObserver : public Observer {
  public:
    explicit WatchObserver(int state_interval_ms = 50, int silence_ms = 300);
    ~WatchObserver() override;

    void on_change(Handler handler) override;
    void watch(NodeId id, const std::string& address) override;
    void forget(NodeId id) override;
    std::map<NodeId, NodeView> views() const override;
    void stop() override;
    std::string how() const override;

  private:
    struct Stream;
    void stream_loop(Stream* stream);
    void silence_loop();
    void publish(const NodeView& view);

    int state_interval_ms_;
    int silence_ms_;
    mutable std::mutex mu_;
    std::mutex handler_mu_;
    Handler handler_;
    std::map<NodeId, NodeView> views_;
    std::map<NodeId, std::unique_ptr<Stream>> streams_;
    std::atomic<bool> stopping_{false};
    std::atomic<int> polled_fallbacks_{0};
    std::thread silence_thread_;
};

}  // namespace raftlab::scenario
