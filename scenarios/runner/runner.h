// Runs one scenario against real raftlab-node processes: starts them through
// the Supervisor, observes them, executes the steps in order, narrates, and
// judges. The exit code is the verdict (see RunExit).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "engine/proto/lab.pb.h"
#include "scenarios/runner/history_recorder.h"
#include "scenarios/runner/monitor.h"
#include "scenarios/runner/observer.h"
#include "scenarios/runner/scenario.h"
#include "scenarios/runner/supervisor.h"
#include "scenarios/runner/trace.h"
#include "scenarios/runner/watch_trace.h"
#include "scenarios/runner/workload.h"

namespace raftlab::scenario {

enum RunExit : int {
    kPassed = 0,         // every expectation held and no checker fired
    kFailed = 1,         // an expectation failed or a checker fired
    kUsage = 2,          // bad command line or scenario file
    kNeedsLabPlane = 77  // the nodes lack something the scenario declares it needs
};

struct RunOptions {
    std::string trace_path;  // empty: no trace
    std::uint64_t seed = 1;
    double speed = 1.0;  // lab clock rate (needs the Lab service)
    bool keep = false;   // keep the run directory (configs, data, logs)
    std::filesystem::path node_bin;
    std::vector<std::string> node_args;  // appended to every node's command line
    std::filesystem::path run_dir;       // empty: a fresh directory under /tmp
    // "watch": Lab.Watch streams (nodes without --lab are polled instead);
    // "poll": Cluster.Status every 50 ms.
    std::string observer = "watch";
    std::uint64_t nemesis_duration_ms = 0;  // overrides every nemesis step's duration_ms
    // Message records (AppendEntries, ReadIndex, snapshot chunks) written to
    // the trace per node before they are only counted (WatchTrace); 0 = none,
    // and the nodes are not asked for message events at all.
    std::uint64_t trace_message_budget = WatchTrace::kDefaultMessageBudget;

    // For a program that embeds the runner (the GUI's guide player). All
    // three are called on the thread inside run().
    // Before each step; false ends the run there (the person closed the window).
    std::function<bool(const Step&)> before_step;
    // Polled while a wait-for waits; true gives up the wait at once.
    std::function<bool()> cancelled;
    // Every trace record as it is written (needs trace_path).
    std::function<void(const QJsonObject&)> on_record;
};

class Runner {
  public:
    Runner(Scenario scenario, RunOptions options, std::ostream& out);
    ~Runner();
    int run();

    // Outcome of one condition: whether it held, and what was seen.
    struct Check {
        bool held = false;
        std::string seen;
    };

  private:
    // Steps (runner_steps.cpp). Each returns "" or why it failed.
    std::string execute(const Step& step);
    std::string process_step(const Step& step);
    std::string membership_step(const Step& step);
    std::string network_step(const Step& step);
    std::string clock_or_disk_step(const Step& step);
    std::string client_step(const Step& step);
    std::string workload_step(const Step& step);
    std::string wait_step(const Step& step);
    std::string nemesis_step(const Step& step);

    // Conditions (runner_conditions.cpp).
    Check evaluate(const Condition& c, const Step& step);
    Check check_linearizable();
    Check check_lost_writes(std::uint64_t timeout_ms);
    Check check_logs_converged();

    // Helpers.
    std::optional<NodeId> resolve(const NodeRef& ref, std::string& error);
    std::vector<NodeId> resolve_all(const std::vector<NodeRef>& refs, std::string& error);
    std::optional<NodeId> current_leader() const;
    std::string lab_call(NodeId id, const std::function<std::string(class LabClient&)>& call);
    std::string leader_rpc(const std::string& what, const std::function<std::string(NodeId)>& call,
                           std::uint64_t timeout_ms);
    // A client operation by the scenario itself (client 0), recorded in the history.
    struct ClientAnswer {
        bool ok = false;
        std::optional<std::string> value;
        std::string error;
        NodeId node = 0;
    };
    ClientAnswer client_op(lincheck::Operation op, std::optional<NodeId> node, int consistency,
                           std::uint64_t timeout_ms);
    void fault(const std::string& what, NodeId node, const std::string& detail = {});
    void update_quorum();
    // A node the runner did not kill or stop has exited: a crash, reported
    // once per exit as a violation with the node's last log lines.
    void check_crashes();
    void start_observing(NodeId id);
    std::string first_lab_problem();
    void print_summary(bool passed);

    Scenario scenario_;
    RunOptions options_;
    std::ostream& out_;
    std::int64_t start_ns_;
    std::filesystem::path run_dir_;
    bool owns_run_dir_ = false;
    std::unique_ptr<TraceWriter> trace_;
    std::unique_ptr<Monitor> monitor_;
    std::unique_ptr<Supervisor> supervisor_;
    std::unique_ptr<WatchTrace> watch_trace_;  // Watch events into the trace (before observer_)
    std::unique_ptr<Observer> observer_;
    std::unique_ptr<HistoryRecorder> recorder_;
    std::unique_ptr<Workload> workload_;
    std::map<std::string, NodeId> names_;
    std::set<NodeId> partitioned_;  // nodes with cut links
    // Link rules for a node that was paused when they were set: a stopped
    // process cannot answer SetLinkRules, so they are applied on resume.
    std::map<NodeId, std::vector<pb::LinkRule>> pending_rules_;
    std::set<NodeId> expected_running_;  // started and not killed or stopped by a step
    bool clock_altered_ = false;
    std::int64_t last_fault_ns_ = 0;
    std::uint64_t workload_runs_ = 0;
    std::vector<std::string> failures_;
    bool lab_missing_ = false;
};

// The shipped scenarios (scenarios/library/*.toml): path and parsed purpose.
struct ShippedScenario {
    std::string path;
    std::string name;
    std::string purpose;
    std::vector<std::string> needs;
};
std::vector<ShippedScenario> shipped_scenarios(const std::string& dir = {});
std::string default_library_dir();

}  // namespace raftlab::scenario
