// The small helpers of types.h: names that logs, the GUI and the wire share,
// and Membership queries.
#include <QtTest>

#include "engine/core/raft.h"
#include "tests/core/core_harness.h"

using namespace raftlab::core;
using namespace raftlab::core::testing;

class TestTypes : public QObject {
    Q_OBJECT
  private slots:
    void role_names_follow_the_guide_data();
    void role_names_follow_the_guide();
    void status_names();
    void message_and_error_names();
    void membership_queries();
    void ready_empty();
};

void TestTypes::role_names_follow_the_guide_data() {
    QTest::addColumn<Role>("role");
    QTest::addColumn<int>("number");
    QTest::addColumn<QString>("name");
    QTest::newRow("0") << Role::Follower << 0 << "Follower";
    QTest::newRow("1") << Role::Candidate << 1 << "Candidate";
    QTest::newRow("2") << Role::Leader << 2 << "Leader";
    QTest::newRow("3") << Role::Learner << 3 << "Learner";
    QTest::newRow("4") << Role::PreCandidate << 4 << "PreCandidate";
}

void TestTypes::role_names_follow_the_guide() {
    QFETCH(Role, role);
    QFETCH(int, number);
    QFETCH(QString, name);
    QCOMPARE(static_cast<int>(role), number);
    QCOMPARE(QString(to_string(role)), name);
}

void TestTypes::status_names() {
    QCOMPARE(QString(to_string(NodeStatus::Promotable)), QString("PROMOTABLE"));
    QCOMPARE(QString(to_string(NodeStatus::ReadOnly)), QString("READ_ONLY"));
    QCOMPARE(QString(to_string(NodeStatus::Active)), QString("ACTIVE"));
    QCOMPARE(static_cast<int>(NodeStatus::Active), 2);
}

void TestTypes::message_and_error_names() {
    QCOMPARE(QString(to_string(MessageType::Vote)), QString("Vote"));
    QCOMPARE(QString(to_string(MessageType::ReadIndexResp)), QString("ReadIndexResp"));
    QCOMPARE(QString(to_string(ErrorCode::NoCommitInTerm)), QString("NoCommitInTerm"));
    QCOMPARE(QString(to_string(ErrorCode::ConfigChangePending)), QString("ConfigChangePending"));
}

void TestTypes::membership_queries() {
    Membership m = make_membership({1, 2, 3, 4}, {5, 6});
    QCOMPARE(m.voters(), (std::vector<NodeId>{1, 2, 3, 4}));
    QCOMPARE(m.learners(), (std::vector<NodeId>{5, 6}));
    QCOMPARE(m.quorum(), std::size_t{3});  // learners do not count
    QVERIFY(m.is_voter(1));
    QVERIFY(!m.is_voter(5));
    QVERIFY(m.is_learner(5));
    QVERIFY(!m.is_learner(1));
    QVERIFY(!m.is_learner(9));
    QVERIFY(!m.contains(9));
    QCOMPARE(make_membership({1}).quorum(), std::size_t{1});
    QCOMPARE(make_membership({1, 2, 3}).quorum(), std::size_t{2});
    QCOMPARE(make_membership({1, 2, 3, 4, 5}).quorum(), std::size_t{3});
}

void TestTypes::ready_empty() {
    Ready rd;
    QVERIFY(rd.empty());
    rd.notes.push_back(Note{NoteKind::VoteGranted, 1, 1, 0, "x"});
    QVERIFY(!rd.empty());
}

QTEST_APPLESS_MAIN(TestTypes)
#include "tst_core_types.moc"
