// The client history of one run: every operation's invocation, completion and
// outcome, shared by the workload's clients and the scenario's own put/get
// steps, written to the trace as it happens (op_invoke / op_complete of
// docs/trace-format.md) and handed to the linearizability checker at the end.
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

#include "scenarios/lincheck/history.h"
#include "scenarios/runner/trace.h"

namespace raftlab::scenario {

class HistoryRecorder {
  public:
    explicit HistoryRecorder(TraceWriter& trace) : trace_(trace) {}

    // Records the invocation (now) and returns the op id; `op.id` is ignored.
    std::uint64_t invoke(lincheck::Operation op, std::uint64_t node);
    // Records the completion (now). For Get: `value`; for Cas: `swapped`.
    void complete(std::uint64_t id, lincheck::Outcome outcome,
                  const std::optional<std::string>& value = std::nullopt, bool swapped = false,
                  const std::string& error = {});

    lincheck::History history() const;
    // Longest stretch without an acknowledged write that overlaps [from, to]:
    // the write unavailability a client saw around a fault.
    std::int64_t longest_write_gap_ns(std::int64_t from, std::int64_t to) const;
    struct Counts {
        std::uint64_t ok = 0, failed = 0, unknown = 0, pending = 0;
    };
    Counts counts() const;

  private:
    TraceWriter& trace_;
    mutable std::mutex mu_;
    lincheck::History ops_;  // index = id - 1
    std::vector<std::int64_t> write_acks_ns_;
};

}  // namespace raftlab::scenario
