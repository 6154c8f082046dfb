#include "tests/sim/sim_random_run.h"

#include <algorithm>
#include <chrono>

#include "scenarios/lincheck/checker.h"
#include "tests/sim/sim_profile.h"
#include "tests/sim/sim_random_driver.h"

namespace raftlab::sim {

bool set_bug(core::Bugs& bugs, const std::string& name) {
    if (name == "commit_old_term") return bugs.commit_old_term = true;
    if (name == "double_vote") return bugs.double_vote = true;
    if (name == "no_truncate") return bugs.no_truncate = true;
    if (name == "learner_in_quorum") return bugs.learner_in_quorum = true;
    return false;
}

std::string bug_names(const core::Bugs& bugs) {
    std::string out;
    auto add = [&](bool on, const char* n) {
        if (on) out += (out.empty() ? "" : ",") + std::string(n);
    };
    add(bugs.commit_old_term, "commit_old_term");
    add(bugs.double_vote, "double_vote");
    add(bugs.no_truncate, "no_truncate");
    add(bugs.learner_in_quorum, "learner_in_quorum");
    return out;
}

std::string rerun_command(const RunOptions& o) {
    std::string cmd = "build/bin/raftlab-sim --seed " + std::to_string(o.seed) + " --steps " +
                      std::to_string(o.steps);
    if (o.nodes > 0) cmd += " --nodes " + std::to_string(o.nodes);
    const std::string bugs = bug_names(o.bugs);
    if (!bugs.empty()) cmd += " --bugs " + bugs;
    return cmd + " --trace";
}

std::string describe(const RunOptions& o, const RunResult& r) {
    if (r.ok) return "seed " + std::to_string(o.seed) + ": ok";
    return "seed " + std::to_string(o.seed) + " (" + r.profile + ", " + std::to_string(r.voters) +
           " voters): " + r.violation.invariant +
           " violated at t=" + std::to_string(r.violation.t_ms) + "ms (step " +
           std::to_string(r.step) + "): " + r.violation.detail;
}

RunResult run_random(const RunOptions& o) {
    std::mt19937_64 setup(o.seed * 0x9E3779B97F4A7C15ull + 17);
    const Profile& p = pick_profile(setup);

    RunResult res;
    res.profile = p.name;
    res.voters = o.nodes > 0 ? o.nodes : 3 + static_cast<int>(setup() % 3);
    if (p.max_entries && o.nodes == 0) res.voters = 3;  // Figure 8 is likeliest with 3
    res.spares = std::max(0, std::min(2, 7 - res.voters));

    ClusterOptions co;
    co.seed = o.seed;
    co.voters = res.voters;
    co.spares = res.spares;
    co.disk_max_ms = p.disk_max_ms;
    co.net.max_delay_ms = p.max_delay_ms;
    co.net.drop = p.drop;
    co.net.duplicate = p.duplicate;
    co.snapshot_threshold = 8 + setup() % 24;
    co.config.election_ticks_min = p.election_min;
    co.config.election_ticks_max = p.election_max;
    co.config.heartbeat_ticks = std::max(2, p.election_min / 4);
    co.config.lease_ticks = p.election_min - 2;
    co.config.pre_vote = setup() % 4 != 0;  // both paths, PreVote mostly on
    co.config.check_quorum = setup() % 4 != 0;
    if (p.classic) co.config.pre_vote = co.config.check_quorum = false;
    co.tick_ms = p.tick_ms;
    co.config.learner_catchup_lag = 4 + setup() % 30;
    co.config.auto_promote = setup() % 3 != 0;  // sometimes learners wait for a hand promotion
    co.record_history = true;
    co.config.max_entries_per_msg = p.max_entries ? p.max_entries : 1 + setup() % 16;
    if (p.max_entries) co.config.max_inflight_msgs = 1;
#ifdef RAFTLAB_BUG_INJECTION
    co.config.bugs = o.bugs;
#endif

    if (o.trace) {  // the header comes first, before the nodes start
        TraceLine line(0, 0, "run");
        line.unum("seed", o.seed)
            .num("steps", o.steps)
            .num("voters", res.voters)
            .num("spares", res.spares)
            .str("profile", p.name)
            .flag("pre_vote", co.config.pre_vote)
            .flag("check_quorum", co.config.check_quorum)
            .str("bugs", bug_names(o.bugs));
        *o.trace << line.finish() << '\n';
    }
    Cluster c(co, o.trace);
    RandomDriver driver(c, p, o.seed);

    auto finish = [&](int step) {
        if (!c.checker().failed()) {
            // The whole client history (writes and reads) must be linearizable
            // too, judged by the lab's own checker (scenarios/lincheck).
            lincheck::CheckOptions lo;
            lo.budget = std::chrono::seconds(2);
            const auto verdict = lincheck::check(c.history(), lo);
            if (verdict.verdict == lincheck::Verdict::Illegal) {
                c.checker().fail(c.now(), core::kNoNode, "Linearizability",
                                 "the client history is not linearizable on key " + verdict.key +
                                     ":\n" + lincheck::format(verdict));
            }
            res.lincheck_undecided = verdict.verdict == lincheck::Verdict::Unknown;
        }
        res.stats = c.stats();
        res.committed = c.checker().committed_index();
        if (c.checker().failed()) {
            res.ok = false;
            res.violation = c.checker().violations().front();
            res.step = step;
            if (c.trace().enabled()) {
                TraceLine line(res.violation.t_ms, res.violation.node, "violation");
                line.str("invariant", res.violation.invariant).str("detail", res.violation.detail);
                c.trace().write(line);
            }
        }
        return res;
    };

    for (int step = 0; step < o.steps; ++step) {
        driver.step();
        c.run_until_time(static_cast<std::int64_t>(step + 1) * o.step_ms);
        if (c.checker().failed()) return finish(step);
    }

    // Liveness: faults stop, every node that may run comes back, and within
    // kLivenessBoundMs a leader must exist and a fresh proposal must commit.
    // "Faults stop" includes slow links: Raft only promises progress when
    // the broadcast time is well below the election timeout (§5.6), and some
    // profiles deliberately break that during the run.
    c.heal();
    c.net().drop = 0;
    c.net().duplicate = 0;
    c.net().min_delay_ms = 1;
    c.net().max_delay_ms = std::min(c.net().max_delay_ms, 10);
    for (NodeId id : c.ids()) {
        if (c.node(id).started) c.restart(id);
    }
    // The bound also pays for shipping the backlog under the configured flow
    // control: one round trip per max_inflight_msgs x max_entries_per_msg entries.
    Index longest = 0;
    for (NodeId id : c.up_ids())
        longest = std::max(longest, c.raft(id).last_index());
    const Index backlog =
        longest > c.checker().committed_index() ? longest - c.checker().committed_index() : 0;
    const Index per_round = co.config.max_inflight_msgs * co.config.max_entries_per_msg;
    const std::int64_t bound =
        kLivenessBoundMs +
        static_cast<std::int64_t>((backlog + per_round - 1) / per_round) * 2 * c.net().max_delay_ms;
    const std::int64_t healed = c.now();
    const std::uint64_t acked_before = c.stats().writes_acked;
    std::int64_t next_try = healed;
    const bool live = c.run_until(
        [&] {
            if (c.stats().writes_acked > acked_before) return true;
            if (c.now() >= next_try) {
                const NodeId l = c.leader();
                // Retry on whoever leads now; a lost proposal is retried too.
                next_try = c.now() + (l != core::kNoNode && c.put(l, "live") ? 200 : 20);
            }
            return false;
        },
        bound);
    if (c.checker().failed()) return finish(o.steps);
    if (!live) {
        c.checker().fail(c.now(), c.leader(), "Liveness",
                         "no proposal committed within " + std::to_string(bound) +
                             " ms of virtual time after all faults stopped (backlog " +
                             std::to_string(backlog) +
                             " entries; leader now: " + std::to_string(c.leader()) + ")");
        return finish(o.steps);
    }
    res.recovery_ms = c.now() - healed;
    return finish(o.steps);
}

}  // namespace raftlab::sim
