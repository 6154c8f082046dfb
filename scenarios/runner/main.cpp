// raftlab-scenario: the scenario engine's command line.
//   raftlab-scenario list
//   raftlab-scenario run FILE [--trace out.jsonl] [--seed N] [--speed X] [--keep]
//                            [--node-bin PATH] [--node-arg ARG]... [--duration S]
//   raftlab-scenario check TRACE
// Exit codes: 0 passed, 1 an expectation failed or a checker fired, 2 bad
// usage or scenario file, 77 the scenario needs the lab plane (skipped).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "scenarios/runner/checkers.h"
#include "scenarios/runner/runner.h"

using namespace raftlab::scenario;

namespace {

std::filesystem::path own_dir() {
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::filesystem::current_path() : exe.parent_path();
}

// A name from `list` ("paused-leader") also works in place of a path.
std::string find_scenario(const std::string& arg) {
    if (std::filesystem::exists(arg)) return arg;
    for (const auto& s : shipped_scenarios()) {
        if (s.name == arg) return s.path;
    }
    return arg;
}

int cmd_list() {
    for (const auto& s : shipped_scenarios()) {
        std::string needs;
        for (const auto& n : s.needs)
            needs += (needs.empty() ? "" : ", ") + n;
        std::cout << s.name << std::string(s.name.size() < 24 ? 24 - s.name.size() : 1, ' ')
                  << s.purpose << (needs.empty() ? "" : "  [needs: " + needs + "]") << "\n";
    }
    std::cout << "\n(" << default_library_dir() << ")\n";
    return 0;
}

int cmd_check(const std::string& path) {
    TraceCheckResult r = check_trace_file(path);
    std::cout << path << ": " << r.records << " records, " << r.leader_observations
              << " leader observations, " << r.operations << " client operations\n";
    for (const auto& p : r.problems)
        std::cout << "  problem: " << p << "\n";
    if (r.violations.empty()) {
        std::cout << "  election safety: ok (at most one leader per term)\n";
    }
    for (const auto& v : r.violations)
        std::cout << "  VIOLATION (" << v.checker << "): " << v.text << "\n";
    if (r.operations) {
        std::cout << "  linearizability: " << (r.linearizable ? "ok" : "NOT linearizable") << "\n";
        if (!r.linearizable) std::cout << r.lincheck_report << "\n";
    }
    std::cout << (r.ok() ? "PASSED" : "FAILED") << "\n";
    return r.ok() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"raftlab-scenario: run Raft Lab scenarios against real raftlab-node processes"};
    app.require_subcommand(1);
    auto* list = app.add_subcommand("list", "the shipped scenarios and what each shows");
    auto* run = app.add_subcommand("run", "run a scenario file (or a shipped scenario's name)");
    std::string file, trace, run_dir, node_bin;
    RunOptions options;
    run->add_option("FILE", file, "scenario .toml file or shipped name")->required();
    run->add_option("--trace", trace, "write the JSON Lines trace here");
    run->add_option("--seed", options.seed, "seed for the workload and the nemesis");
    run->add_option("--speed", options.speed, "lab clock rate (needs the Lab service)");
    run->add_flag("--keep", options.keep, "keep the run directory (configs, data, node logs)");
    run->add_option("--run-dir", run_dir, "use this run directory instead of a fresh /tmp one");
    run->add_option("--node-bin", node_bin, "raftlab-node to run (default: next to this program)");
    run->add_option("--node-arg", options.node_args,
                    "one more argument for every node, repeatable; e.g. with "
                    "--node-bin raftlab-node-buggy: --node-arg=--bug=stale_local_read")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    run->add_option("--observer", options.observer,
                    "watch (Lab.Watch streams, the default) or poll (Cluster.Status)")
        ->check(CLI::IsMember({"watch", "poll"}));
    run->add_option("--trace-messages", options.trace_message_budget,
                    "message records per node in the trace before they are only counted "
                    "(0: none)")
        ->capture_default_str();
    double duration_s = 0;
    run->add_option("--duration", duration_s,
                    "seconds each nemesis step runs (overrides the file)");
    auto* check = app.add_subcommand("check", "re-verify a recorded trace offline");
    std::string trace_in;
    check->add_option("TRACE", trace_in, "trace .jsonl")->required();
    CLI11_PARSE(app, argc, argv);

    if (*list) return cmd_list();
    if (*check) return cmd_check(trace_in);

    Scenario scenario;
    try {
        scenario = parse_scenario_file(find_scenario(file));
    } catch (const std::exception& e) {
        std::cerr << "raftlab-scenario: " << e.what() << "\n";
        return kUsage;
    }
    options.trace_path = trace;
    options.nemesis_duration_ms = static_cast<std::uint64_t>(duration_s * 1000);
    options.run_dir = run_dir;
    // Absolute: each node starts in the run directory, not here.
    options.node_bin =
        node_bin.empty() ? own_dir() / "raftlab-node" : std::filesystem::absolute(node_bin);
    if (!std::filesystem::exists(options.node_bin)) {
        std::cerr << "raftlab-scenario: " << options.node_bin.string()
                  << " does not exist; build it (cmake --build build --target raftlab-node) or "
                     "pass --node-bin PATH\n";
        return kUsage;
    }
    try {
        Runner runner(std::move(scenario), options, std::cout);
        return runner.run();
    } catch (const std::exception& e) {
        std::cerr << "raftlab-scenario: " << e.what() << "\n";
        return kFailed;
    }
}
