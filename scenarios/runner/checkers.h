// Safety and liveness checkers that read observations, live or from a trace.
// Each reports a violation with its evidence, in words a person can follow.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/lincheck/history.h"

namespace raftlab::scenario {

struct Violation {
    std::string checker;  // "election-safety", "liveness", "no-lost-writes", ...
    std::string text;     // the evidence
    std::int64_t t_ns = 0;
};

// Election Safety (Raft paper Figure 3): at most one leader can be elected in
// a given term. Fed every observation of a node being leader in a term; the
// first leader seen for a term is remembered, any other is a violation.
class ElectionSafety {
  public:
    std::optional<Violation> observe_leader(std::uint64_t node, std::uint64_t term,
                                            std::int64_t t_ns);
    const std::map<std::uint64_t, std::uint64_t>& leaders() const { return leader_of_term_; }

  private:
    std::map<std::uint64_t, std::uint64_t> leader_of_term_;
    std::map<std::uint64_t, std::int64_t> first_seen_;
};

// Liveness watchdog: a cluster whose quorum of voters is alive and not
// partitioned must have a leader within `limit_ns` (a few election timeouts).
// The runner says when that precondition holds; time without a leader is
// counted only while it does.
class LivenessWatchdog {
  public:
    explicit LivenessWatchdog(std::int64_t limit_ns = 5'000'000'000) : limit_ns_(limit_ns) {}
    void set_enabled(bool enabled) { enabled_ = enabled; }
    // `quorum_ok`: a quorum of voters runs, unpaused and unpartitioned.
    std::optional<Violation> update(std::int64_t now_ns, bool leader_exists, bool quorum_ok);

  private:
    std::int64_t limit_ns_;
    bool enabled_ = true;
    std::int64_t leaderless_since_ = 0;  // 0: a leader exists or the quorum is down
    bool fired_ = false;
};

// "No acknowledged write lost": after the workload, `final_values` holds each
// key's value read linearizably at the end (nullopt = missing). The final
// value must come from a write that was acknowledged or may have happened
// (ok or unknown), and that write must not have finished before another
// acknowledged write on the key began (that one would have overwritten it).
std::vector<Violation> check_no_lost_writes(
    const lincheck::History& history,
    const std::map<std::string, std::optional<std::string>>& final_values);

// Offline re-check of a trace file (raftlab-scenario check): election safety
// from `role` (to = "Leader") and `state` (role = 2) records, and the
// linearizability of the op_invoke/op_complete records.
struct TraceCheckResult {
    std::vector<Violation> violations;
    std::vector<std::string> problems;  // unreadable lines, with file:line
    std::string lincheck_report;        // empty if the trace has no client operations
    bool linearizable = true;
    std::size_t records = 0, operations = 0, leader_observations = 0;
    bool ok() const { return violations.empty() && problems.empty() && linearizable; }
};
TraceCheckResult check_trace_file(const std::string& path);
// The same on a trace already in memory; `path` names it in messages. The
// fuzz target (tests/fuzz) uses it with a short lincheck budget.
TraceCheckResult check_trace_text(const std::string& text, const std::string& path,
                                  std::chrono::milliseconds lincheck_budget);

}  // namespace raftlab::scenario
