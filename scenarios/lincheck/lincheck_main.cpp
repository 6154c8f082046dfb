// raftlab-lincheck TRACE: re-judge the client history in a trace offline.
// Exit status: 0 linearizable, 1 not linearizable, 2 undecided (budget ran
// out), 3 the trace could not be read.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

#include "scenarios/lincheck/checker.h"
#include "scenarios/lincheck/history_jsonl.h"

namespace {

int usage(const char* error = nullptr) {
    if (error) std::cerr << "raftlab-lincheck: " << error << "\n";
    std::cerr << "usage: raftlab-lincheck TRACE.jsonl [--budget-ms N]\n"
                 "Reads the op_invoke/op_complete records of a trace (docs/trace-format.md)\n"
                 "and says whether the history is linearizable.\n";
    return 3;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace raftlab::lincheck;
    std::string path;
    CheckOptions options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--budget-ms") {
            if (i + 1 >= argc) return usage("--budget-ms needs a number of milliseconds");
            char* end = nullptr;
            const long long ms = std::strtoll(argv[++i], &end, 10);
            if (*end != '\0' || ms < 0) return usage("--budget-ms needs a number >= 0");
            options.budget = std::chrono::milliseconds(ms);
        } else if (arg == "-h" || arg == "--help") {
            usage();
            return 0;
        } else if (path.empty()) {
            path = arg;
        } else {
            return usage(("unexpected argument: " + arg).c_str());
        }
    }
    if (path.empty()) return usage("no trace file given");

    const LoadedHistory loaded = load_history_file(path);
    for (const auto& e : loaded.errors)
        std::cerr << e << "\n";
    if (!loaded.ok()) {
        std::cerr << loaded.errors.size()
                  << " problem(s) in the trace; fix them (or the writer) and run again\n";
        return 3;
    }
    std::cout << loaded.history.size() << " client operations";
    if (loaded.never_completed)
        std::cout << " (" << loaded.never_completed << " never completed: unknown)";
    std::cout << ", " << loaded.other_records << " other records skipped\n";
    try {
        const CheckResult result = check(loaded.history, options);
        std::cout << format(result);
        return result.verdict == Verdict::Ok ? 0 : result.verdict == Verdict::Illegal ? 1 : 2;
    } catch (const std::invalid_argument& e) {
        std::cerr << path << ": " << e.what() << "\n";
        return 3;
    }
}
