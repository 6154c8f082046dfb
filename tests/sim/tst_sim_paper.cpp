// The Raft paper's scenarios, played in the simulator with the checker on.
// Each test drives a small cluster into the situation a figure or section
// describes and asserts what Raft promises there; every safety invariant is
// checked after every event as in the random runs. Times are virtual ms;
// with the default config a tick is 10 ms, heartbeats 50 ms and election
// timeouts 150..300 ms.
#include <QTest>
#include <iostream>

#include "tests/sim/sim_cluster.h"

using namespace raftlab;
using core::Index;
using core::NodeId;
using core::Role;
using core::Term;
using sim::Cluster;

namespace {

// RAFTLAB_SIM_TRACE=1 writes every test's JSON-lines trace to stderr.
std::ostream* trace_out() {
    return qEnvironmentVariableIsSet("RAFTLAB_SIM_TRACE") ? &std::cerr : nullptr;
}

// RAFTLAB_SIM_PAPER_SEED picks another seed for timeouts and delays, to show
// the scenarios do not hang on one lucky interleaving.
sim::ClusterOptions quiet(int voters, int spares = 0) {
    sim::ClusterOptions o;
    bool ok = false;
    const int seed = qEnvironmentVariableIntValue("RAFTLAB_SIM_PAPER_SEED", &ok);
    o.seed = ok ? static_cast<std::uint64_t>(seed) : 7;
    o.voters = voters;
    o.spares = spares;
    o.net.min_delay_ms = 1;
    o.net.max_delay_ms = 5;
    o.disk_max_ms = 1;
    o.snapshot_threshold = 0;  // on only where a test wants snapshots
    return o;
}

std::string first_violation(Cluster& c) {
    if (!c.checker().failed()) return {};
    const auto& v = c.checker().violations().front();
    return v.invariant + " at t=" + std::to_string(v.t_ms) + "ms: " + v.detail;
}

#define CHECK_SAFE(c) QVERIFY2(!(c).checker().failed(), first_violation(c).c_str())

NodeId elect(Cluster& c, std::int64_t timeout_ms = 2000) {
    c.run_until([&] { return c.leader() != core::kNoNode; }, timeout_ms);
    return c.leader();
}

// Proposes key=<fresh value> at `at` and waits until `at` has applied it.
bool commit(Cluster& c, NodeId at, const std::string& key, std::int64_t timeout_ms = 2000) {
    bool accepted = false;
    const std::string value = c.put_value(at, key, &accepted);
    if (!accepted) return false;
    return c.run_until(
        [&] {
            return c.node(at).up && c.node(at).kv.get(key) == std::optional<std::string>(value);
        },
        timeout_ms);
}

std::vector<Term> log_terms(const sim::DurableStore& s) {
    std::vector<Term> terms;
    for (const auto& e : s.log)
        terms.push_back(e.term);
    return terms;
}

bool caught_up(Cluster& c, NodeId follower, NodeId leader) {
    return c.node(follower).up && c.node(leader).up &&
           c.node(follower).applied >= c.raft(leader).commit_index() &&
           c.node(follower).kv.map() == c.node(leader).kv.map();
}

// Only `who` may ask for votes: how the figures pin down who wins.
void only_campaigner(Cluster& c, NodeId who) {
    c.set_message_filter([who](const core::Message& m) {
        const bool ask = m.type == core::MessageType::Vote || m.type == core::MessageType::PreVote;
        return !ask || m.from == who;
    });
}

core::Entry entry(Index index, Term term) {
    core::Entry e;
    e.index = index;
    e.term = term;
    // Same (index, term) on two nodes is the same entry, as Log Matching needs.
    e.data = "set fig=i" + std::to_string(index) + "t" + std::to_string(term);
    return e;
}

sim::PresetLog preset(Term current_term, std::initializer_list<Term> terms, Index commit = 0) {
    sim::PresetLog p;
    p.hard_state.term = current_term;
    p.hard_state.commit = commit;
    Index i = 0;
    for (Term t : terms)
        p.entries.push_back(entry(++i, t));
    return p;
}

}  // namespace

class TstSimPaper : public QObject {
    Q_OBJECT

  private slots:
    void initial_election();
    void reelection_after_leader_loss();
    void no_leader_without_quorum();
    void agreement_despite_follower_failure();
    void no_agreement_without_majority();
    void partitioned_old_leader_rejoins();
    void fast_backup_over_long_conflicting_logs();
    void persistence_across_restarts();
    void snapshot_to_lagging_follower();
    void snapshot_to_restarted_follower();
    void membership_change_while_leader_crashes_data();
    void membership_change_while_leader_crashes();
    void learner_promotion();
    void leader_transfer();
    void read_index_on_follower();
    void deposed_leader_serves_no_stale_read();
    void figure7_divergent_followers();
    void figure8_old_term_entry_not_committed_by_counting();
    void figure8_commit_old_term_bug_is_caught();
};

// §5.2: a leader is elected, every node learns it, in one term.
void TstSimPaper::initial_election() {
    Cluster c(quiet(3), trace_out());
    const NodeId l = elect(c, 1000);
    QVERIFY2(l != core::kNoNode, "no leader within 1 s of virtual time");
    QVERIFY(c.run_until(
        [&] {
            for (NodeId id : c.ids()) {
                if (c.raft(id).leader() != l || c.raft(id).term() != c.raft(l).term()) return false;
            }
            return true;
        },
        500));
    c.run_for(2000);  // stable: no further elections without faults
    QCOMPARE(c.leader(), l);
    QCOMPARE(c.checker().leaders_elected(), std::size_t{1});
    CHECK_SAFE(c);
}

// §5.2: when the leader dies, the others elect a new one in a higher term.
void TstSimPaper::reelection_after_leader_loss() {
    Cluster c(quiet(3), trace_out());
    const NodeId l1 = elect(c);
    QVERIFY(l1 != core::kNoNode);
    const Term t1 = c.raft(l1).term();
    c.crash(l1);
    QVERIFY2(c.run_until([&] { return c.leader() != core::kNoNode; }, 1500),
             "no new leader within 1.5 s after the leader crashed");
    const NodeId l2 = c.leader();
    QVERIFY(l2 != l1);
    QVERIFY(c.raft(l2).term() > t1);
    c.restart(l1);  // the old leader comes back as a follower of the new one
    QVERIFY(c.run_until([&] { return c.raft(l1).leader() == l2; }, 1000));
    QCOMPARE(c.raft(l1).role(), Role::Follower);
    CHECK_SAFE(c);
}

// §5.2: no candidate can win without votes from a majority.
void TstSimPaper::no_leader_without_quorum() {
    Cluster c(quiet(5), trace_out());
    const NodeId l = elect(c);
    QVERIFY(l != core::kNoNode);
    std::vector<NodeId> others;
    for (NodeId id : c.ids()) {
        if (id != l) others.push_back(id);
    }
    c.crash(l);
    c.crash(others[0]);
    c.crash(others[1]);
    const std::size_t leaders_before = c.checker().leaders_elected();
    c.run_for(5000);
    QCOMPARE(c.leader(), core::kNoNode);
    QCOMPARE(c.checker().leaders_elected(), leaders_before);
    // With PreVote the two survivors do not even inflate their terms (§9.6).
    QCOMPARE(c.raft(others[2]).term(), c.raft(others[3]).term());
    c.restart(others[0]);
    QVERIFY2(elect(c, 2000) != core::kNoNode, "no leader once a majority is back");
    CHECK_SAFE(c);
}

// §5.3: a leader commits with a majority while a follower is down; the
// follower catches up when it returns.
void TstSimPaper::agreement_despite_follower_failure() {
    Cluster c(quiet(3), trace_out());
    const NodeId l = elect(c);
    QVERIFY(l != core::kNoNode);
    const NodeId f = l == 1 ? 2 : 1;
    c.crash(f);
    for (int i = 0; i < 5; ++i)
        QVERIFY2(commit(c, l, "a" + std::to_string(i)), "write did not commit");
    c.restart(f);
    QVERIFY2(c.run_until([&] { return caught_up(c, f, l); }, 2000),
             "the restarted follower did not catch up");
    CHECK_SAFE(c);
}

// §5.3: without a majority nothing commits; once a majority is back it does.
void TstSimPaper::no_agreement_without_majority() {
    Cluster c(quiet(5), trace_out());
    const NodeId l = elect(c);
    QVERIFY(l != core::kNoNode);
    QVERIFY(commit(c, l, "before"));
    std::vector<NodeId> down;
    for (NodeId id : c.ids()) {
        if (id != l && down.size() < 3) down.push_back(id);
    }
    for (NodeId id : down)
        c.crash(id);
    const Index committed = c.checker().committed_index();
    const Index leader_commit = c.raft(l).commit_index();
    bool accepted = false;
    c.put_value(l, "during", &accepted);
    QVERIFY2(accepted, "the leader refused a proposal before noticing it lost its quorum");
    c.run_for(2000);
    QCOMPARE(c.checker().committed_index(), committed);
    QCOMPARE(c.raft(l).commit_index(), leader_commit);
    QVERIFY(!c.node(l).kv.get("during"));
    for (NodeId id : down)
        c.restart(id);
    const NodeId l2 = elect(c, 3000);
    QVERIFY(l2 != core::kNoNode);
    QVERIFY2(commit(c, l2, "after", 3000), "no commit once the majority returned");
    CHECK_SAFE(c);
}

// §5.3/§5.4: a leader cut off from the majority keeps accepting entries that
// can never commit; when it rejoins, the new leader overwrites them.
void TstSimPaper::partitioned_old_leader_rejoins() {
    Cluster c(quiet(5), trace_out());
    const NodeId old = elect(c);
    QVERIFY(old != core::kNoNode);
    QVERIFY(commit(c, old, "x"));
    c.isolate(old);
    for (int i = 0; i < 3; ++i)
        QVERIFY(c.put(old, "stale"));  // appended, never replicated
    const Index stale_last = c.raft(old).last_index();
    QVERIFY2(c.run_until(
                 [&] {
                     const NodeId l = c.leader();
                     return l != core::kNoNode && l != old;
                 },
                 2000),
             "the majority did not elect a new leader");
    NodeId l2 = c.leader();
    for (int i = 0; i < 5; ++i)
        QVERIFY(commit(c, l2, "fresh"));
    c.heal();
    QVERIFY2(c.run_until(
                 [&] { return caught_up(c, old, l2) && c.raft(old).role() != Role::Leader; }, 3000),
             "the old leader did not rejoin as a follower and catch up");
    // Its stale entries are gone: at each of their indexes it now holds the
    // new leader's entry.
    for (Index i = stale_last - 2; i <= stale_last; ++i) {
        QCOMPARE(c.node(old).store.term_at(i), c.node(l2).store.term_at(i));
    }
    QVERIFY(c.node(old).kv.get("stale") == std::nullopt);
    CHECK_SAFE(c);
}

// §5.3's optimization: with the conflicting term in the rejection, the leader
// skips a whole term per round trip instead of one entry.
void TstSimPaper::fast_backup_over_long_conflicting_logs() {
    auto o = quiet(5);
    Cluster c(o, trace_out());
    const NodeId old = elect(c);
    QVERIFY(old != core::kNoNode);
    QVERIFY(commit(c, old, "base"));
    const NodeId buddy = old == 1 ? 2 : 1;
    c.partition({old, buddy});
    constexpr int kStale = 200;
    for (int i = 0; i < kStale; ++i)
        QVERIFY(c.put(old, "stale"));
    QVERIFY2(
        c.run_until([&] { return c.node(buddy).store.last_index() >= c.raft(old).last_index(); },
                    1000),
        "the minority follower did not receive the stale entries");
    QVERIFY(c.run_until(
        [&] {
            const NodeId l = c.leader();
            return l != core::kNoNode && l != old && l != buddy;
        },
        3000));
    const NodeId l2 = c.leader();
    // The new leader writes as many entries of its own term at the same
    // indexes, so the two histories conflict over their whole length.
    for (int i = 0; i < kStale; ++i)
        QVERIFY(c.put(l2, "fresh"));
    QVERIFY(commit(c, l2, "fresh", 3000));
    QVERIFY(c.raft(l2).last_index() > c.raft(old).last_index());

    std::map<NodeId, int> rejects, appends;
    c.set_message_filter([&](const core::Message& m) {
        if (m.type == core::MessageType::AppendResp && m.reject) ++rejects[m.from];
        if (m.type == core::MessageType::Append) ++appends[m.to];
        return true;
    });
    // A leader elected now starts with its whole long log ahead of the stale
    // nodes' next_index, so it must back up over all of the conflict: l2
    // crashes as the partition heals, and one of the other two takes over.
    c.crash(l2);
    c.heal();
    QVERIFY(c.run_until(
        [&] {
            const NodeId l = c.leader();
            return l != core::kNoNode && l != old && l != buddy;
        },
        3000));
    const NodeId l3 = c.leader();
    QVERIFY2(c.run_until([&] { return caught_up(c, old, l3) && caught_up(c, buddy, l3); }, 3000),
             "the stale nodes did not converge on the new leader's log");
    qInfo(
        "backing up over %d conflicting entries took node %llu %d rejections (%d appends), "
        "node %llu %d rejections (%d appends)",
        kStale, static_cast<unsigned long long>(old), rejects[old], appends[old],
        static_cast<unsigned long long>(buddy), rejects[buddy], appends[buddy]);
    // One entry per round trip would need ~kStale rejections each.
    QVERIFY2(rejects[old] <= 3 && rejects[buddy] <= 3,
             "fast back-up took more than 3 rejections per follower");
    CHECK_SAFE(c);
}

// Figure 2: currentTerm, votedFor and log[] survive a crash; committed
// entries are applied again from the durable log after restart.
void TstSimPaper::persistence_across_restarts() {
    Cluster c(quiet(3), trace_out());
    const NodeId l = elect(c);
    QVERIFY(l != core::kNoNode);
    for (int i = 0; i < 10; ++i)
        QVERIFY(commit(c, l, "p" + std::to_string(i)));
    const auto expected = c.node(l).kv.map();
    std::map<NodeId, core::HardState> before;
    for (NodeId id : c.ids())
        before[id] = c.node(id).store.hard_state;
    for (NodeId id : c.ids())
        c.crash(id);
    c.run_for(500);
    for (NodeId id : c.ids())
        c.restart(id);
    for (NodeId id : c.ids())
        QVERIFY(c.raft(id).term() >= before[id].term);
    const NodeId l2 = elect(c);
    QVERIFY(l2 != core::kNoNode);
    QVERIFY(commit(c, l2, "after-restart"));
    QVERIFY(c.run_until(
        [&] {
            for (NodeId id : c.ids()) {
                if (!caught_up(c, id, l2)) return false;
            }
            return true;
        },
        2000));
    for (NodeId id : c.ids()) {
        for (const auto& [k, v] : expected)
            QCOMPARE(c.node(id).kv.get(k), std::optional(v));
    }
    CHECK_SAFE(c);
}

namespace {
// §7: a follower that missed entries the leader has compacted away is sent
// the snapshot. `crash` chooses a restarted follower over a partitioned one.
void snapshot_catch_up(bool crash) {
    auto o = quiet(3);
    o.snapshot_threshold = 10;
    Cluster c(o, trace_out());
    const NodeId l = elect(c);
    QVERIFY(l != core::kNoNode);
    QVERIFY(commit(c, l, "s"));
    const NodeId f = l == 1 ? 2 : 1;
    if (crash) {
        c.crash(f);
    } else {
        c.isolate(f);
    }
    const Index f_last = c.node(f).store.last_index();
    for (int i = 0; i < 50; ++i)
        QVERIFY(commit(c, l, "s" + std::to_string(i % 7)));
    QVERIFY2(c.node(l).store.snapshot_index() > f_last + 1,
             "the leader did not compact past the follower's log");
    const auto installed_before = c.stats().snapshots_installed;
    if (crash) {
        c.restart(f);
    } else {
        c.heal();
    }
    QVERIFY2(c.run_until([&] { return caught_up(c, f, l); }, 3000),
             "the lagging follower did not catch up");
    QVERIFY2(c.stats().snapshots_installed > installed_before, "no snapshot was installed");
    QVERIFY(c.node(f).store.snapshot_index() > f_last);
    CHECK_SAFE(c);
}
}  // namespace

void TstSimPaper::snapshot_to_lagging_follower() {
    snapshot_catch_up(false);
}
void TstSimPaper::snapshot_to_restarted_follower() {
    snapshot_catch_up(true);
}

// Thesis §4.1 (single-server changes): the leader crashes right after
// appending a configuration entry. Whether or not the change survives, the
// cluster agrees on one configuration and keeps committing.
void TstSimPaper::membership_change_while_leader_crashes_data() {
    QTest::addColumn<QString>("change");
    QTest::addColumn<int>("crash_after_ms");
    for (int ms : {0, 3, 10}) {
        QTest::addRow("add learner, crash after %d ms", ms) << "add" << ms;
        QTest::addRow("remove voter, crash after %d ms", ms) << "remove" << ms;
    }
}

void TstSimPaper::membership_change_while_leader_crashes() {
    QFETCH(QString, change);
    QFETCH(int, crash_after_ms);
    auto o = quiet(5, 1);
    o.retire_removed_after_ms = 1000000;  // keep the removed node around to compare
    Cluster c(o, trace_out());
    const NodeId l = elect(c);
    QVERIFY(l != core::kNoNode);
    QVERIFY(commit(c, l, "m"));  // the leader has committed in its term (2015 fix)
    const NodeId target = change == "add" ? 6 : (l == 5 ? 4 : 5);
    QVERIFY(change == "add" ? c.add_learner(l, target) : c.remove(l, target));
    c.run_for(crash_after_ms);
    c.crash(l);
    QVERIFY(c.run_until(
        [&] {
            const NodeId x = c.leader();
            return x != core::kNoNode && x != l;
        },
        3000));
    QVERIFY2(commit(c, c.leader(), "m2", 3000), "no commit after the leader crashed mid-change");
    c.restart(l);
    const NodeId l2 = c.leader();
    QVERIFY2(c.run_until(
                 [&] {
                     for (NodeId id : c.raft(l2).membership().voters()) {
                         if (!c.node(id).up || c.raft(id).membership() != c.raft(l2).membership()) {
                             return false;
                         }
                     }
                     return true;
                 },
                 3000),
             "voters do not agree on the configuration");
    const bool applied = change == "add" ? c.raft(l2).membership().contains(target)
                                         : !c.raft(l2).membership().contains(target);
    qInfo("%s of node %llu %s the crash", qPrintable(change),
          static_cast<unsigned long long>(target), applied ? "survived" : "was lost in");
    CHECK_SAFE(c);
}

// Thesis §4.2.1: a learner catches up and is promoted; a READ_ONLY one never is.
void TstSimPaper::learner_promotion() {
    auto o = quiet(3, 2);
    o.snapshot_threshold = 10;
    Cluster c(o, trace_out());
    const NodeId l = elect(c);
    QVERIFY(l != core::kNoNode);
    for (int i = 0; i < 30; ++i)
        QVERIFY(commit(c, l, "w" + std::to_string(i % 5)));
    QVERIFY(c.add_learner(l, 4, core::NodeStatus::Promotable));
    QVERIFY2(c.run_until([&] { return c.raft(c.leader()).membership().is_voter(4); }, 3000),
             "the caught-up learner was not promoted");
    QVERIFY(c.run_until([&] { return caught_up(c, 4, c.leader()); }, 2000));
    QVERIFY(c.run_until([&] { return !c.raft(c.leader()).status().config_pending; }, 2000));
    QVERIFY(c.add_learner(c.leader(), 5, core::NodeStatus::ReadOnly));
    QVERIFY(c.run_until([&] { return caught_up(c, 5, c.leader()); }, 3000));
    c.run_for(2000);
    QVERIFY2(c.raft(c.leader()).membership().is_learner(5), "a READ_ONLY learner was promoted");
    CHECK_SAFE(c);
}

// Thesis §3.10: the leader hands over to a chosen voter with TimeoutNow.
void TstSimPaper::leader_transfer() {
    Cluster c(quiet(3), trace_out());
    const NodeId l = elect(c);
    QVERIFY(l != core::kNoNode);
    QVERIFY(commit(c, l, "t"));
    const Term t = c.raft(l).term();
    const NodeId target = l == 3 ? 2 : 3;
    QVERIFY(c.transfer(l, target));
    QVERIFY2(c.run_until([&] { return c.leader() == target; }, 500),
             "the target did not become leader within 500 ms");
    QCOMPARE(c.raft(target).term(), t + 1);
    QVERIFY(commit(c, target, "t2"));
    CHECK_SAFE(c);
}

// §6.4: a follower asks the leader for the read index, waits until it has
// applied that far, and then sees every write acknowledged before the read.
void TstSimPaper::read_index_on_follower() {
    Cluster c(quiet(3), trace_out());
    const NodeId l = elect(c);
    QVERIFY(l != core::kNoNode);
    bool accepted = false;
    const std::string value = c.put_value(l, "r", &accepted);
    QVERIFY(accepted);
    QVERIFY(c.run_until([&] { return c.node(l).kv.get("r") == std::optional(value); }, 1000));
    const NodeId f = l == 1 ? 2 : 1;
    QVERIFY(c.run_until([&] { return c.node(f).kv.get("r") == std::optional(value); }, 1000));
    // Hold the follower's log back: the next write reaches only the leader
    // and the third node, so the follower must wait before it may answer.
    c.set_message_filter([f](const core::Message& m) {
        return !(m.type == core::MessageType::Append && m.to == f);
    });
    const std::string value2 = c.put_value(l, "r", &accepted);
    QVERIFY(accepted);
    QVERIFY(c.run_until([&] { return c.node(l).kv.get("r") == std::optional(value2); }, 1000));
    c.read(f, "r");
    c.run_for(300);
    QVERIFY2(!c.last_read() || c.last_read()->node != f,
             "the follower answered before applying up to the read index");
    c.set_message_filter(nullptr);
    QVERIFY2(c.run_until([&] { return c.last_read() && c.last_read()->node == f; }, 1000),
             "the follower's ReadIndex read was not served");
    QCOMPARE(c.last_read()->value, std::optional(value2));
    QVERIFY(c.last_read()->read_index >= c.node(l).applied - 1);
    CHECK_SAFE(c);
}

// §6.4 / §8: a leader cut off from the majority may not know it has been
// deposed; its ReadIndex round cannot reach a quorum, so it must not answer
// with its stale state while a new leader accepts writes.
void TstSimPaper::deposed_leader_serves_no_stale_read() {
    Cluster c(quiet(3), trace_out());
    const NodeId old = elect(c);
    QVERIFY(old != core::kNoNode);
    QVERIFY(commit(c, old, "x"));
    c.isolate(old);
    c.read(old, "x");
    QVERIFY(c.run_until(
        [&] {
            const NodeId l = c.leader();
            return l != core::kNoNode && l != old;
        },
        2000));
    const NodeId l2 = c.leader();
    bool accepted = false;
    const std::string fresh = c.put_value(l2, "x", &accepted);
    QVERIFY(accepted);
    QVERIFY(c.run_until([&] { return c.node(l2).kv.get("x") == std::optional(fresh); }, 1000));
    c.run_for(1000);
    QVERIFY2(!c.last_read() || c.last_read()->node != old,
             "the deposed leader answered a ReadIndex read while cut off");
    c.heal();
    QVERIFY(c.run_until([&] { return c.raft(old).leader() == l2; }, 1000));
    c.read(old, "x");  // now a follower: it asks l2, and must see the fresh write
    QVERIFY(c.run_until([&] { return c.last_read() && c.last_read()->node == old; }, 2000));
    QCOMPARE(c.last_read()->value, std::optional(fresh));
    CHECK_SAFE(c);
}

// Figure 7: a leader of term 8 and followers (a)..(f) with missing,
// extra and conflicting entries; the leader's log wins everywhere.
void TstSimPaper::figure7_divergent_followers() {
    auto o = quiet(7);
    o.preset[1] = preset(7, {1, 1, 1, 4, 4, 5, 5, 6, 6, 6});        // the leader-to-be
    o.preset[2] = preset(7, {1, 1, 1, 4, 4, 5, 5, 6, 6});           // (a) missing one
    o.preset[3] = preset(7, {1, 1, 1, 4});                          // (b) missing many
    o.preset[4] = preset(7, {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6});     // (c) one extra
    o.preset[5] = preset(7, {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7});  // (d) extra from term 7
    o.preset[6] = preset(7, {1, 1, 1, 4, 4, 4, 4});                 // (e) missing + extra
    o.preset[7] = preset(7, {1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3});     // (f) conflicting from 4
    Cluster c(o, trace_out());
    only_campaigner(c, 1);
    QVERIFY2(elect(c, 3000) == 1, "node 1 was not elected with votes from (a), (b), (e), (f)");
    QCOMPARE(c.raft(1).term(), Term{8});
    QVERIFY(commit(c, 1, "fig7"));
    const auto want = log_terms(c.node(1).store);
    QVERIFY2(c.run_until(
                 [&] {
                     for (NodeId id = 2; id <= 7; ++id) {
                         if (log_terms(c.node(id).store) != want) return false;
                     }
                     return true;
                 },
                 3000),
             "the followers' logs did not converge on the leader's");
    const std::vector<Term> head{1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 8};
    QVERIFY(std::equal(head.begin(), head.end(), want.begin()));
    CHECK_SAFE(c);
}

namespace {
// Figure 8 (c)-(d) with five nodes. S1 leads term 4 and gets its term-2 entry
// at index 2 onto a majority, but its own term-4 entry never lands. Counting
// replicas must not commit index 2: S5, whose index 2 is from term 3, can
// still win and overwrite it, as (d) shows.
void figure8(bool bug) {
    auto o = quiet(5);
    o.config.max_entries_per_msg = 1;  // the old entry travels alone
#ifdef RAFTLAB_BUG_INJECTION
    o.config.bugs.commit_old_term = bug;
#endif
    o.preset[1] = preset(3, {1, 2}, 1);
    o.preset[2] = preset(3, {1, 2}, 1);
    o.preset[3] = preset(3, {1}, 1);
    o.preset[4] = preset(3, {1}, 1);
    o.preset[5] = preset(3, {1, 3}, 1);
    Cluster c(o, trace_out());
    c.crash(5);
    // Only S1 campaigns; its term-4 entries reach nobody that could ack them.
    c.set_message_filter([&c](const core::Message& m) {
        const bool ask = m.type == core::MessageType::Vote || m.type == core::MessageType::PreVote;
        if (ask) return m.from == 1;
        if (m.type == core::MessageType::Append && m.from == 1) {
            for (const auto& e : m.entries) {
                if (e.term == 4 && c.node(m.to).store.last_index() >= 2) return false;
            }
        }
        return true;
    });
    QVERIFY(elect(c, 3000) == 1);
    QCOMPARE(c.raft(1).term(), Term{4});
    QVERIFY2(c.run_until([&] { return c.node(3).store.term_at(2) == Term{2}; }, 1000),
             "S1 did not replicate its term-2 entry to S3");
    c.run_for(500);
    int holders = 0;
    for (NodeId id = 1; id <= 4; ++id)
        holders += c.node(id).store.term_at(2) == Term{2};
    QVERIFY2(holders >= 3, "index 2 (term 2) is not on a majority");
    if (!bug) {
        QVERIFY2(c.raft(1).commit_index() < 2,
                 "S1 committed an old-term entry by counting replicas (Figure 8)");
    }
    // (d): S1 crashes, S5 comes back and wins with votes from S2, S3, S4.
    c.crash(1);
    c.restart(5);
    only_campaigner(c, 5);
    QVERIFY2(c.run_until([&] { return c.leader() == 5; }, 3000), "S5 was not elected");
    if (bug) {
        // S5 lacks the entry S1 "committed": Leader Completeness fails the
        // moment S5 leads (and followers would apply a different entry at 2).
        QVERIFY2(c.checker().failed(), "the checker missed S5 leading without a committed entry");
        const auto& inv = c.checker().violations().front().invariant;
        QVERIFY2(inv == "Leader Completeness" || inv == "State Machine Safety", inv.c_str());
        qInfo("caught: %s", first_violation(c).c_str());
        return;
    }
    QVERIFY(c.run_until(
        [&] {
            for (NodeId id = 2; id <= 4; ++id) {
                if (c.node(id).store.term_at(2) != Term{3}) return false;
            }
            return true;
        },
        2000));
    CHECK_SAFE(c);
}
}  // namespace

void TstSimPaper::figure8_old_term_entry_not_committed_by_counting() {
    figure8(false);
}

// The same scenario with the commit_old_term switch: S1 commits index 2 by
// counting, S5 overwrites it, and the checker says so.
void TstSimPaper::figure8_commit_old_term_bug_is_caught() {
    figure8(true);
}

QTEST_APPLESS_MAIN(TstSimPaper)
#include "tst_sim_paper.moc"
