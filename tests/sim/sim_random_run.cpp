#include "tests/sim/sim_random_run.h"

#include <algorithm>
#include <chrono>

#include "scenarios/lincheck/checker.h"

namespace raftlab::sim {
namespace {

// A fault mix. Probabilities are per step (10 ms of virtual time by default).
struct Profile {
    const char* name;
    double drop, duplicate;
    int max_delay_ms;
    int disk_max_ms;
    double propose, read, crash, restart, partition, heal, member, transfer;
    int election_min, election_max;  // ticks
    double leader_bias = 0.5;        // share of crashes and isolations that hit the leader
    std::size_t max_entries = 0;     // per AppendEntries; 0 lets the seed choose 1..16
    double crash_new_leader = 0.0;   // chance a fresh leader dies or is cut off within 0..120 ms
    Index max_backlog = 64;          // clients hold back while a leader has this many uncommitted
    int tick_ms = 10;                // a shorter tick packs more leader turnovers into a run
    bool classic = false;            // PreVote and CheckQuorum off: Figure 8's plain Raft
};

// Each seed picks one. "split-votes" narrows the randomized election timeout
// so candidates collide (what double_vote needs); "partitions" and "crashes"
// build the divergent logs Figure 7 and 8 are about.
constexpr Profile kProfiles[] = {
    // name          drop  dup   dly disk prop  read  crash  rest  part   heal  memb   xfer   el
    {"calm", 0.00, 0.00, 5, 1, 0.40, 0.15, 0.002, 0.05, 0.002, 0.05, 0.004, 0.003, 15, 30},
    {"lossy", 0.08, 0.05, 20, 2, 0.30, 0.10, 0.003, 0.03, 0.003, 0.03, 0.004, 0.003, 15, 30},
    {"partitions", 0.01, 0.01, 10, 2, 0.30, 0.10, 0.002, 0.03, 0.015, 0.02, 0.004, 0.003, 15, 30},
    {"crashes", 0.01, 0.01, 10, 4, 0.35, 0.10, 0.012, 0.04, 0.004, 0.03, 0.004, 0.003, 15, 30},
    {"split-votes", 0.02, 0.02, 15, 3, 0.30, 0.10, 0.006, 0.04, 0.008, 0.03, 0.002, 0.004, 10, 13},
    {"membership", 0.01, 0.01, 10, 2, 0.30, 0.10, 0.004, 0.04, 0.006, 0.03, 0.030, 0.006, 15, 30},
    {"chaos", 0.05, 0.05, 40, 5, 0.30, 0.10, 0.010, 0.04, 0.012, 0.02, 0.010, 0.006, 12, 20},
    // Figure 8 needs a leader to replicate an old-term entry one message at a
    // time and die before its own entry lands, again and again.
    {"figure8", 0.02,  0.02, 60, 5,   0.70, 0.05, 0.020, 0.20, 0.010, 0.10,
     0.000,     0.002, 10,   20, 0.9, 1,    0.8,  400,   5,    true},
};
constexpr int kProfileCount = sizeof(kProfiles) / sizeof(kProfiles[0]);

// Seeds pick profiles by weight; Figure 8's rare interleavings get a double share.
const Profile& pick_profile(std::mt19937_64& r) {
    const int slot = static_cast<int>(r() % (kProfileCount + 1));
    return kProfiles[std::min(slot, kProfileCount - 1)];
}

template <typename T>
T pick(std::mt19937_64& r, const std::vector<T>& v) {
    return v[r() % v.size()];
}

bool chance(std::mt19937_64& r, double p) {
    return std::uniform_real_distribution<double>(0.0, 1.0)(r) < p;
}

class RandomDriver {
  public:
    RandomDriver(Cluster& c, const Profile& p, std::uint64_t seed)
        : c_(c), p_(p), r_(seed ^ 0xA5A5A5A5ull) {}

    void step() {
        ++step_;
        doom_new_leader();
        if (chance(r_, p_.propose)) propose();
        if (chance(r_, p_.read)) read();
        if (chance(r_, p_.crash)) crash();
        if (chance(r_, p_.restart)) restart();
        if (chance(r_, p_.partition)) partition();
        if (chance(r_, p_.heal)) c_.heal();
        if (chance(r_, p_.member)) membership();
        if (chance(r_, p_.transfer)) transfer();
    }

    std::mt19937_64& rng() { return r_; }

  private:
    std::string key() { return "k" + std::to_string(r_() % 5); }

    // A leader that dies before its first entry of its term is replicated is
    // the heart of Figure 8; the "figure8" profile makes that common.
    void doom_new_leader() {
        const NodeId l = c_.leader();
        if (l != core::kNoNode && c_.raft(l).term() > newest_term_) {
            newest_term_ = c_.raft(l).term();
            if (p_.crash_new_leader > 0 && chance(r_, p_.crash_new_leader)) {
                doomed_ = l;
                // Early: its first entry is still in flight (Figure 8's S5).
                // Later: it has counted old-term replicas but its own entry
                // has not landed yet (Figure 8's S1 in (c)).
                doom_step_ = step_ + static_cast<int>(chance(r_, 0.5) ? r_() % 3 : 3 + r_() % 10);
            }
        }
        if (doomed_ != core::kNoNode && step_ >= doom_step_) {
            // Cut off, it keeps its unreplicated entries and whatever is in
            // flight to it is lost; it rejoins on its own 50..300 ms later.
            if (chance(r_, 0.2)) {
                c_.crash(doomed_);
            } else {
                c_.isolate(doomed_);
                exiles_.push_back({doomed_, step_ + 5 + static_cast<int>(r_() % 26)});
            }
            doomed_ = core::kNoNode;
        }
        for (auto it = exiles_.begin(); it != exiles_.end();) {
            if (step_ < it->second) {
                ++it;
                continue;
            }
            c_.rejoin(it->first);
            it = exiles_.erase(it);
        }
    }

    NodeId client_target() {
        // Clients mostly find the leader; sometimes they ask whoever is near.
        const NodeId l = c_.leader();
        const auto up = c_.up_ids();
        if (up.empty()) return core::kNoNode;
        if (l != core::kNoNode && chance(r_, 0.8)) return l;
        return pick(r_, up);
    }

    void propose() {
        const NodeId at = client_target();
        if (at == core::kNoNode) return;
        // Clients bound their requests in flight, so a slow cluster is not
        // buried under a backlog it cannot drain within the liveness bound.
        const core::Raft& r = c_.raft(at);
        if (r.role() == core::Role::Leader && r.last_index() > r.commit_index() + p_.max_backlog)
            return;
        c_.put(at, key());
    }

    void read() {
        const auto up = c_.up_ids();
        if (!up.empty()) c_.read(pick(r_, up), key());  // leaders and followers alike
    }

    void crash() {
        const auto up = c_.up_ids();
        if (up.empty()) return;
        // Leaders are the interesting victims: half the crashes hit one.
        const NodeId l = c_.leader();
        c_.crash(l != core::kNoNode && chance(r_, p_.leader_bias) ? l : pick(r_, up));
    }

    void restart() {
        std::vector<NodeId> down;
        for (NodeId id : c_.ids()) {
            const SimNode& n = c_.node(id);
            if (n.started && !n.up && !n.retired) down.push_back(id);
        }
        if (!down.empty()) c_.restart(pick(r_, down));
    }

    void partition() {
        const auto all = c_.ids();
        switch (r_() % 5) {
            case 4: {  // the leader and its learners apart from the other voters
                const NodeId l = c_.leader();
                if (l == core::kNoNode) break;
                std::vector<NodeId> side = c_.raft(l).membership().learners();
                side.push_back(l);
                c_.partition(side);
                break;
            }
            case 0: {  // a symmetric split into a minority and the rest
                std::vector<NodeId> side;
                const std::size_t size = 1 + r_() % (all.size() / 2);
                std::vector<NodeId> pool = all;
                std::shuffle(pool.begin(), pool.end(), r_);
                side.assign(pool.begin(), pool.begin() + size);
                c_.partition(side);
                break;
            }
            case 1: {  // cut off the leader, the classic stale-leader setup
                const NodeId l = c_.leader();
                c_.isolate(l != core::kNoNode ? l : pick(r_, all));
                break;
            }
            default: {  // one-way links: a hears nothing from b, or b from a
                const NodeId a = pick(r_, all);
                NodeId b = pick(r_, all);
                if (a != b) c_.block(a, b);
                break;
            }
        }
    }

    void membership() {
        const NodeId l = c_.leader();
        if (l == core::kNoNode) return;
        const core::Membership& m = c_.raft(l).membership();
        std::vector<NodeId> fresh;
        for (NodeId id : c_.ids()) {
            if (!c_.node(id).started && !m.contains(id)) fresh.push_back(id);
        }
        const auto learners = m.learners();
        const auto voters = m.voters();
        switch (r_() % 3) {
            case 0:
                if (!fresh.empty()) {
                    const auto status =
                        chance(r_, 0.5) ? core::NodeStatus::Promotable : core::NodeStatus::ReadOnly;
                    c_.add_learner(l, pick(r_, fresh), status);
                }
                break;
            case 1:
                if (!learners.empty()) c_.promote(l, pick(r_, learners));
                break;
            default: {
                // Keep at least three voters so the cluster can still lose one.
                std::vector<NodeId> victims = learners;
                if (voters.size() > 3) victims.insert(victims.end(), voters.begin(), voters.end());
                if (!victims.empty()) c_.remove(l, pick(r_, victims));
                break;
            }
        }
    }

    void transfer() {
        const NodeId l = c_.leader();
        if (l == core::kNoNode) return;
        auto voters = c_.raft(l).membership().voters();
        voters.erase(std::remove(voters.begin(), voters.end(), l), voters.end());
        if (!voters.empty()) c_.transfer(l, pick(r_, voters));
    }

    Cluster& c_;
    const Profile& p_;
    std::mt19937_64 r_;
    int step_ = 0;
    Term newest_term_ = 0;
    NodeId doomed_ = core::kNoNode;
    int doom_step_ = 0;
    std::vector<std::pair<NodeId, int>> exiles_;  // isolated node, step it rejoins
};

}  // namespace

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
