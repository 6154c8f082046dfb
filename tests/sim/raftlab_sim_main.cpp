// raftlab-sim: run the seeded cluster simulator from the command line.
//
//   raftlab-sim --seed 1234 --steps 500 --nodes 5 --trace     one seed, JSON trace on stdout
//   raftlab-sim --seed 1 --seeds 1000                          a range of seeds, a summary
//   raftlab-sim --seed 1 --seeds 2000 --bugs double_vote       hunt for a seed that catches a bug
//
// Exit status: 0 if every seed kept every invariant, 1 if one failed, 2 on bad usage.
#include <CLI/CLI.hpp>
#include <chrono>
#include <fstream>
#include <iostream>

#include "tests/sim/sim_random_run.h"

using namespace raftlab;

int main(int argc, char** argv) {
    CLI::App app{"Raft Lab's seeded, virtual-time cluster simulator"};
    std::uint64_t seed = 1;
    std::uint64_t seeds = 1;
    int steps = 500;
    int nodes = 0;
    bool trace = false;
    bool keep_going = false;
    std::string trace_file;
    std::string bugs;
    app.add_option("--seed", seed, "first seed to run");
    app.add_option("--seeds", seeds, "how many consecutive seeds to run")
        ->check(CLI::PositiveNumber);
    app.add_option("--steps", steps, "steps per seed (one step = 10 ms of virtual time)")
        ->check(CLI::Range(1, 10000000));
    app.add_option("--nodes", nodes, "initial voters, 3..7 (default: chosen by the seed, 3..5)")
        ->check(CLI::Range(3, 7));
    app.add_flag("--keep-going", keep_going, "run every seed even after one fails; count failures");
    app.add_flag("--trace", trace, "write the JSON-lines trace of the run to stdout");
    app.add_option("--trace-file", trace_file, "write the JSON-lines trace to this file");
    app.add_option("--bugs", bugs,
                   "comma-separated test-only bug switches: commit_old_term, double_vote, "
                   "no_truncate, learner_in_quorum");
    CLI11_PARSE(app, argc, argv);

    sim::RunOptions o;
    o.steps = steps;
    o.nodes = nodes;
    std::size_t pos = 0;
    while (pos < bugs.size()) {
        auto comma = bugs.find(',', pos);
        if (comma == std::string::npos) comma = bugs.size();
        const std::string name = bugs.substr(pos, comma - pos);
        if (!sim::set_bug(o.bugs, name)) {
            std::cerr << "raftlab-sim: unknown bug switch '" << name
                      << "'; use commit_old_term, double_vote, no_truncate or learner_in_quorum\n";
            return 2;
        }
        pos = comma + 1;
    }
    std::ofstream file;
    if (!trace_file.empty()) {
        file.open(trace_file);
        if (!file) {
            std::cerr << "raftlab-sim: cannot write the trace to '" << trace_file
                      << "'; check that its folder exists and is writable\n";
            return 2;
        }
        o.trace = &file;
    } else if (trace) {
        o.trace = &std::cout;
    }
    std::ostream& out = o.trace == &std::cout ? std::cerr : std::cout;

    const auto started = std::chrono::steady_clock::now();
    std::uint64_t events = 0, committed = 0, leaders = 0, old_term_commits = 0, failures = 0;
    sim::SimStats total;
    for (std::uint64_t s = seed; s < seed + seeds; ++s) {
        o.seed = s;
        const sim::RunResult r = sim::run_random(o);
        events += r.stats.events;
        committed += r.committed;
        leaders += r.stats.leaders;
        old_term_commits += r.stats.old_term_commits;
        total.reads_served += r.stats.reads_served;
        total.writes_acked += r.stats.writes_acked;
        total.snapshots_taken += r.stats.snapshots_taken;
        total.snapshots_installed += r.stats.snapshots_installed;
        total.crashes += r.stats.crashes;
        total.config_changes += r.stats.config_changes;
        total.transfers += r.stats.transfers;
        if (seeds == 1) {
            out << "seed " << s << ": profile " << r.profile << ", " << r.voters << " voters + "
                << r.spares << " spares, " << r.stats.events << " events, " << r.stats.leaders
                << " leaders, " << r.committed << " entries committed, " << r.stats.writes_acked
                << "/" << r.stats.writes_proposed << " writes acked, " << r.stats.reads_served
                << " reads served, " << r.stats.snapshots_taken << " snapshots, " << r.stats.crashes
                << " crashes, recovery " << r.recovery_ms << " ms\n";
        }
        if (!r.ok) {
            out << "FAILED " << sim::describe(o, r) << "\n";
            out << "rerun: " << sim::rerun_command(o) << "\n";
            ++failures;
            if (!keep_going) return 1;
        }
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    out << seeds << " seed(s) x " << steps << " steps, " << failures << " failed: " << events
        << " events, " << leaders << " leaders, " << committed << " entries committed, "
        << old_term_commits << " old-term commits, " << secs << " s\n"
        << "  exercised: " << total.writes_acked << " writes acked, " << total.reads_served
        << " ReadIndex reads served, " << total.snapshots_taken << " snapshots taken, "
        << total.snapshots_installed << " installed from a leader, " << total.crashes
        << " crashes, " << total.config_changes << " membership changes, " << total.transfers
        << " leader transfers\n";
    return failures == 0 ? 0 : 1;
}
