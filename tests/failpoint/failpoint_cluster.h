// A small real-process harness for the failpoint tests: a cluster of
// raftlab-node-failpoints processes (through the scenario Supervisor, so
// with --lab and free loopback ports), a bounded write load that records
// every acknowledged write, and the three recovery checks of issue 9:
// every acknowledged write is readable (linearizably) with its value; every
// node makes progress; every node converges (commit/applied index, and
// entry hashes by Lab.ReadLog).
#pragma once

#include <QTemporaryDir>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/api/remote_client.h"
#include "scenarios/runner/supervisor.h"

namespace raftlab::failpoint_test {

using namespace std::chrono_literals;
using scenario::NodeId;

bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout);

class FpCluster {
  public:
    // `raft_toml`: body of every node's [raft] section.
    FpCluster(int nodes, const std::string& raft_toml);
    ~FpCluster();

    // Starts every planned node; "" or what failed.
    std::string start_all();
    // A learner with this id (joins through the join protocol when started).
    void plan_learner(NodeId id);
    scenario::Supervisor& sup() { return *sup_; }
    std::vector<NodeId> ids() const { return sup_->ids(); }
    std::string address(NodeId id) const { return sup_->node(id).address; }
    std::vector<std::string> endpoints() const;

    api::NodeStatus status(NodeId id);
    // The node that says it leads, in the highest term any node reports.
    std::optional<NodeId> leader(std::chrono::milliseconds timeout = 10s);
    // A running voter other than the leader (lowest id).
    std::optional<NodeId> follower(NodeId leader) const;

    // SIGUSR2: the node's failpoints start counting (RAFTLAB_FAILPOINTS_ARM=signal).
    void arm(NodeId id);
    // Waits for `id` to die at failpoint `name`: exited by SIGKILL, and its
    // log says the failpoint fired. "" or what was seen instead.
    std::string wait_failpoint_crash(NodeId id, const std::string& name,
                                     std::chrono::milliseconds timeout);

    // Cuts every link to and from `id` (Lab.SetLinkRules on every node);
    // heal() clears them.
    std::string isolate(NodeId id);
    std::string heal();

    // Checks, each "" or the problem in words:
    // every key in `acked` reads back (linearizable) with its value.
    std::string check_acked(const std::map<std::string, std::string>& acked);
    // Every running node applies a fresh write (no node is stuck).
    std::string check_progress(std::chrono::milliseconds timeout);
    // Every running node has the same commit and applied index and last log
    // index, and the logs hold the same entries where they overlap (hashes).
    std::string check_converged(std::chrono::milliseconds timeout);

    std::string log_tail(NodeId id, int lines = 8) const { return sup_->log_tail(id, lines); }

  private:
    QTemporaryDir dir_;
    std::unique_ptr<scenario::Supervisor> sup_;
    int voters_;
};

// Writers putting unique keys (prefix-<writer>-<n> = v<n>) as fast as the
// cluster acknowledges them, bounded by a count and a time. Only writes the
// cluster acknowledged as committed go into acked(); timeouts and lost
// connections are counted as unknown (they may or may not have happened).
class WriteLoad {
  public:
    WriteLoad(std::vector<std::string> endpoints, std::string prefix, int writers, int max_writes,
              std::chrono::milliseconds max_time);
    ~WriteLoad();
    void start();
    void stop();
    std::map<std::string, std::string> acked() const;
    std::uint64_t unknown() const { return unknown_; }
    std::uint64_t failed() const { return failed_; }
    std::uint64_t acked_count() const;

  private:
    void run(int writer);
    std::vector<std::string> endpoints_;
    std::string prefix_;
    int writers_, max_writes_;
    std::chrono::milliseconds max_time_;
    std::atomic<bool> stop_{false};
    std::atomic<int> issued_{0};
    std::atomic<std::uint64_t> unknown_{0}, failed_{0};
    mutable std::mutex mu_;
    std::map<std::string, std::string> acked_;
    std::vector<std::thread> threads_;
};

}  // namespace raftlab::failpoint_test
