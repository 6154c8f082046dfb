// A scenario file, parsed: the cluster's shape and timing, then the steps.
// The vocabulary is the lab's (design.md): a person clicking in the GUI
// produces the same steps, so a session saved as a scenario replays as a
// regression test. docs/scenarios.md documents every field.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace raftlab::scenario {

// A problem in a scenario file. what() reads
//   "<file>:<line>: step <n> (<do>): <problem>; <fix>"
// or "<file>:<line>: <problem>; <fix>" outside the steps.
class ScenarioError : public std::runtime_error {
  public:
    ScenarioError(const std::string& file, int line, int step, const std::string& action,
                  const std::string& problem);
    int line() const { return line_; }
    int step() const { return step_; }

  private:
    int line_ = 0;
    int step_ = 0;
};

// Which node a step means. Names are resolved when the step runs, because
// "the leader" is only known then:
//   3            node 3
//   "leader"     the node every live node agrees is leader
//   "follower"   a live voter that is not the leader (the lowest id)
//   "old"        a name bound earlier with `as = "old"`
struct NodeRef {
    std::uint64_t id = 0;  // 0: use `name`
    std::string name;
    std::string text() const { return id ? std::to_string(id) : "\"" + name + "\""; }
};

struct Condition {
    // leader | role | term | commit-index | members | key | no-violation |
    // linearizable | no-lost-writes | logs-converged | unavailability |
    // node-state | workload-done
    std::string what;
    std::optional<NodeRef> node;        // leader (that node is leader), role, term, key...
    std::optional<NodeRef> other_than;  // leader: a leader that is not this node
    std::string role;                   // role: follower / candidate / leader / learner
    std::optional<std::uint64_t> at_least;
    std::optional<std::uint64_t> equals;
    std::optional<std::uint64_t> at_most_ms;  // unavailability
    std::optional<std::vector<std::uint64_t>> voters;
    std::optional<std::vector<std::uint64_t>> learners;
    std::string key;
    std::optional<std::string> value;  // key: expected value; absent + missing=true: no key
    bool missing = false;
    std::string consistency = "linearizable";
    std::string process;       // node-state: running / paused / exited
    std::string text() const;  // "node 2 is leader", for narration and errors
};

struct Step {
    int index = 0;  // 1-based, in file order
    int line = 0;
    std::string action;  // the `do` field
    std::string say;     // narration shown before the step (any step may have it)

    std::vector<NodeRef> nodes;  // start/kill/...: empty = every planned node (start)
    std::string as;              // bind the resolved node to a name

    // wait-for / expect
    Condition condition;
    std::uint64_t timeout_ms = 10000;

    // put / get
    std::string key;
    std::optional<std::string> value;
    std::optional<std::string> expect_value;
    bool expect_missing = false;
    std::string consistency = "linearizable";
    bool may_fail = false;  // put/get: a refusal is acceptable (not an expectation failure)
    bool must_fail = false;

    // workload
    std::string workload_action = "start";  // start / stop
    int clients = 4;
    int keys = 8;
    double rate = 0;                // ops/s per client; 0 = as fast as it can
    std::uint64_t max_ops = 20000;  // whole workload
    std::uint64_t duration_ms = 0;  // 0 = until stopped (bounded by max_ops)
    std::uint64_t op_timeout_ms = 1000;
    double read_fraction = 0.3;
    double cas_fraction = 0.2;

    // partition / heal / delay / loss
    std::vector<std::vector<NodeRef>> groups;
    std::optional<NodeRef> from, to;
    bool one_way = false;
    std::uint64_t delay_ms = 0, jitter_ms = 0;
    double loss_pct = 0;

    // clock
    std::optional<double> clock_rate;
    std::optional<std::uint64_t> clock_step_ms;

    // restart
    bool wipe = false;  // restart with an empty data dir

    // nemesis: random faults for duration_ms
    // kill, pause, partition, delay, loss, clock, disk-delay
    std::vector<std::string> faults;
    std::uint64_t interval_ms = 1000;
    // After each round's faults heal, a write must be acknowledged within this.
    std::uint64_t recovery_ms = 10000;
};

struct ClusterShape {
    int nodes = 3;                        // bootstrap voters 1..nodes
    std::vector<std::uint64_t> learners;  // ids planned to join later (learner configs)
    std::string raft_toml;                // [raft] section given to every node
};

struct Checks {
    std::uint64_t liveness_ms = 5000;  // no leader this long with a live quorum = violation
    bool liveness = true;
};

struct Scenario {
    std::string file;
    std::string name;
    std::string purpose;
    std::vector<std::string> needs;  // "lab", "join": what the nodes must offer
    ClusterShape cluster;
    Checks checks;
    std::vector<Step> steps;
    bool wants(const std::string& what) const;  // needs holds `what`
};

// Throws ScenarioError naming the line and the step.
Scenario parse_scenario_file(const std::string& path);
Scenario parse_scenario_text(const std::string& text, const std::string& name);

// Step names accepted in `do`.
const std::vector<std::string>& step_actions();

}  // namespace raftlab::scenario
