// Thesis §9.6 PreVote and §6.2 CheckQuorum with leader stickiness: a node
// that rejoins after a partition does not disrupt a healthy leader, and a
// leader cut off from its quorum steps down.
#include <QtTest>

#include "tests/core/core_harness.h"

using namespace raftlab::core;
using namespace raftlab::core::testing;

class TestPreVote : public QObject {
    Q_OBJECT
  private slots:
    void prevote_does_not_change_term_or_vote();
    void rejoining_node_does_not_disrupt();
    void without_prevote_rejoining_node_disrupts();
    void check_quorum_steps_down_isolated_leader();
    void sticky_follower_ignores_votes_unless_transfer_data();
    void sticky_follower_ignores_votes_unless_transfer();
};

void TestPreVote::prevote_does_not_change_term_or_vote() {
    Config c = test_config(2);
    Restored r;
    r.bootstrap = make_membership({1, 2, 3});
    r.hard_state.term = 3;
    Raft raft(c, r);
    Message pv;
    pv.type = MessageType::PreVote;
    pv.from = 1;
    pv.to = 2;
    pv.term = 4;
    raft.step(pv);
    QCOMPARE(raft.term(), Term{3});
    QCOMPARE(raft.status().vote, kNoNode);
    Ready rd = raft.ready();
    QVERIFY(!rd.hard_state);
    QCOMPARE(rd.send_after_persist.size(), std::size_t{1});
    QCOMPARE(rd.send_after_persist[0].type, MessageType::PreVoteResp);
    QVERIFY(!rd.send_after_persist[0].reject);
    QCOMPARE(rd.send_after_persist[0].term, Term{4});
}

void TestPreVote::rejoining_node_does_not_disrupt() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    h.isolate(3);
    for (int i = 0; i < 300; ++i) {
        h.tick_all();
        h.stabilize();
    }
    QCOMPARE(h.raft(3).term(), Term{1});  // pre-votes failed: no term inflation
    h.heal();
    for (int i = 0; i < 100; ++i) {
        h.tick_all();
        h.stabilize();
    }
    QCOMPARE(h.leader(), NodeId{1});
    QCOMPARE(h.raft(1).term(), Term{1});
    QCOMPARE(h.raft(3).leader(), NodeId{1});
}

void TestPreVote::without_prevote_rejoining_node_disrupts() {
    // The negative control: plain Raft lets the rejoining node depose the leader.
    Harness h({1, 2, 3}, {}, [](Config& c) {
        c.pre_vote = false;
        c.check_quorum = false;
    });
    QCOMPARE(h.campaign(1), NodeId{1});
    h.isolate(3);
    for (int i = 0; i < 300; ++i) {
        h.tick_all();
        h.stabilize();
    }
    QVERIFY(h.raft(3).term() > 2);
    h.heal();
    // Its next Vote (higher term) deposes the healthy leader.
    for (int i = 0; i < 100 && h.raft(1).term() == 1; ++i) {
        h.tick_all();
        h.stabilize();
    }
    QVERIFY(h.raft(1).term() > 1);
}

void TestPreVote::check_quorum_steps_down_isolated_leader() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    h.isolate(1);
    const int limit = 2 * h.node(1).config.election_ticks_min;
    int ticks = 0;
    while (h.raft(1).role() == Role::Leader && ticks < limit + 1) {
        h.tick(1);
        h.stabilize();
        ++ticks;
    }
    QCOMPARE(h.raft(1).role(), Role::Follower);
    QVERIFY(ticks <= limit);
    QCOMPARE(h.node(1).role_changes.back().reason, std::string("lost quorum"));
}

void TestPreVote::sticky_follower_ignores_votes_unless_transfer_data() {
    QTest::addColumn<MessageType>("type");
    QTest::addColumn<bool>("transfer");
    QTest::addColumn<bool>("answered");
    QTest::newRow("Vote") << MessageType::Vote << false << false;
    QTest::newRow("PreVote") << MessageType::PreVote << false << false;
    QTest::newRow("Vote from TimeoutNow") << MessageType::Vote << true << true;
}

void TestPreVote::sticky_follower_ignores_votes_unless_transfer() {
    QFETCH(MessageType, type);
    QFETCH(bool, transfer);
    QFETCH(bool, answered);
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    h.stabilize();
    Message v;
    v.type = type;
    v.from = 3;
    v.to = 2;
    v.term = h.raft(2).term() + 1;
    v.index = h.raft(2).last_index();
    v.log_term = h.raft(2).log().back().term;
    v.transfer = transfer;
    h.raft(2).step(v);
    Ready rd = h.raft(2).ready();
    QCOMPARE(!rd.send_after_persist.empty(), answered);
    QCOMPARE(h.raft(2).term(), answered ? v.term : v.term - 1);
}

QTEST_APPLESS_MAIN(TestPreVote)
#include "tst_core_prevote.moc"
