// libFuzzer target: the trace readers. The same bytes go to
//  - check_trace_text, what `raftlab-scenario check TRACE` runs (the
//    election-safety pass and lincheck's JSON Lines history loader), and
//  - the GUI's parse_trace_line (gui/model, Qt Core only), line by line.
// Neither may crash or hang on any input; both report bad lines as problems.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gui/model/trace_parser.h"
#include "scenarios/runner/checkers.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        // A short lincheck budget: the search is exponential by nature and
        // is bounded by its budget, which is what this checks, not its speed.
        const auto r =
            raftlab::scenario::check_trace_text(text, "fuzz.jsonl", std::chrono::milliseconds(50));
        raftlab::fuzz::require(r.records <= text.size(), "more records than bytes");
    } catch (const std::exception& e) {
        raftlab::fuzz::finding(std::string("check_trace_text threw: ") + e.what());
    }
    std::string_view rest(text);
    while (!rest.empty()) {
        const std::size_t nl = rest.find('\n');
        const std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        try {
            const auto p = raftlab::gui::parse_trace_line(line);
            raftlab::fuzz::require(!(p.event && !p.error.empty()),
                                   "parse_trace_line returned an event and an error");
        } catch (const std::exception& e) {
            raftlab::fuzz::finding(std::string("parse_trace_line threw: ") + e.what());
        }
    }
    return 0;
}
