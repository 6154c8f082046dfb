// The Node: one Raft server. It owns the core (engine/core/raft.h) and drives
// it from ONE raft-loop thread, persists with RocksDB (one synced WriteBatch
// per Ready: group commit), applies committed entries on an apply thread that
// completes client calls, and serves the peer, KV and cluster gRPC services.
//
// Client calls are asynchronous: each takes a callback that runs exactly once,
// on a node thread, when the outcome is known. A write is acknowledged only
// after its entry is durable on a quorum, committed and applied, so kill -9
// never loses an acknowledged write.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "engine/config/config.h"
#include "engine/core/raft.h"
#include "engine/server/client_types.h"

namespace raftlab::server {

// Start-up failures a person can act on: "cannot listen on 0.0.0.0:9081: ...".
class NodeError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct NodeOptions {
    config::NodeConfig config;
    bool lab = false;  // issue 5: the lab plane (also on with [lab] enabled = true)
    // A loopback host:port for a Lab-only listener (--lab-address; overrides
    // [lab] address). Empty: Lab is served on the listen address, which must
    // then be a loopback one (engine/server/lab_listener.h).
    std::string lab_address;
    // --log-values: log each client write's key and value. Off by default so
    // user data never reaches the logs (docs/security.md, log hygiene).
    bool log_values = false;
    // How long a client call may wait for its outcome before Timeout.
    std::chrono::milliseconds op_timeout{5000};

    // Test hooks (tests/node/test_ack_after_sync.cpp); raftlab-node never
    // sets them. Both run on the raft-loop thread.
    struct TestHooks {
        // After each synced log write returned, with the last index it wrote.
        std::function<void(core::Index last_index)> on_sync;
        // For every message as it is handed to the transport.
        std::function<void(const core::Message&)> on_send;
        // BROKEN on purpose: send acks and votes before the Ready is synced,
        // so the test can show that it catches an engine that acks from memory.
        bool ack_before_sync = false;
    } test;
};

// Leader changes as the raft loop sees them; `leader` is kNoNode while unknown.
using LeaderObserver = std::function<void(core::NodeId leader, core::Term term)>;

class Node {
  public:
    // Opens the data dir, binds the listen address and starts every thread.
    // Throws NodeError (port in use, data dir of another cluster...) or
    // config::ConfigError.
    static std::unique_ptr<Node> start(NodeOptions options);
    ~Node();
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;

    // Clean shutdown: stops serving, fails waiting calls with ShuttingDown,
    // joins every thread, closes RocksDB. Idempotent.
    void stop();

    core::NodeId id() const;
    const std::string& cluster_id() const;
    // The address actually bound (a configured port 0 is resolved).
    const std::string& listen_address() const;
    const config::NodeConfig& config() const;

    // Key-value operations (kv.proto). Callbacks run on a node thread: keep
    // them short and never block in them.
    void put(std::string key, std::string value, WriteCallback done);
    void del(std::string key, WriteCallback done);
    void compare_and_swap(std::string key, std::optional<std::string> expected, std::string value,
                          WriteCallback done);
    void get(std::string key, Consistency consistency, ReadCallback done);
    void scan(std::string prefix, std::size_t limit, Consistency consistency, ReadCallback done);

    // Cluster operations (cluster.proto).
    void add_learner(core::NodeId id, std::string address, core::NodeStatus status,
                     ChangeCallback done);
    void promote_learner(core::NodeId id, ChangeCallback done);
    void remove_node(core::NodeId id, ChangeCallback done);
    void transfer_leader(core::NodeId target, ChangeCallback done);

    // A recent copy of the core's status (refreshed every loop turn), with
    // applied_index taken from the state machine itself.
    core::Status status() const;
    bool is_leader() const;
    core::NodeId leader() const;
    // Address of a member per the latest configuration; empty if unknown.
    std::string member_address(core::NodeId id) const;

    void add_leader_observer(LeaderObserver observer);

    // Peer messages refused (other cluster, non-member), for tests.
    std::uint64_t refused_peer_messages() const;

    struct Impl;

  private:
    explicit Node(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace raftlab::server
