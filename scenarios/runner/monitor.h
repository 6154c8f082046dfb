// The run's merged timeline: takes every observation, narrates what changed
// in plain words, writes it to the trace and feeds the live checkers
// (Election Safety, the liveness watchdog). Thread-safe: observer threads,
// workload threads and the runner all report here.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "scenarios/runner/checkers.h"
#include "scenarios/runner/observer.h"
#include "scenarios/runner/trace.h"

namespace raftlab::scenario {

class Monitor {
  public:
    Monitor(TraceWriter& trace, std::ostream& out, std::int64_t start_ns,
            std::int64_t liveness_limit_ns, bool liveness);

    // The observer's change handler.
    void on_view(const NodeView& now, const NodeView& before);
    // The runner says whether a quorum of voters is running, unpaused and
    // connected; the liveness watchdog only counts time while it is.
    void set_quorum_ok(bool ok);
    // Re-evaluates the watchdog (the runner calls it while it waits).
    void tick();

    // A narrated line, prefixed with the run time: "[  3.250s] ...".
    void say(const std::string& line);
    void violation(const Violation& v);
    std::vector<Violation> violations() const;
    double seconds_since_start(std::int64_t t_ns) const;

  private:
    void narrate_locked(const std::string& line, std::int64_t t_ns);
    void check_liveness_locked(std::int64_t now_ns);

    TraceWriter& trace_;
    std::ostream& out_;
    std::int64_t start_ns_;
    mutable std::mutex mu_;
    std::map<NodeId, NodeView> views_;
    ElectionSafety election_safety_;
    LivenessWatchdog liveness_;
    bool quorum_ok_ = false;
    std::vector<Violation> violations_;
};

}  // namespace raftlab::scenario
