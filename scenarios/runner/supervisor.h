// The process supervisor: starts real raftlab-node processes with configs it
// generates, on free loopback ports, in one directory per run, and makes sure
// none of them outlives the lab.
//
// Why fork/exec and not QProcess: QProcess needs an event loop to collect its
// output, and the runner is a plain blocking program. Each child gets
// PR_SET_PDEATHSIG(SIGKILL), so it dies when the lab dies, even by kill -9.
// The kernel sends that signal when the *thread* that forked exits, so call
// start()/restart() from one long-lived thread (the runner's main thread).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace raftlab::scenario {

using NodeId = std::uint64_t;

enum class ProcessState { NotStarted, Running, Paused, Exited };
const char* to_string(ProcessState state);

// One node of the run as the supervisor writes it into initial_cluster.
struct NodePlan {
    NodeId id = 0;
    std::string address;      // 127.0.0.1:port (peers and clients)
    std::string lab_address;  // 127.0.0.1:port (Lab service)
    bool learner = false;     // joins as role 3 status 0 instead of bootstrapping
};

struct SupervisorOptions {
    std::filesystem::path run_dir;   // configs, data (db/), node<id>.log
    std::filesystem::path node_bin;  // raftlab-node
    std::string raft_toml;           // body of the [raft] section, written verbatim
    bool lab = true;                 // pass --lab and write a [lab] section
    // Appended to every node's command line, e.g. {"--bug", "stale_local_read"}
    // for the test-only raftlab-node-buggy.
    std::vector<std::string> node_args;
};

class Supervisor {
  public:
    // Called from a reader thread for every line a node prints.
    using LineHandler = std::function<void(NodeId, const std::string& line)>;

    explicit Supervisor(SupervisorOptions options);
    ~Supervisor();  // SIGKILLs every node still running
    Supervisor(const Supervisor&) = delete;
    Supervisor& operator=(const Supervisor&) = delete;

    void on_line(LineHandler handler);

    // Plans a node: picks free loopback ports. Bootstrap voters are every
    // planned non-learner; a learner's file lists the nodes planned before it.
    const NodePlan& plan(NodeId id, bool learner);
    bool planned(NodeId id) const;
    const NodePlan& node(NodeId id) const;
    std::vector<NodeId> ids() const;

    // Writes the node's config (if not yet written) and starts it. Returns an
    // empty string on success, else what failed.
    std::string start(NodeId id);
    // SIGKILL; waits for the process to be gone.
    void kill9(NodeId id);
    // SIGTERM (after SIGCONT, a stopped process cannot exit); SIGKILL if it has
    // not exited within `timeout_ms`. Returns the exit code, or -1 if killed.
    int stop(NodeId id, int timeout_ms = 10000);
    void pause(NodeId id);   // SIGSTOP
    void resume(NodeId id);  // SIGCONT
    // Stops (TERM) and starts again with the same config, or with `new_config`
    // (TOML text) written over it. Returns what failed, or "".
    std::string restart(NodeId id, const std::optional<std::string>& new_config = {});
    // Deletes the node's data dir (it must not be running), for a node that
    // should come back empty.
    void wipe(NodeId id);

    ProcessState state(NodeId id);
    int exit_code(NodeId id);  // after Exited; 128+signal for a signal
    pid_t pid(NodeId id) const;
    std::filesystem::path config_path(NodeId id) const;
    std::filesystem::path log_path(NodeId id) const;
    // The node's last `lines` lines of output, for error reports.
    std::string log_tail(NodeId id, int lines = 10) const;

    // The config text the supervisor writes for `id`.
    std::string config_text(NodeId id) const;

    void kill_all();

  private:
    struct Proc {
        NodePlan plan;
        std::vector<NodeId> listed;  // initial_cluster members, fixed at first write
        pid_t pid = -1;
        bool paused = false;
        int exit_code = -1;
        bool config_written = false;
        std::thread reader;
    };
    Proc& proc(NodeId id);
    const Proc& proc(NodeId id) const;
    void reap(Proc& p, bool block);
    void join_reader(Proc& p);

    SupervisorOptions options_;
    mutable std::mutex mu_;  // guards handler_ (readers call it)
    LineHandler handler_;
    std::map<NodeId, std::unique_ptr<Proc>> procs_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (and not handed out
// before by this process, so two nodes of one run never get the same one).
int free_loopback_port();

}  // namespace raftlab::scenario
