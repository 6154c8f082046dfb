// Thesis §3.10 leadership transfer: stop proposals, catch the target up, send
// TimeoutNow; the target campaigns at once (no PreVote, past stickiness);
// abort after an election timeout.
#include <QtTest>

#include "tests/core/core_harness.h"

using namespace raftlab::core;
using namespace raftlab::core::testing;

class TestTransfer : public QObject {
    Q_OBJECT
  private slots:
    void transfer_to_up_to_date_follower();
    void lagging_target_is_caught_up_first();
    void proposals_refused_during_transfer();
    void transfer_aborts_after_election_timeout();
    void no_lease_once_timeout_now_sent();
    void invalid_targets_data();
    void invalid_targets();
};

void TestTransfer::transfer_to_up_to_date_follower() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    h.stabilize();
    QVERIFY(!h.raft(1).transfer_leader(2));
    h.stabilize();
    QCOMPARE(h.leader(), NodeId{2});
    QCOMPARE(h.raft(2).term(), Term{2});
    QCOMPARE(h.raft(1).role(), Role::Follower);
    QCOMPARE(h.raft(1).leader(), NodeId{2});
    // Straight to Candidate, no PreCandidate step, and the reason says why.
    const auto& rc = h.node(2).role_changes;
    bool direct = false;
    for (const RoleChange& c : rc) {
        direct |= c.from == Role::Follower && c.to == Role::Candidate &&
                  c.reason.find("leader transfer") == 0;
    }
    QVERIFY(direct);
}

void TestTransfer::lagging_target_is_caught_up_first() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    h.isolate(3);
    for (int i = 0; i < 10; ++i)
        h.propose(1, "x");
    h.stabilize();
    h.heal();
    QVERIFY(!h.raft(1).transfer_leader(3));
    h.stabilize();
    QCOMPARE(h.leader(), NodeId{3});
    QCOMPARE(h.raft(3).commit_index() >= 11, true);
}

void TestTransfer::proposals_refused_during_transfer() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    h.stabilize();
    h.isolate(2);
    QVERIFY(!h.raft(1).transfer_leader(2));
    auto r = h.raft(1).propose("x");
    QVERIFY(std::holds_alternative<Error>(r));
    QCOMPARE(std::get<Error>(r).code, ErrorCode::TransferInProgress);
    auto c = h.raft(1).add_learner(9, "a9");
    QCOMPARE(std::get<Error>(c).code, ErrorCode::TransferInProgress);
}

void TestTransfer::transfer_aborts_after_election_timeout() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    h.stabilize();
    h.crash(2);
    QVERIFY(!h.raft(1).transfer_leader(2));
    for (int i = 0; i < h.node(1).config.election_ticks_min; ++i) {
        h.tick(1);
        h.tick(3);
        h.stabilize();
    }
    QCOMPARE(h.raft(1).role(), Role::Leader);
    QCOMPARE(h.raft(1).status().transfer_target, kNoNode);
    bool aborted = false;
    for (const Note& n : h.node(1).notes)
        aborted |= n.kind == NoteKind::TransferAborted;
    QVERIFY(aborted);
    QVERIFY(std::holds_alternative<Proposed>(h.raft(1).propose("again")));
}

void TestTransfer::no_lease_once_timeout_now_sent() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    h.tick(1, h.node(1).config.heartbeat_ticks);
    h.stabilize();
    QVERIFY(h.raft(1).lease_valid());
    // The TimeoutNow is lost, the transfer aborts, yet the target could still
    // campaign past stickiness if a copy arrived late: no lease this term.
    h.set_filter([](const Message& m) { return m.type == MessageType::TimeoutNow; });
    QVERIFY(!h.raft(1).transfer_leader(2));
    h.stabilize();
    QVERIFY(!h.raft(1).lease_valid());
    for (int i = 0; i < h.node(1).config.election_ticks_min; ++i) {
        h.tick(1);
        h.stabilize();
    }
    QCOMPARE(h.raft(1).status().transfer_target, kNoNode);
    QCOMPARE(h.raft(1).role(), Role::Leader);
    QVERIFY(!h.raft(1).lease_valid());
}

void TestTransfer::invalid_targets_data() {
    QTest::addColumn<NodeId>("target");
    QTest::addColumn<ErrorCode>("code");
    QTest::newRow("self") << NodeId{1} << ErrorCode::InvalidRequest;
    QTest::newRow("learner") << NodeId{4} << ErrorCode::InvalidRequest;
    QTest::newRow("unknown") << NodeId{9} << ErrorCode::UnknownNode;
}

void TestTransfer::invalid_targets() {
    QFETCH(NodeId, target);
    QFETCH(ErrorCode, code);
    Harness h({1, 2, 3}, {4}, [](Config& c) { c.auto_promote = false; });
    QCOMPARE(h.campaign(1), NodeId{1});
    auto err = h.raft(1).transfer_leader(target);
    QVERIFY(err.has_value());
    QCOMPARE(err->code, code);
    QCOMPARE(h.raft(2).transfer_leader(3)->code, ErrorCode::NotLeader);
}

QTEST_APPLESS_MAIN(TestTransfer)
#include "tst_core_transfer.moc"
