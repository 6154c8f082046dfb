// Reusable helpers for tests that run real raftlab-node processes on
// loopback: free ports, temp data dirs, config files, process control
// (start, SIGTERM, kill -9, SIGSTOP/SIGCONT) and deadline-bounded waits.
// Later suites (scenarios, lab) can link `raftlab_node_harness` too.
#pragma once

#include <QTemporaryDir>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/api/remote_client.h"

namespace raftlab::testing {

using namespace std::chrono_literals;

// Polls `condition` every `poll` until it holds or `timeout` passes. Never a
// fixed sleep: returns as soon as the condition is true.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll = 20ms);

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port();

// Directory holding raftlab-node, raftlab-ctl and the other binaries.
std::string bin_dir();

// One raftlab-node process; its stdout and stderr go to the log file. It is
// killed if the process that started it dies.
class NodeProcess {
  public:
    NodeProcess(std::string config_path, std::string log_path, std::string work_dir);
    ~NodeProcess();  // kills the process if still running

    bool start(const std::vector<std::string>& extra_args = {});
    void kill9();
    // SIGTERM, then waits for a clean exit; returns the exit code (-1 on timeout).
    int terminate(std::chrono::milliseconds timeout = 10s);
    void pause();   // SIGSTOP
    void resume();  // SIGCONT
    bool running();
    // Waits for the process to exit by itself; exit code, or -1 on timeout.
    int wait_exit(std::chrono::milliseconds timeout);

    std::string log() const;
    bool log_contains(const std::string& text) const;
    int pid() const { return pid_; }

  private:
    std::string config_path_, log_path_, work_dir_;
    int pid_ = -1;
    int exit_code_ = -1;
};

struct ClusterOptions {
    int nodes = 3;
    // Extra lines appended to every config file, e.g. "[raft]\nsnapshot_threshold = 50".
    std::string extra_toml;
};

// N voters bootstrapped together from N config files in a temp dir.
class Cluster {
  public:
    explicit Cluster(ClusterOptions options = {});
    ~Cluster();

    bool start_all();
    NodeProcess& node(std::uint64_t id) { return *procs_.at(id); }
    std::string address(std::uint64_t id) const { return addresses_.at(id); }
    std::string endpoints() const;  // "127.0.0.1:p1,127.0.0.1:p2,..."
    std::vector<std::string> endpoint_list() const;
    std::vector<std::uint64_t> ids() const;
    const std::string& dir() const { return dir_; }
    std::string config_path(std::uint64_t id) const;

    // The id of the node that says it is leader and that the others follow;
    // nullopt until one is, within `timeout`. `exclude`: ignore this node.
    std::optional<std::uint64_t> wait_leader(std::chrono::milliseconds timeout = 10s,
                                             std::uint64_t exclude = 0);
    // Status of one node (Unavailable error if down).
    api::NodeStatus status(std::uint64_t id);

    api::RemoteClient& client() { return *client_; }
    // A client that talks to one node only.
    std::unique_ptr<api::RemoteClient> client_for(std::uint64_t id,
                                                  std::chrono::milliseconds timeout = 3s);

  private:
    ClusterOptions options_;
    QTemporaryDir tmp_;
    std::string dir_;
    std::map<std::uint64_t, std::string> addresses_;
    std::map<std::uint64_t, std::unique_ptr<NodeProcess>> procs_;
    std::unique_ptr<api::RemoteClient> client_;
};

}  // namespace raftlab::testing
