// §5.2 Leader election: randomized timeouts, one vote per term, durable votes,
// and who may campaign at all.
#include <QtTest>

#include "tests/core/core_harness.h"

using namespace raftlab::core;
using namespace raftlab::core::testing;

namespace {

Message vote_request(NodeId from, NodeId to, Term term, Index last_index, Term last_term) {
    Message m;
    m.type = MessageType::Vote;
    m.from = from;
    m.to = to;
    m.term = term;
    m.index = last_index;
    m.log_term = last_term;
    return m;
}

const Message* find(const std::vector<Message>& msgs, MessageType t, NodeId to) {
    for (const Message& m : msgs) {
        if (m.type == t && m.to == to) return &m;
    }
    return nullptr;
}

}  // namespace

class TestElection : public QObject {
    Q_OBJECT
  private slots:
    void single_voter_elects_itself();
    void three_nodes_elect_one_leader();
    void election_timeout_is_randomized_in_range();
    void vote_is_persisted_before_response();
    void one_vote_per_term_data();
    void one_vote_per_term();
    void up_to_date_check_data();
    void up_to_date_check();
    void no_leader_without_quorum();
    void reelection_after_leader_loss();
    void learner_and_non_member_never_campaign();
    void higher_term_reason_names_node();
    void candidate_steps_down_on_leader_append();
    void role_changes_name_the_known_leader();
    void learner_answers_but_is_never_counted();
};

void TestElection::single_voter_elects_itself() {
    Harness h({1});
    NodeId l = h.campaign(1);
    QCOMPARE(l, NodeId{1});
    const auto& rc = h.node(1).role_changes;
    // The guide's node 1 log: Follower -> Candidate, Candidate -> Leader.
    QVERIFY(rc.size() >= 2);
    QCOMPARE(rc[0].from, Role::Follower);
    QCOMPARE(rc[0].to, Role::Candidate);
    QCOMPARE(rc[0].term, Term{1});
    QCOMPARE(rc[0].reason, std::string("election timeout"));
    QCOMPARE(rc[1].from, Role::Candidate);
    QCOMPARE(rc[1].to, Role::Leader);
    QVERIFY(rc[1].reason.find("won election") == 0);
    // The no-op commits once the leader's own write is durable.
    h.stabilize();
    QCOMPARE(h.raft(1).commit_index(), Index{1});
    QCOMPARE(h.node(1).applied.size(), std::size_t{1});
    QCOMPARE(h.node(1).applied[0].type, EntryType::Noop);
}

void TestElection::three_nodes_elect_one_leader() {
    Harness h({1, 2, 3});
    NodeId l = h.campaign(1);
    QCOMPARE(l, NodeId{1});
    for (NodeId id : {1, 2, 3}) {
        QCOMPARE(h.raft(id).term(), Term{1});
        QCOMPARE(h.raft(id).leader(), NodeId{1});
        QCOMPARE(h.raft(id).commit_index(), Index{1});  // the leader's no-op
    }
    QCOMPARE(h.raft(2).role(), Role::Follower);
    // With PreVote the campaign goes Follower -> PreCandidate -> Candidate -> Leader.
    const auto& rc = h.node(1).role_changes;
    QCOMPARE(rc.at(0).to, Role::PreCandidate);
    QCOMPARE(rc.at(1).to, Role::Candidate);
    QVERIFY(rc.at(1).reason.find("pre-vote won") == 0);
    QCOMPARE(rc.at(2).to, Role::Leader);
    QVERIFY2(rc.at(2).reason.find("won election with votes from") == 0, rc.at(2).reason.c_str());
}

void TestElection::election_timeout_is_randomized_in_range() {
    std::set<int> seen;
    for (std::uint64_t seed = 1; seed <= 200; ++seed) {
        Config c = test_config(1);
        c.seed = seed;
        Restored r;
        r.bootstrap = make_membership({1, 2, 3});
        Raft raft(c, r);
        int t = raft.status().election_timeout;
        QVERIFY(t >= c.election_ticks_min);
        QVERIFY(t < c.election_ticks_max);
        seen.insert(t);
    }
    QVERIFY2(seen.size() > 5, "timeouts should spread over the range");
    // Same seed, same id: same timeout (deterministic).
    Config c = test_config(2);
    Restored r;
    r.bootstrap = make_membership({1, 2, 3});
    Raft a(c, r), b(c, r);
    QCOMPARE(a.status().election_timeout, b.status().election_timeout);
}

void TestElection::vote_is_persisted_before_response() {
    Config c = test_config(2);
    Restored r;
    r.bootstrap = make_membership({1, 2, 3});
    Raft raft(c, r);
    raft.step(vote_request(1, 2, 1, 0, 0));
    Ready rd = raft.ready();
    QVERIFY(rd.hard_state.has_value());
    QCOMPARE(rd.hard_state->term, Term{1});
    QCOMPARE(rd.hard_state->vote, NodeId{1});
    QVERIFY(find(rd.send_now, MessageType::VoteResp, 1) == nullptr);
    const Message* resp = find(rd.send_after_persist, MessageType::VoteResp, 1);
    QVERIFY(resp != nullptr);
    QVERIFY(!resp->reject);
}

void TestElection::one_vote_per_term_data() {
    QTest::addColumn<NodeId>("first");
    QTest::addColumn<NodeId>("second");
    QTest::addColumn<bool>("second_granted");
    QTest::newRow("same candidate again") << NodeId{1} << NodeId{1} << true;
    QTest::newRow("another candidate") << NodeId{1} << NodeId{3} << false;
}

void TestElection::one_vote_per_term() {
    QFETCH(NodeId, first);
    QFETCH(NodeId, second);
    QFETCH(bool, second_granted);
    Config c = test_config(2);
    Restored r;
    r.bootstrap = make_membership({1, 2, 3});
    Raft raft(c, r);
    raft.step(vote_request(first, 2, 1, 0, 0));
    raft.advance(raft.ready());
    raft.step(vote_request(second, 2, 1, 0, 0));
    Ready rd = raft.ready();
    const Message* resp = find(rd.send_after_persist, MessageType::VoteResp, second);
    QVERIFY(resp != nullptr);
    QCOMPARE(!resp->reject, second_granted);
    QCOMPARE(raft.status().vote, first);
}

void TestElection::up_to_date_check_data() {
    // The voter's log: (1,1) (2,1) (3,2). §5.4.1: compare last terms, then length.
    QTest::addColumn<Index>("cand_last_index");
    QTest::addColumn<Term>("cand_last_term");
    QTest::addColumn<bool>("granted");
    QTest::newRow("higher last term, shorter") << Index{1} << Term{3} << true;
    QTest::newRow("same term, same length") << Index{3} << Term{2} << true;
    QTest::newRow("same term, longer") << Index{5} << Term{2} << true;
    QTest::newRow("same term, shorter") << Index{2} << Term{2} << false;
    QTest::newRow("lower last term, longer") << Index{9} << Term{1} << false;
    QTest::newRow("empty log") << Index{0} << Term{0} << false;
}

void TestElection::up_to_date_check() {
    QFETCH(Index, cand_last_index);
    QFETCH(Term, cand_last_term);
    QFETCH(bool, granted);
    Config c = test_config(2);
    Restored r;
    r.bootstrap = make_membership({1, 2, 3});
    r.hard_state.term = 2;
    r.entries = {entry(1, 1), entry(2, 1), entry(3, 2)};
    Raft raft(c, r);
    raft.step(vote_request(1, 2, 3, cand_last_index, cand_last_term));
    Ready rd = raft.ready();
    const Message* resp = find(rd.send_after_persist, MessageType::VoteResp, 1);
    QVERIFY(resp != nullptr);
    QCOMPARE(!resp->reject, granted);
    QCOMPARE(raft.term(), Term{3});  // the higher term is adopted either way
}

void TestElection::no_leader_without_quorum() {
    Harness h({1, 2, 3});
    h.isolate(2);
    h.isolate(3);
    for (int round = 0; round < 10; ++round) {
        h.tick(1, 40);
        h.stabilize();
        QVERIFY(h.raft(1).role() != Role::Leader);
    }
    // PreVote keeps the isolated node from inflating its term (§9.6).
    QCOMPARE(h.raft(1).term(), Term{0});
}

void TestElection::reelection_after_leader_loss() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    h.crash(1);
    // Node 2 or 3 times out; bounded by the longest timeout plus slack.
    NodeId l = kNoNode;
    for (int i = 0; i < 200 && l == kNoNode; ++i) {
        h.tick(2);
        h.tick(3);
        h.stabilize();
        l = h.leader();
    }
    QVERIFY(l == 2 || l == 3);
    QVERIFY(h.raft(l).term() >= Term{2});  // a split vote may cost a term
    QCOMPARE(h.raft(l == 2 ? 3 : 2).leader(), l);
}

void TestElection::learner_and_non_member_never_campaign() {
    Harness h({1}, {2});
    h.add_node(7, make_membership({1}));
    h.tick(2, 500);
    h.tick(7, 500);
    h.stabilize();
    QCOMPARE(h.raft(2).role(), Role::Learner);
    QCOMPARE(h.raft(2).term(), Term{0});
    QCOMPARE(h.raft(7).role(), Role::Follower);
    QCOMPARE(h.raft(7).term(), Term{0});
    // A TimeoutNow does not make a learner campaign either.
    Message tn;
    tn.type = MessageType::TimeoutNow;
    tn.from = 1;
    tn.to = 2;
    tn.term = 0;
    h.raft(2).step(tn);
    QCOMPARE(h.raft(2).role(), Role::Learner);
}

void TestElection::higher_term_reason_names_node() {
    Config c = test_config(2);
    Restored r;
    r.bootstrap = make_membership({1, 2, 3});
    Raft raft(c, r);
    raft.step(vote_request(3, 2, 5, 0, 0));
    Ready rd = raft.ready();
    QCOMPARE(rd.role_changes.size(), std::size_t{1});
    QCOMPARE(rd.role_changes[0].reason, std::string("higher term 5 from node 3"));
    QCOMPARE(rd.role_changes[0].term, Term{5});
}

void TestElection::candidate_steps_down_on_leader_append() {
    Config c = test_config(2);
    c.pre_vote = false;
    Restored r;
    r.bootstrap = make_membership({1, 2, 3});
    Raft raft(c, r);
    for (int i = 0; i < 100 && raft.role() != Role::Candidate; ++i)
        raft.tick();
    QCOMPARE(raft.role(), Role::Candidate);
    Message app;
    app.type = MessageType::Append;
    app.from = 3;
    app.to = 2;
    app.term = raft.term();
    raft.step(app);
    QCOMPARE(raft.role(), Role::Follower);
    QCOMPARE(raft.leader(), NodeId{3});
}

void TestElection::role_changes_name_the_known_leader() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    // Node 2 first moves to term 1 on the Vote (leader unknown), then learns
    // the leader from its first Append: both are reported, with reasons.
    const auto& rc = h.node(2).role_changes;
    QVERIFY(rc.size() >= 2);
    QCOMPARE(rc.front().term, Term{1});
    QCOMPARE(rc.front().leader, kNoNode);
    QCOMPARE(rc.front().reason, std::string("higher term 1 from node 1"));
    QCOMPARE(rc.back().leader, NodeId{1});
    QCOMPARE(rc.back().reason, std::string("heard from leader 1"));
    QCOMPARE(h.node(1).role_changes.back().leader, NodeId{1});
}

void TestElection::learner_answers_but_is_never_counted() {
    // A learner answers a Vote (it may already be a voter in the candidate's
    // newer configuration, as etcd's learners do)...
    Config c = test_config(4);
    Restored r;
    r.bootstrap = make_membership({1, 2, 3}, {4});
    Raft learner(c, r);
    learner.step(vote_request(1, 4, 1, 0, 0));
    Ready rd = learner.ready();
    const Message* resp = find(rd.send_after_persist, MessageType::VoteResp, 1);
    QVERIFY(resp != nullptr);
    QCOMPARE(learner.role(), Role::Learner);
    // ...but a candidate whose configuration lists it as a learner ignores it:
    // with votes from itself and the learner only, node 1 is not elected.
    Config c1 = test_config(1);
    c1.pre_vote = false;
    Restored r1;
    r1.bootstrap = make_membership({1, 2, 3}, {4});
    Raft cand(c1, r1);
    for (int i = 0; i < 100 && cand.role() != Role::Candidate; ++i)
        cand.tick();
    QCOMPARE(cand.role(), Role::Candidate);
    Message grant;
    grant.type = MessageType::VoteResp;
    grant.from = 4;
    grant.to = 1;
    grant.term = cand.term();
    cand.step(grant);
    QCOMPARE(cand.role(), Role::Candidate);
}

QTEST_APPLESS_MAIN(TestElection)
#include "tst_core_election.moc"
