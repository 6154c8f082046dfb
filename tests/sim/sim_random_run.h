// The seeded random run: one seed decides the cluster size, the fault
// profile and every fault, client operation, membership change and leader
// transfer of a run. Every invariant is checked after every event; after the
// last step the faults stop and liveness is checked against a stated bound.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "engine/core/raft.h"
#include "tests/sim/sim_cluster.h"

namespace raftlab::sim {

// Virtual time allowed, once every fault has stopped and every node is back,
// for a leader to be elected and a fresh proposal to commit; plus one round
// trip per flow-control window of uncommitted backlog (see run_random).
inline constexpr std::int64_t kLivenessBoundMs = 5000;

struct RunOptions {
    std::uint64_t seed = 1;
    int steps = 500;  // one step is `step_ms` of virtual time
    int step_ms = 10;
    int nodes = 0;    // initial voters, 3..7; 0 lets the seed choose 3..5
    core::Bugs bugs;  // test-only bug switches (raftlab_core_testing)
    std::ostream* trace = nullptr;
};

struct RunResult {
    bool ok = true;
    Violation violation;  // the first one, if !ok
    int step = -1;        // the step during which it was found (steps = liveness phase)
    int voters = 0;
    int spares = 0;
    std::string profile;
    SimStats stats;
    Index committed = 0;
    std::int64_t recovery_ms = -1;    // heal to first committed proposal
    bool lincheck_undecided = false;  // the full checker ran out of budget (not a failure)
};

RunResult run_random(const RunOptions& options);

// The one command that reruns this seed alone, with its trace.
std::string rerun_command(const RunOptions& options);

// "seed 7: Election Safety at t=1234ms (step 123): nodes 1 and 2 ..."
std::string describe(const RunOptions& options, const RunResult& result);

// Names of the bug switches, as the command line spells them.
bool set_bug(core::Bugs& bugs, const std::string& name);
std::string bug_names(const core::Bugs& bugs);

}  // namespace raftlab::sim
