// What the lab sees of each node, and the interface every way of seeing it
// implements.
//
// WatchObserver reads each node's Lab.Watch stream (the default);
// StatusPoller polls Cluster.Status every 50 ms (for nodes without --lab, and
// `raftlab-scenario run --observer poll`). Both keep one worker thread per
// node through PerNodeObserver; the runner, checkers and trace see only the
// Observer interface.
#pragma once

#include <atomic>
#include <chrono>
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
class ClientContext;
}  // namespace grpc

namespace raftlab::pb {
class WatchEvent;
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

// The fields Cluster.Status's StatusResponse and Lab.Watch's NodeState
// share, by the same names, copied into a view (membership is left to the
// caller: the two messages spell it differently).
template <typename Reply>
void copy_common_fields(NodeView& v, const Reply& r) {
    v.role = r.role();
    v.term = r.term();
    v.vote = r.vote();
    v.leader = r.leader_id();
    v.commit_index = r.commit_index();
    v.applied_index = r.applied_index();
    v.first_index = r.first_index();
    v.last_index = r.last_index();
    v.snapshot_index = r.snapshot_index();
}

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

// One worker thread per observed node, and the merged views the workers
// publish: what StatusPoller and WatchObserver share. A subclass says how to
// observe one node (run()); publish() merges what it saw and tells the
// handler when something that matters changed.
class PerNodeObserver : public Observer {
  public:
    void on_change(Handler handler) override;
    void watch(NodeId id, const std::string& address) override;
    void forget(NodeId id) override;
    std::map<NodeId, NodeView> views() const override;
    void stop() override;  // idempotent

  protected:
    // One observed node. Its thread runs run() until `stop`; `call`, while
    // set, is the worker's open gRPC call, cancelled so that stopping a
    // worker never waits for a stream to end by itself.
    struct Worker {
        NodeId id = 0;
        std::string address;
        std::atomic<bool> stop{false};
        std::atomic<std::int64_t> last_heard_ns{0};
        std::atomic<bool> live{false};  // heard from recently
        std::mutex call_mu;
        grpc::ClientContext* call = nullptr;
        std::thread thread;
    };
    // Observes one node until worker.stop; runs on the worker's thread.
    // Every subclass destructor must call stop() first, since the workers
    // call this.
    virtual void run(Worker& worker) = 0;
    // Merges one observation. An unreachable view keeps what the node last
    // said, so a paused leader still shows what it believed when it fell silent.
    void publish(const NodeView& view);
    // Sleeps in short slices, so that stopping a worker is quick.
    static void sleep_unless(const std::atomic<bool>& stop, std::chrono::milliseconds d);

    mutable std::mutex mu_;  // guards views_ and workers_
    std::map<NodeId, NodeView> views_;
    std::map<NodeId, std::unique_ptr<Worker>> workers_;

  private:
    static void end(Worker& worker);  // stop, cancel its call, join
    std::mutex handler_mu_;
    Handler handler_;
};

class StatusPoller : public PerNodeObserver {
  public:
    explicit StatusPoller(int interval_ms = 50, int rpc_deadline_ms = 200);
    ~StatusPoller() override;
    std::string how() const override;

  private:
    void run(Worker& worker) override;

    int interval_ms_;
    int rpc_deadline_ms_;
};

// The Lab.Watch observer (issue 5): one stream per node asking for a
// NodeState every `state_interval_ms` plus role changes, reconnecting after
// a node restarts. A node whose stream goes silent for `silence_ms` (paused,
// hung) is reported unreachable. A node without the Lab service is polled
// with Cluster.Status instead, so the runner works either way.
class WatchObserver : public PerNodeObserver {
  public:
    // Every event of every stream, for the trace (WatchTrace).
    using EventSink = std::function<void(NodeId, const pb::WatchEvent&)>;

    explicit WatchObserver(int state_interval_ms = 50, int silence_ms = 300);
    ~WatchObserver() override;
    // Before the first watch(): hand every event to `sink`, and ask the nodes
    // for message events too (heartbeats stay filtered) if `messages`.
    void record_events(EventSink sink, bool messages);
    void stop() override;
    std::string how() const override;

  private:
    void run(Worker& worker) override;
    // Reads one open stream until it ends; false if the node has no Lab service.
    bool read_stream(Worker& worker, const std::shared_ptr<grpc::Channel>& channel);
    void silence_loop();

    int state_interval_ms_;
    int silence_ms_;
    EventSink sink_;
    bool messages_ = false;
    std::atomic<bool> stopping_{false};
    std::atomic<int> polled_fallbacks_{0};
    std::thread silence_thread_;
};

}  // namespace raftlab::scenario
