// Formatting a verdict for a person reading a terminal or the lab's log pane.
#include <cstdio>
#include <sstream>

#include "scenarios/lincheck/checker.h"

namespace raftlab::lincheck {

namespace {

std::string ms(std::int64_t ns) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ns) / 1e6);
    return buf;
}

std::string pad(std::string s, std::size_t width) {
    if (s.size() < width) s.append(width - s.size(), ' ');
    return s;
}

}  // namespace

std::string format(const CheckResult& r) {
    std::ostringstream out;
    const std::string stats =
        std::to_string(r.operations_checked) + " operations on " + std::to_string(r.keys_checked) +
        (r.keys_checked == 1 ? " key, " : " keys, ") + ms(r.elapsed.count()) + " ms";
    switch (r.verdict) {
        case Verdict::Ok:
            out << "linearizable (" << stats << ")\n";
            break;
        case Verdict::Unknown:
            if (r.gave_up_on == "memory") {
                out << "linearizability UNKNOWN: the search for key \"" << r.key
                    << "\" outgrew its memory cap (" << stats
                    << "). Too many operations on that key overlap in time; spread the"
                       " workload over more keys or fewer concurrent clients, or raise"
                       " max_memo_bytes.\n";
            } else {
                out << "linearizability UNKNOWN: the time budget ran out while checking key \""
                    << r.key << "\" (" << stats
                    << "). Give the check a larger budget, or spread the workload over more"
                       " keys.\n";
            }
            break;
        case Verdict::Illegal: {
            out << "NOT linearizable: on key \"" << r.key << "\", ";
            if (r.window.size() == 1) {
                out << "this operation cannot be placed at any time in its interval that"
                    << " gives the answer a register would";
            } else {
                out << "these " << r.window.size()
                    << " operations cannot be placed in any order that respects real time and"
                    << " gives every answer a register would";
            }
            out << " (" << stats << ")"
                << (r.window_minimal ? "" : "; the window may not be minimal (the budget ran out)")
                << ":\n";
            std::int64_t t0 = r.window.empty() ? 0 : r.window.front().invoke_ns;
            // A window that could not be shrunk may be long; a person needs the
            // first and the last operations, where the anomaly usually shows.
            constexpr std::size_t kHead = 10, kTail = 20;
            for (std::size_t i = 0; i < r.window.size(); ++i) {
                if (r.window.size() > kHead + kTail && i == kHead) {
                    out << "  ... " << r.window.size() - kHead - kTail << " more operations ...\n";
                    i = r.window.size() - kTail;
                }
                const Operation& op = r.window[i];
                std::string when = "[" + ms(op.invoke_ns - t0) + " ms .. ";
                when += op.outcome == Outcome::Unknown ? std::string("?") : ms(op.complete_ns - t0);
                when += " ms]";
                out << "  op " << pad(std::to_string(op.id), 6) << " client "
                    << pad(std::to_string(op.client), 4) << pad(when, 30)
                    << pad(to_string(op.outcome), 8) << describe(op) << "\n";
            }
            out << "  (times relative to the first invocation shown; unknown = timed out, may"
                   " or may not have happened)\n";
            break;
        }
    }
    return out.str();
}

}  // namespace raftlab::lincheck
