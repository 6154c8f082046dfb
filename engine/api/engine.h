// Embedded mode: run a Raft Lab node inside your own C++ program.
//
//   auto engine = raftlab::Engine::start_in_dir("./data");   // single node
//   engine->wait_ready(std::chrono::seconds(5));
//   engine->client().put("greeting", "hello");
//   auto r = engine->client().get("greeting");               // linearizable
//
// The engine is the same Node that raftlab-node runs (raft loop, RocksDB,
// peer gRPC for other members); the client calls it in-process, with no
// network hop. See docs/embedded.md.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "engine/config/config.h"
#include "engine/server/client_types.h"

namespace raftlab {

namespace server {
class Node;
}

using server::ChangeResult;
using server::Code;
using server::Consistency;
using server::KeyValue;
using server::OpError;
using server::ReadResult;
using server::WriteResult;

// Blocking calls on the embedded node. Each returns once the outcome is known
// (or the node's op timeout passes). Writes succeed only on the leader; on a
// follower they return NotLeader with the leader's id and address. Do not
// call these from inside a leader-change callback (it runs on the raft loop).
class Client {
  public:
    explicit Client(server::Node& node) : node_(node) {}

    WriteResult put(const std::string& key, const std::string& value);
    WriteResult del(const std::string& key);
    // Sets `value` if the key holds `expected` (nullopt: if the key is absent).
    WriteResult compare_and_swap(const std::string& key, std::optional<std::string> expected,
                                 const std::string& value);
    ReadResult get(const std::string& key, Consistency consistency = Consistency::Linearizable);
    ReadResult scan(const std::string& prefix, std::size_t limit = 0,
                    Consistency consistency = Consistency::Linearizable);

  private:
    server::Node& node_;
};

class Engine {
  public:
    // From a raftlab-node TOML file (same format, same data dir layout).
    // Throws config::ConfigError or server::NodeError with a clear message.
    static std::unique_ptr<Engine> start_from_config(const std::filesystem::path& toml_file);
    // A single-node cluster keeping its data in `data_dir`/node1, listening on
    // a free loopback port. Restarting on the same dir finds the data again.
    static std::unique_ptr<Engine> start_in_dir(const std::filesystem::path& data_dir);
    static std::unique_ptr<Engine> start(config::NodeConfig config);

    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // True once a leader is known and this node has applied everything it
    // knows to be committed; false if that did not happen within `timeout`.
    bool wait_ready(std::chrono::milliseconds timeout);
    bool is_leader() const;
    core::NodeId leader_id() const;
    core::NodeId node_id() const;
    const std::string& address() const;  // the bound peer/client gRPC address

    // Called on every leader change (leader kNoNode = none known right now),
    // on the raft-loop thread: keep it short and non-blocking.
    void on_leader_change(std::function<void(core::NodeId leader, core::Term term)> callback);

    Client& client() { return *client_; }

    // Clean shutdown; also done by the destructor.
    void stop();

  private:
    explicit Engine(std::unique_ptr<server::Node> node);
    std::unique_ptr<server::Node> node_;
    std::unique_ptr<Client> client_;
};

}  // namespace raftlab
