// Thesis §4 membership changes: single-server changes that take effect when
// appended, one at a time, only after the leader committed in its term; learner
// catch-up and auto-promotion (§4.2.1); removal of the leader itself (§4.2.2).
#include <QtTest>

#include "tests/core/core_harness.h"

using namespace raftlab::core;
using namespace raftlab::core::testing;

namespace {

bool has_note(const TestNode& n, NoteKind k, NodeId peer = kNoNode) {
    for (const Note& note : n.notes) {
        if (note.kind == k && (peer == kNoNode || note.peer == peer)) return true;
    }
    return false;
}

ErrorCode code_of(const Result<Proposed>& r) {
    return std::get<Error>(r).code;
}

// Grows the guide's cluster: node 1 alone, then nodes 2 and 3 join as
// PROMOTABLE learners and are promoted automatically once caught up.
void join(Harness& h, NodeId leader, NodeId id) {
    h.add_node(id, make_membership({}));
    auto r = h.raft(leader).add_learner(id, "127.0.0.1:" + std::to_string(9080 + id));
    QVERIFY(std::holds_alternative<Proposed>(r));
}

}  // namespace

class TestMembership : public QObject {
    Q_OBJECT
  private slots:
    void config_takes_effect_when_appended();
    void one_change_at_a_time();
    void new_leader_must_commit_in_its_term_first();
    void change_errors_are_actionable_data();
    void change_errors_are_actionable();
    void guide_single_node_to_three();
    void read_only_learner_is_never_promoted();
    void learner_too_far_behind_is_not_promoted();
    void slow_catch_up_round_delays_promotion();
    void truncated_config_entry_reverts();
    void removed_leader_steps_down_when_removal_commits();
    void removed_follower_learns_its_removal();
    void removed_follower_cannot_disrupt();
    void learner_is_not_counted_and_never_campaigns();
};

void TestMembership::config_takes_effect_when_appended() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    h.add_node(4, make_membership({}));
    auto r = h.raft(1).add_learner(4, "127.0.0.1:9084");
    QVERIFY(std::holds_alternative<Proposed>(r));
    // In effect on the leader at once, before it commits.
    QVERIFY(h.raft(1).membership().is_learner(4));
    QVERIFY(h.raft(1).status().config_pending);
    QVERIFY(h.raft(1).status().progress.count(4));
    // Followers adopt it as soon as they append it.
    h.set_filter([](const Message& m) { return m.type == MessageType::AppendResp; });
    h.stabilize();
    QVERIFY(h.raft(2).membership().is_learner(4));
    QVERIFY(h.raft(2).commit_index() < std::get<Proposed>(r).index);
    h.set_filter({});
    h.tick(1, h.node(1).config.heartbeat_ticks);
    h.stabilize();
    QVERIFY(!h.raft(1).status().config_pending);
    QCOMPARE(h.raft(4).last_index(), h.raft(1).last_index());
    QVERIFY(has_note(h.node(1), NoteKind::ConfigCommitted));
}

void TestMembership::one_change_at_a_time() {
    Harness h({1, 2, 3}, {}, [](Config& c) { c.auto_promote = false; });
    QCOMPARE(h.campaign(1), NodeId{1});
    QVERIFY(std::holds_alternative<Proposed>(h.raft(1).add_learner(4, "a4")));
    auto second = h.raft(1).add_learner(5, "a5");
    QCOMPARE(code_of(second), ErrorCode::ConfigChangePending);
    QVERIFY(std::get<Error>(second).message.find("not committed yet") != std::string::npos);
    h.stabilize();
    QVERIFY(std::holds_alternative<Proposed>(h.raft(1).add_learner(5, "a5")));
}

void TestMembership::new_leader_must_commit_in_its_term_first() {
    Harness h({1, 2, 3});
    Raft& r1 = h.raft(1);
    for (int i = 0; i < 100 && r1.role() != Role::PreCandidate; ++i)
        r1.tick();
    // Deliver until node 1 leads but before its no-op commits.
    while (r1.role() != Role::Leader && h.deliver_one()) {
    }
    QCOMPARE(r1.role(), Role::Leader);
    QVERIFY(r1.commit_index() < r1.last_index());
    auto r = r1.add_learner(4, "a4");
    QCOMPARE(code_of(r), ErrorCode::NoCommitInTerm);
    h.stabilize();
    QVERIFY(std::holds_alternative<Proposed>(r1.add_learner(4, "a4")));
}

void TestMembership::change_errors_are_actionable_data() {
    QTest::addColumn<int>("op");  // 0 add, 1 promote, 2 remove
    QTest::addColumn<NodeId>("target");
    QTest::addColumn<ErrorCode>("code");
    QTest::newRow("add existing voter") << 0 << NodeId{2} << ErrorCode::AlreadyMember;
    QTest::newRow("add existing learner") << 0 << NodeId{4} << ErrorCode::AlreadyMember;
    QTest::newRow("add node 0") << 0 << NodeId{0} << ErrorCode::InvalidRequest;
    QTest::newRow("promote unknown") << 1 << NodeId{9} << ErrorCode::UnknownNode;
    QTest::newRow("promote voter") << 1 << NodeId{2} << ErrorCode::NotLearner;
    QTest::newRow("remove unknown") << 2 << NodeId{9} << ErrorCode::UnknownNode;
}

void TestMembership::change_errors_are_actionable() {
    QFETCH(int, op);
    QFETCH(NodeId, target);
    QFETCH(ErrorCode, code);
    Harness h({1, 2, 3}, {4}, [](Config& c) { c.auto_promote = false; });
    QCOMPARE(h.campaign(1), NodeId{1});
    Result<Proposed> r = op == 0   ? h.raft(1).add_learner(target, "addr")
                         : op == 1 ? h.raft(1).promote_learner(target)
                                   : h.raft(1).remove_node(target);
    QVERIFY(std::holds_alternative<Error>(r));
    QCOMPARE(code_of(r), code);
    QVERIFY(!std::get<Error>(r).message.empty());
    // On a follower every change is NotLeader, with the leader as hint.
    auto f = h.raft(2).add_learner(8, "a8");
    QCOMPARE(code_of(f), ErrorCode::NotLeader);
    QCOMPARE(std::get<Error>(f).leader, NodeId{1});
}

void TestMembership::guide_single_node_to_three() {
    Harness h({1});
    QCOMPARE(h.campaign(1), NodeId{1});
    for (int i = 0; i < 50; ++i)
        h.propose(1, "k" + std::to_string(i));
    h.stabilize();
    join(h, 1, 2);
    // Catch-up rounds are measured on acks and heartbeats: give it ticks.
    for (int i = 0; i < 50 && !h.raft(1).membership().is_voter(2); ++i) {
        h.tick(1);
        h.stabilize();
    }
    QVERIFY(h.raft(1).membership().is_voter(2));
    for (int i = 0; i < 50 && h.raft(1).status().config_pending; ++i) {
        h.tick(1);
        h.stabilize();
    }
    // "[Node 2] Learner -> Follower" and "NODE 2 PROMOTED TO VOTER".
    bool saw = false;
    for (const RoleChange& rc : h.node(2).role_changes) {
        saw |=
            rc.from == Role::Learner && rc.to == Role::Follower && rc.reason == "learner promoted";
    }
    QVERIFY(saw);
    QVERIFY(has_note(h.node(1), NoteKind::LearnerPromoted, 2));
    QVERIFY(has_note(h.node(1), NoteKind::EvenVoterCount));  // 2 voters: warn
    join(h, 1, 3);
    for (int i = 0;
         i < 100 && (!h.raft(1).membership().is_voter(3) || h.raft(1).status().config_pending);
         ++i) {
        h.tick(1);
        h.stabilize();
    }
    QCOMPARE(h.raft(1).membership().voters(), (std::vector<NodeId>{1, 2, 3}));
    QVERIFY(has_note(h.node(1), NoteKind::LearnerPromoted, 3));
    for (NodeId id : {2, 3}) {
        QCOMPARE(h.raft(id).role(), Role::Follower);
        QCOMPARE(h.raft(id).commit_index(), h.raft(1).commit_index());
        QCOMPARE(h.raft(id).membership().voters().size(), std::size_t{3});
    }
}

void TestMembership::read_only_learner_is_never_promoted() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    h.add_node(4, make_membership({}));
    QVERIFY(std::holds_alternative<Proposed>(h.raft(1).add_learner(4, "a4", NodeStatus::ReadOnly)));
    for (int i = 0; i < 100; ++i) {
        h.tick(1);
        h.stabilize();
    }
    QVERIFY(h.raft(1).membership().is_learner(4));
    QCOMPARE(h.raft(4).last_index(), h.raft(1).last_index());
    QCOMPARE(code_of(h.raft(1).promote_learner(4)), ErrorCode::InvalidRequest);
}

void TestMembership::learner_too_far_behind_is_not_promoted() {
    Harness h({1, 2, 3}, {}, [](Config& c) { c.learner_catchup_lag = 5; });
    QCOMPARE(h.campaign(1), NodeId{1});
    h.add_node(4, make_membership({}));
    QVERIFY(std::holds_alternative<Proposed>(h.raft(1).add_learner(4, "a4")));
    h.isolate(4);
    h.stabilize();
    for (int i = 0; i < 20; ++i)
        h.propose(1, "x");
    for (int i = 0; i < 60; ++i) {
        h.tick(1);
        h.stabilize();
    }
    QVERIFY(h.raft(1).membership().is_learner(4));
    Progress p = h.raft(1).status().progress.at(4);
    QVERIFY(h.raft(1).last_index() - p.match_index > 5);
}

void TestMembership::slow_catch_up_round_delays_promotion() {
    // The lag is generous, so only the round duration decides (thesis §4.2.1).
    Harness h({1, 2, 3}, {}, [](Config& c) { c.learner_catchup_lag = 1000; });
    QCOMPARE(h.campaign(1), NodeId{1});
    h.add_node(4, make_membership({}));
    QVERIFY(std::holds_alternative<Proposed>(h.raft(1).add_learner(4, "a4")));
    h.isolate(4);
    h.stabilize();
    const int slow = 2 * h.node(1).config.election_ticks_min;
    for (int i = 0; i < slow; ++i) {
        h.tick(1);
        h.tick(2);
        h.tick(3);
        h.stabilize();
    }
    h.heal();
    // The first round completes now, after more than an election timeout.
    h.tick(1, h.node(1).config.heartbeat_ticks);
    h.stabilize();
    QVERIFY(h.raft(1).status().progress.at(4).last_round_ticks >= slow);
    QVERIFY(h.raft(1).membership().is_learner(4));
    // The next round is quick: now it is promoted.
    for (int i = 0; i < 40 && !h.raft(1).membership().is_voter(4); ++i) {
        h.tick(1);
        h.stabilize();
    }
    QVERIFY(h.raft(1).membership().is_voter(4));
}

void TestMembership::truncated_config_entry_reverts() {
    Config c = test_config(2);
    Restored r;
    r.bootstrap = make_membership({1, 2, 3});
    r.hard_state.term = 1;
    r.entries = {entry(1, 1)};
    Raft raft(c, r);
    Entry cfg_entry = entry(2, 1);
    cfg_entry.type = EntryType::Config;
    cfg_entry.membership = make_membership({1, 2, 3}, {4});
    Message m;
    m.type = MessageType::Append;
    m.from = 1;
    m.to = 2;
    m.term = 1;
    m.index = 1;
    m.log_term = 1;
    m.entries = {cfg_entry};
    raft.step(m);
    QVERIFY(raft.membership().is_learner(4));
    // A new leader of term 2 overwrites index 2: the configuration reverts.
    m.from = 3;
    m.term = 2;
    m.entries = {entry(2, 2)};
    raft.step(m);
    QVERIFY(!raft.membership().contains(4));
    QCOMPARE(raft.membership(), make_membership({1, 2, 3}));
}

void TestMembership::removed_leader_steps_down_when_removal_commits() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    auto r = h.raft(1).remove_node(1);
    QVERIFY(std::holds_alternative<Proposed>(r));
    QCOMPARE(h.raft(1).role(), Role::Leader);  // keeps leading until it commits
    h.stabilize();
    QVERIFY(h.raft(1).role() != Role::Leader);
    QVERIFY(has_note(h.node(1), NoteKind::RemovedSelf, 1));
    bool saw = false;
    for (const RoleChange& rc : h.node(1).role_changes) {
        saw |= rc.from == Role::Leader && rc.reason == "removed from configuration";
    }
    QVERIFY(saw);
    // The rest elect a new leader; node 1 never campaigns again.
    NodeId l = kNoNode;
    for (int i = 0; i < 300 && (l == kNoNode || l == 1); ++i) {
        h.tick_all();
        h.stabilize();
        l = h.leader();
    }
    QVERIFY(l == 2 || l == 3);
    QVERIFY(h.raft(1).role() != Role::Leader);
}

void TestMembership::removed_follower_learns_its_removal() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    Term t = h.raft(1).term();
    QVERIFY(std::holds_alternative<Proposed>(h.raft(1).remove_node(3)));
    h.stabilize();
    QVERIFY(!h.raft(1).membership().contains(3));
    QCOMPARE(h.raft(1).membership().quorum(), std::size_t{2});
    // Replicated to until the removal committed, then retired.
    QVERIFY(!h.raft(1).status().progress.count(3));
    QVERIFY(!h.raft(3).membership().contains(3));
    std::size_t changes = h.node(3).role_changes.size();
    h.tick(3, 500);
    h.stabilize();
    QCOMPARE(h.raft(3).term(), t);
    QCOMPARE(h.node(3).role_changes.size(), changes);  // it never campaigns
}

void TestMembership::removed_follower_cannot_disrupt() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    Term t = h.raft(1).term();
    // Node 3 never receives the entry that removes it, so it still thinks it
    // is a voter and keeps campaigning; PreVote plus leader stickiness keep it
    // from disrupting the cluster.
    h.set_filter([](const Message& m) {
        if (m.to != 3 || m.type != MessageType::Append) return false;
        for (const Entry& e : m.entries) {
            if (e.type == EntryType::Config) return true;
        }
        return false;
    });
    QVERIFY(std::holds_alternative<Proposed>(h.raft(1).remove_node(3)));
    for (int i = 0; i < 300; ++i) {
        h.tick_all();
        h.stabilize();
    }
    QVERIFY(h.raft(3).membership().contains(3));
    QCOMPARE(h.leader(), NodeId{1});
    QCOMPARE(h.raft(1).term(), t);
    QCOMPARE(h.raft(2).term(), t);
}

void TestMembership::learner_is_not_counted_and_never_campaigns() {
    Harness h({1, 2}, {3}, [](Config& c) { c.auto_promote = false; });
    QCOMPARE(h.campaign(1), NodeId{1});
    h.isolate(2);
    Index before = h.raft(1).commit_index();
    h.propose(1, "x");
    h.stabilize();
    QCOMPARE(h.raft(3).last_index(), h.raft(1).last_index());  // it receives the log
    QCOMPARE(h.raft(1).commit_index(), before);                // but does not count
    h.tick(3, 500);
    QCOMPARE(h.raft(3).role(), Role::Learner);
}

QTEST_APPLESS_MAIN(TestMembership)
#include "tst_core_membership.moc"
