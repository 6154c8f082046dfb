// libFuzzer target: message sequences into a 3-node core simulation.
//
// The fuzz bytes are decoded into a schedule for tests/sim's Cluster (three
// voters and one spare, real core::Raft instances, simulated disk): how long
// to run, which node crashes or restarts, partitions and one-way blocks,
// client puts and ReadIndex reads, membership changes, leader transfers,
// which of the next messages the network loses, and late replays of messages
// that were really sent earlier (captured by the message filter). Every
// message stays well typed and is one a real network could deliver; the
// fuzzer only chooses the order, the losses and the duplicates, which is the
// adversary Raft is built against (§5.1: messages may be lost, delayed,
// duplicated and reordered).
//
// The simulator's Checker verifies Election Safety, Leader Append-Only, Log
// Matching, Leader Completeness, State Machine Safety and linearizable reads
// after every event; at the end the faults stop and a fresh write must commit
// (liveness). Any violation aborts, so libFuzzer keeps the input.
//
// RAFTLAB_FUZZ_BUGS=double_vote (any name raftlab-sim --bugs takes) turns on a
// test-only bug in the core, to see the fuzzer catch it.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdlib>
#include <deque>
#include <sstream>
#include <string>

#include "tests/fuzz/fuzz_check.h"
#include "tests/sim/sim_cluster.h"
#include "tests/sim/sim_random_run.h"

namespace sim = raftlab::sim;
using raftlab::core::Message;
using raftlab::core::NodeId;

namespace {

constexpr int kVoters = 3;
constexpr int kSpares = 1;
constexpr int kMaxActions = 300;
constexpr std::size_t kCaptured = 64;  // messages kept for replay

raftlab::core::Bugs bugs_from_env() {
    raftlab::core::Bugs bugs;
    if (const char* env = std::getenv("RAFTLAB_FUZZ_BUGS")) {
        std::stringstream names(env);
        std::string name;
        while (std::getline(names, name, ',')) {
            if (!name.empty() && !sim::set_bug(bugs, name)) {
                raftlab::fuzz::finding("RAFTLAB_FUZZ_BUGS: unknown bug switch '" + name + "'");
            }
        }
    }
    return bugs;
}

struct Run {
    FuzzedDataProvider& in;
    sim::Cluster& c;
    std::deque<Message> captured;
    int drop_next = 0;

    NodeId any_node() { return in.ConsumeIntegralInRange<NodeId>(1, kVoters + kSpares); }
    std::string key() { return "k" + std::to_string(in.ConsumeIntegralInRange(0, 3)); }
    NodeId leader_or_any() {
        const NodeId l = c.leader();
        return l != raftlab::core::kNoNode && in.ConsumeBool() ? l : any_node();
    }

    void action() {
        switch (in.ConsumeIntegralInRange(0, 12)) {
            case 0:
            case 1:
                c.run_for(in.ConsumeIntegralInRange(1, 60));
                return;
            case 2:
                c.crash(any_node());
                return;
            case 3: {
                const NodeId id = any_node();
                if (c.node(id).started) c.restart(id);
                return;
            }
            case 4:
                if (in.ConsumeBool()) {
                    c.isolate(any_node());
                } else {
                    c.partition({any_node()});
                }
                return;
            case 5:
                c.heal();
                return;
            case 6: {
                const NodeId at = leader_or_any();
                if (c.node(at).up) c.put(at, key());
                return;
            }
            case 7: {
                const NodeId at = any_node();
                if (c.node(at).up) c.read(at, key());
                return;
            }
            case 8:
                if (!captured.empty()) {
                    const auto k = in.ConsumeIntegralInRange<std::size_t>(0, captured.size() - 1);
                    c.inject(captured[k], in.ConsumeIntegralInRange(0, 40));
                }
                return;
            case 9:
                drop_next = in.ConsumeIntegralInRange(1, 8);
                return;
            case 10:
                membership();
                return;
            case 11: {
                const NodeId l = c.leader();
                if (l != raftlab::core::kNoNode) c.transfer(l, any_node());
                return;
            }
            default:
                c.block(any_node(), any_node());
                return;
        }
    }

    void membership() {
        const NodeId l = c.leader();
        if (l == raftlab::core::kNoNode) return;
        const auto& m = c.raft(l).membership();
        const NodeId id = any_node();
        switch (in.ConsumeIntegralInRange(0, 2)) {
            case 0:
                if (!c.node(id).started && !m.contains(id)) {
                    c.add_learner(l, id,
                                  in.ConsumeBool() ? raftlab::core::NodeStatus::Promotable
                                                   : raftlab::core::NodeStatus::ReadOnly);
                }
                return;
            case 1:
                c.promote(l, id);
                return;
            default:
                // Keep three voters, as the random driver does, so one crash
                // cannot make the end-of-run liveness check impossible.
                if (m.voters().size() > 3 || !m.is_voter(id)) c.remove(l, id);
                return;
        }
    }
};

void fail_with(sim::Cluster& c) {
    const auto& v = c.checker().violations().front();
    raftlab::fuzz::finding(v.invariant + " violated at t=" + std::to_string(v.t_ms) +
                           "ms: " + v.detail);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const raftlab::core::Bugs bugs = bugs_from_env();
    FuzzedDataProvider in(data, size);

    sim::ClusterOptions o;
    o.seed = in.ConsumeIntegral<std::uint32_t>();
    o.voters = kVoters;
    o.spares = kSpares;
    o.snapshot_threshold = in.ConsumeIntegralInRange(4, 32);
    o.net.min_delay_ms = 1;
    o.net.max_delay_ms = in.ConsumeIntegralInRange(1, 20);
    o.config.pre_vote = in.ConsumeBool();
    o.config.check_quorum = in.ConsumeBool();
    o.config.max_entries_per_msg = in.ConsumeIntegralInRange(1, 16);
    o.config.auto_promote = in.ConsumeBool();
    o.config.learner_catchup_lag = in.ConsumeIntegralInRange(2, 32);
    o.config.election_ticks_min = 15;
    o.config.election_ticks_max = 30;
    o.config.heartbeat_ticks = 3;
    o.config.lease_ticks = 13;
    o.record_history = true;
#ifdef RAFTLAB_BUG_INJECTION
    o.config.bugs = bugs;
#endif

    sim::Cluster c(o);
    Run run{in, c, {}, 0};
    c.set_message_filter([&run](const Message& m) {
        run.captured.push_back(m);
        if (run.captured.size() > kCaptured) run.captured.pop_front();
        if (run.drop_next > 0) {
            --run.drop_next;
            return false;
        }
        return true;
    });
    for (NodeId id = 1; id <= kVoters; ++id)
        c.start(id);

    for (int i = 0; i < kMaxActions && in.remaining_bytes() > 0; ++i) {
        run.action();
        if (c.checker().failed()) fail_with(c);
    }

    // Liveness (§5.6): every fault stops, every node comes back, and within
    // 10 s of virtual time a fresh write must commit.
    c.set_message_filter({});
    c.heal();
    for (NodeId id : c.ids()) {
        if (c.node(id).started) c.restart(id);
    }
    const std::uint64_t acked_before = c.stats().writes_acked;
    std::int64_t next_try = c.now();
    const bool live = c.run_until(
        [&] {
            if (c.stats().writes_acked > acked_before) return true;
            if (c.now() >= next_try) {
                const NodeId l = c.leader();
                next_try = c.now() + (l != raftlab::core::kNoNode && c.put(l, "live") ? 200 : 20);
            }
            return false;
        },
        10000);
    if (c.checker().failed()) fail_with(c);
    raftlab::fuzz::require(live,
                           "no write committed within 10 s of virtual time after the "
                           "faults stopped (leader now: " +
                               std::to_string(c.leader()) + ")");
    return 0;
}
