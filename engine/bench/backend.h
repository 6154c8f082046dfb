// What raftlab-bench drives: one interface, three implementations (a Raft
// Lab cluster over its KV gRPC API, an etcd v3 cluster over etcd's KV gRPC
// API, and Raft Lab nodes embedded in this process). The driver, connection
// sharing and measurement are the same for all of them; only the messages
// differ.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "engine/bench/options.h"

namespace raftlab::bench {

struct OpResult {
    bool ok = false;
    std::string error;  // why it failed, when !ok
    bool found = false;
    std::string value;  // reads
};

// Told when a caller's operation completes, on whatever thread completed it.
class Listener {
  public:
    virtual ~Listener() = default;
    virtual void on_done(OpResult& result) = 0;
};

// One client: at most one operation in flight; asynchronous (no thread is
// blocked while it waits), so 1,000 clients need no 1,000 threads.
class Caller {
  public:
    virtual ~Caller() = default;
    virtual void put(const std::string& key, const std::string& value) = 0;
    virtual void get(const std::string& key, bool linearizable) = 0;
};

class Backend {
  public:
    virtual ~Backend() = default;
    // Client `index` uses connection index % conns (round-robin).
    virtual std::unique_ptr<Caller> make_caller(std::size_t index, Listener* listener) = 0;
    // One line for the report: endpoints used, leader if targeted.
    virtual std::string describe() const = 0;
};

// Each returns nullptr and sets *error (what failed and what to do) when
// the cluster cannot be reached or has no leader.
std::unique_ptr<Backend> make_raftlab_backend(const Options& options, std::string* error);
std::unique_ptr<Backend> make_etcd_backend(const Options& options, std::string* error);
std::unique_ptr<Backend> make_embedded_backend(const Options& options, std::string* error);

}  // namespace raftlab::bench
