// Client histories as JSON Lines: the op_invoke and op_complete records of
// docs/trace-format.md. The loader reads a whole trace and skips every other
// kind of record, so `raftlab-scenario check TRACE` can feed it a full trace.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "scenarios/lincheck/history.h"
#include "scenarios/lincheck/history_records.h"  // the writing side

namespace raftlab::lincheck {

struct LoadedHistory {
    History history;  // in invocation order of the file
    // One line per problem: "trace.jsonl:17: op_complete for op_id 9 has no
    // op_invoke before it". Loading goes on past bad lines so a person sees all.
    std::vector<std::string> errors;
    std::size_t other_records = 0;    // well-formed records of other kinds, skipped
    std::size_t never_completed = 0;  // invoked, never completed: kept as Outcome::Unknown
    bool ok() const { return errors.empty(); }
};

LoadedHistory load_history_jsonl(std::istream& in, const std::string& source_name = "<input>");
// Reports an unreadable file as an error naming the path.
LoadedHistory load_history_file(const std::string& path);

}  // namespace raftlab::lincheck
