// The watchers of raftlab-watch-bench: one Watch stream per node, read and
// tallied (events by kind, stream messages, dropped count, order checks).
//
// They run in a process of their own by default (WatcherProcess), as the
// GUI's and the scenario runner's streams do. Read in the bench process
// itself, next to the 1000 callback-API load clients, the watchers' blocking
// reads become pollers for the load's connections too (gRPC polls all of a
// process's channels from whichever thread waits), and the load slows with
// almost no events streamed at all: docs/lab-plane.md, "Where the watcher
// runs". `--watchers in-process` keeps that arrangement for comparison.
#pragma once

#include <sys/types.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine/proto/lab.grpc.pb.h"

namespace raftlab::testing {

// What the watchers of one phase saw, summed over the nodes.
struct WatchTally {
    std::uint64_t events = 0, dropped = 0, messages = 0;
    std::uint64_t grouped = 0;                   // requests inside client_requests events
    std::uint64_t grouped_messages = 0;          // messages inside messages (MessageEvents) groups
    std::map<std::string, std::uint64_t> kinds;  // event kind (oneof field name) -> count
    bool ok = true;          // every stream began with a NodeState, kept seq order, delivered >= 2
    double cpu_seconds = 0;  // the watcher process's own CPU (0 in-process)

    void add(const WatchTally& other);
};

struct WatchSpec {
    std::uint32_t max_batch = 256;
    std::string events = "all";  // all | few | no-client
};

// One Watch stream read on its own thread.
class Watcher {
  public:
    Watcher(pb::Lab::Stub& lab, const WatchSpec& spec);
    ~Watcher();
    Watcher(const Watcher&) = delete;
    Watcher& operator=(const Watcher&) = delete;

    bool attached() const { return events_.load() != 0; }
    WatchTally tally() const;

  private:
    grpc::ClientContext ctx_;
    std::unique_ptr<grpc::ClientReader<pb::WatchEvent>> reader_;
    std::atomic<std::uint64_t> events_{0}, dropped_{0}, messages_{0}, grouped_{0},
        grouped_messages_{0};
    // By WatchEvent oneof case number: where the stream's volume comes from.
    std::array<std::atomic<std::uint64_t>, 32> by_kind_{};
    std::atomic<bool> state_first_{false}, order_ok_{true};
    std::thread thread_;
};

// Watchers on every address, in this process. wait_attached() waits (with a
// deadline) until every stream has its first NodeState.
class InProcessWatchers {
  public:
    InProcessWatchers(const std::vector<std::string>& lab_addresses, const WatchSpec& spec);
    bool wait_attached();
    WatchTally tally() const;

  private:
    std::vector<std::unique_ptr<pb::Lab::Stub>> stubs_;
    std::vector<std::unique_ptr<Watcher>> watchers_;
};

// The same watchers in a child process (this program re-run with
// --watch-child). It reports "attached" once every stream is, and its tally
// when its stdin closes.
class WatcherProcess {
  public:
    WatcherProcess(const std::string& self_exe, const std::vector<std::string>& lab_addresses,
                   const WatchSpec& spec);
    ~WatcherProcess();
    WatcherProcess(const WatcherProcess&) = delete;
    WatcherProcess& operator=(const WatcherProcess&) = delete;

    bool wait_attached();
    // Stops the watchers and returns what they saw; ok is false if the child
    // failed to start, attach or report.
    WatchTally finish();

  private:
    pid_t pid_ = -1;
    int to_child_ = -1;
    std::FILE* from_child_ = nullptr;
};

// The child side: runs the watchers until stdin closes. Returns the exit code.
int run_watch_child(const std::vector<std::string>& lab_addresses, const WatchSpec& spec);

}  // namespace raftlab::testing
