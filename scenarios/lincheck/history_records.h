// Writing client histories as JSON Lines records (docs/trace-format.md).
// Standard C++ only, so workloads and the simulator can write traces without
// Qt; reading them back is history_jsonl.h.
#pragma once

#include <iosfwd>
#include <string>

#include "scenarios/lincheck/history.h"

namespace raftlab::lincheck {

// One record each, without the trailing newline, for writers that interleave
// client operations with other trace records as they happen.
std::string op_invoke_record(const Operation& op);
std::string op_complete_record(const Operation& op);

// Every operation's two records, in time order (an unknown operation's
// op_complete is written at its complete_ns, when the client gave up).
void write_history_jsonl(std::ostream& out, const History& history);

}  // namespace raftlab::lincheck
