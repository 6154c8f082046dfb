// Restart from persisted state (Figure 2 "persistent state"): term, vote, log
// and membership come back; what was never made durable does not.
#include <QtTest>

#include "tests/core/core_harness.h"

using namespace raftlab::core;
using namespace raftlab::core::testing;

class TestRestart : public QObject {
    Q_OBJECT
  private slots:
    void term_vote_and_log_survive();
    void unpersisted_entries_are_lost();
    void membership_from_log_beats_bootstrap();
    void lone_voter_reelects_itself_after_restart();
};

void TestRestart::term_vote_and_log_survive() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    for (int i = 0; i < 5; ++i)
        h.propose(1, "x");
    h.stabilize();
    Status before = h.raft(2).status();
    h.crash(2);
    h.restart(2);
    Status after = h.raft(2).status();
    QCOMPARE(after.term, before.term);
    QCOMPARE(after.vote, before.vote);
    QCOMPARE(after.last_index, before.last_index);
    QVERIFY(after.commit_index <= before.commit_index);
    QCOMPARE(after.role, Role::Follower);
    QCOMPARE(after.leader, kNoNode);
}

void TestRestart::unpersisted_entries_are_lost() {
    Harness h({1});
    QCOMPARE(h.campaign(1), NodeId{1});
    h.stabilize();
    Index durable = h.raft(1).last_index();
    h.propose(1, "never persisted");
    h.crash(1);  // before any ready()/persist
    h.restart(1);
    QCOMPARE(h.raft(1).last_index(), durable);
}

void TestRestart::membership_from_log_beats_bootstrap() {
    // The guide: node 1 restarted with its original one-node file after the
    // cluster grew comes back as a member of the grown cluster.
    Harness h({1});
    QCOMPARE(h.campaign(1), NodeId{1});
    h.stabilize();
    h.add_node(2, make_membership({}));
    QVERIFY(std::holds_alternative<Proposed>(h.raft(1).add_learner(2, "a2")));
    for (int i = 0;
         i < 60 && (!h.raft(1).membership().is_voter(2) || h.raft(1).status().config_pending);
         ++i) {
        h.tick(1);
        h.stabilize();
    }
    QVERIFY(h.raft(1).membership().is_voter(2));
    h.crash(1);
    h.restart(1);  // bootstrap still says {1}
    QCOMPARE(h.raft(1).membership().voters(), (std::vector<NodeId>{1, 2}));
    // It cannot elect itself alone any more: it needs node 2.
    h.isolate(2);
    h.tick(1, 200);
    h.stabilize();
    QVERIFY(h.raft(1).role() != Role::Leader);
}

void TestRestart::lone_voter_reelects_itself_after_restart() {
    Harness h({1});
    QCOMPARE(h.campaign(1), NodeId{1});
    h.propose(1, "a");
    h.stabilize();
    h.crash(1);
    h.restart(1);
    QCOMPARE(h.raft(1).term(), Term{1});
    QCOMPARE(h.campaign(1), NodeId{1});
    QCOMPARE(h.raft(1).term(), Term{2});
    h.stabilize();
    QCOMPARE(h.raft(1).commit_index(), h.raft(1).last_index());
    QCOMPARE(h.node(1).applied.back().type, EntryType::Noop);
}

QTEST_APPLESS_MAIN(TestRestart)
#include "tst_core_restart.moc"
