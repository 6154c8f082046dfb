// §6.4 ReadIndex and §6.4.1 leases: reads confirmed by a heartbeat round,
// batched, deferred until the leader commits in its term, forwarded by
// followers, and failed (never answered wrongly) when leadership is lost.
#include <QtTest>

#include "tests/core/core_harness.h"

using namespace raftlab::core;
using namespace raftlab::core::testing;

namespace {

int heartbeats(const std::vector<Message>& msgs) {
    int n = 0;
    for (const Message& m : msgs)
        n += m.type == MessageType::Heartbeat;
    return n;
}

}  // namespace

class TestReadIndex : public QObject {
    Q_OBJECT
  private slots:
    void leader_read_after_quorum_round();
    void reads_arriving_together_share_one_round();
    void read_waits_for_commit_in_term();
    void single_voter_answers_at_once();
    void follower_forwards_to_leader();
    void follower_without_leader_fails();
    void isolated_leader_never_answers_and_fails_on_step_down();
    void lease_valid_only_with_recent_quorum();
    void no_lease_without_check_quorum();
    void forwarded_read_fails_when_leader_steps_down();
    void no_lease_before_commit_in_term();
    void heartbeats_carry_the_round();
};

void TestReadIndex::leader_read_after_quorum_round() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    h.propose(1, "x");
    h.stabilize();
    h.raft(1).read_index(7);
    Ready rd = h.raft(1).ready();
    QVERIFY(rd.read_states.empty());  // not before leadership is confirmed
    QCOMPARE(heartbeats(rd.send_now), 2);
    for (const Message& m : rd.send_now)
        h.queue().push_back(m);
    h.raft(1).advance(rd);
    h.stabilize();
    QCOMPARE(h.node(1).read_states.size(), std::size_t{1});
    QCOMPARE(h.node(1).read_states[0].context, std::uint64_t{7});
    QCOMPARE(h.node(1).read_states[0].index, h.raft(1).commit_index());
}

void TestReadIndex::reads_arriving_together_share_one_round() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    h.stabilize();
    for (std::uint64_t ctx = 1; ctx <= 5; ++ctx)
        h.raft(1).read_index(ctx);
    Ready rd = h.raft(1).ready();
    QCOMPARE(heartbeats(rd.send_now), 2);  // one round for all five
    for (const Message& m : rd.send_now)
        h.queue().push_back(m);
    h.raft(1).advance(rd);
    h.stabilize();
    QCOMPARE(h.node(1).read_states.size(), std::size_t{5});
}

void TestReadIndex::read_waits_for_commit_in_term() {
    Harness h({1, 2, 3});
    Raft& r1 = h.raft(1);
    for (int i = 0; i < 100 && r1.role() != Role::PreCandidate; ++i)
        r1.tick();
    while (r1.role() != Role::Leader && h.deliver_one()) {
    }
    QCOMPARE(r1.role(), Role::Leader);
    QVERIFY(r1.commit_index() < r1.last_index());  // no-op not committed yet
    r1.read_index(9);
    h.process(1);
    QVERIFY(h.node(1).read_states.empty());
    h.stabilize();
    QCOMPARE(h.node(1).read_states.size(), std::size_t{1});
    // The read index is at least the no-op: it covers every earlier commit.
    QVERIFY(h.node(1).read_states[0].index >= 1);
}

void TestReadIndex::single_voter_answers_at_once() {
    Harness h({1});
    QCOMPARE(h.campaign(1), NodeId{1});
    h.stabilize();
    h.raft(1).read_index(3);
    Ready rd = h.raft(1).ready();
    QCOMPARE(rd.read_states.size(), std::size_t{1});
    QCOMPARE(rd.read_states[0].index, h.raft(1).commit_index());
    QVERIFY(h.raft(1).lease_valid());
}

void TestReadIndex::follower_forwards_to_leader() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    h.propose(1, "x");
    h.stabilize();
    h.raft(2).read_index(11);
    h.stabilize();
    QCOMPARE(h.node(2).read_states.size(), std::size_t{1});
    QCOMPARE(h.node(2).read_states[0].context, std::uint64_t{11});
    QCOMPARE(h.node(2).read_states[0].index, h.raft(1).commit_index());
    QVERIFY(h.node(1).read_states.empty());
}

void TestReadIndex::follower_without_leader_fails() {
    Harness h({1, 2, 3});
    h.raft(2).read_index(5);
    h.process(2);
    QCOMPARE(h.node(2).read_failures.size(), std::size_t{1});
    QCOMPARE(h.node(2).read_failures[0].context, std::uint64_t{5});
    QVERIFY(h.node(2).read_failures[0].reason.find("no leader") != std::string::npos);
}

void TestReadIndex::isolated_leader_never_answers_and_fails_on_step_down() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    h.stabilize();
    h.isolate(1);
    h.raft(1).read_index(1);
    h.raft(2).read_index(2);  // forwarded into the void
    for (int i = 0; i < 100 && h.raft(1).role() == Role::Leader; ++i) {
        h.tick(1);
        h.stabilize();
    }
    QVERIFY(h.node(1).read_states.empty());
    QCOMPARE(h.node(1).read_failures.size(), std::size_t{1});  // CheckQuorum stepped down
    // The follower gives up within two election timeouts.
    for (int i = 0; i < 2 * h.node(2).config.election_ticks_max; ++i) {
        h.tick(2);
        h.process(2);
    }
    QVERIFY(h.node(2).read_states.empty());
    QCOMPARE(h.node(2).read_failures.size(), std::size_t{1});
}

void TestReadIndex::lease_valid_only_with_recent_quorum() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    QVERIFY(!h.raft(2).lease_valid());
    h.tick(1, h.node(1).config.heartbeat_ticks);
    h.stabilize();
    QVERIFY(h.raft(1).lease_valid());
    h.isolate(1);
    const int lease = h.node(1).config.lease_ticks;
    h.tick(1, lease);  // heartbeats go unanswered
    h.stabilize();
    QVERIFY(!h.raft(1).lease_valid());
}

void TestReadIndex::no_lease_without_check_quorum() {
    Harness h({1, 2, 3}, {}, [](Config& c) { c.check_quorum = false; });
    QCOMPARE(h.campaign(1), NodeId{1});
    h.tick(1, h.node(1).config.heartbeat_ticks);
    h.stabilize();
    QVERIFY(!h.raft(1).lease_valid());  // followers are not sticky: no lease
}

void TestReadIndex::heartbeats_carry_the_round() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    h.stabilize();
    std::uint64_t last = 0;
    for (int round = 0; round < 3; ++round) {
        h.tick(1, h.node(1).config.heartbeat_ticks);
        std::vector<Message> out = h.drain();
        std::uint64_t ctx = 0;
        for (const Message& m : out) {
            if (m.type == MessageType::Heartbeat) {
                QVERIFY(ctx == 0 || ctx == m.context);  // one round per broadcast
                ctx = m.context;
            }
        }
        QVERIFY(ctx > last);
        last = ctx;
    }
}

void TestReadIndex::forwarded_read_fails_when_leader_steps_down() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    h.stabilize();
    // The leader hears nothing back: its round never completes, and CheckQuorum
    // makes it step down; the follower's read must fail, not hang or succeed.
    h.set_filter([](const Message& m) {
        return m.type == MessageType::HeartbeatResp || m.type == MessageType::AppendResp;
    });
    h.raft(2).read_index(5);
    h.stabilize();
    for (int i = 0; i < 100 && h.raft(1).role() == Role::Leader; ++i) {
        h.tick(1);
        h.stabilize();
    }
    QCOMPARE(h.raft(1).role(), Role::Follower);
    QVERIFY(h.node(2).read_states.empty());
    QCOMPARE(h.node(2).read_failures.size(), std::size_t{1});
    QCOMPARE(h.node(2).read_failures[0].context, std::uint64_t{5});
    QVERIFY2(h.node(2).read_failures[0].reason.find("could not confirm") != std::string::npos,
             h.node(2).read_failures[0].reason.c_str());
}

void TestReadIndex::no_lease_before_commit_in_term() {
    // A restarted lone voter whose persisted commit lags (drivers need not
    // sync commit-only changes): until its new no-op commits, commit_index()
    // may miss acknowledged writes, so no lease may be claimed.
    Config c = test_config(1);
    Restored r;
    r.bootstrap = make_membership({1});
    r.hard_state = HardState{1, 1, 2};
    r.entries = {entry(1, 1), entry(2, 1, "a"), entry(3, 1, "b")};
    r.applied = 2;
    Raft raft(c, r);
    for (int i = 0; i < 100 && raft.role() != Role::Leader; ++i)
        raft.tick();
    QCOMPARE(raft.role(), Role::Leader);
    QCOMPARE(raft.commit_index(), Index{2});
    QVERIFY(!raft.lease_valid());
    raft.advance(raft.ready());  // the no-op is durable: it commits, with index 3
    QCOMPARE(raft.commit_index(), Index{4});
    QVERIFY(raft.lease_valid());
}

QTEST_APPLESS_MAIN(TestReadIndex)
#include "tst_core_read_index.moc"
