// §5.3 Log replication: persistence before acks, flow control, fast back-off.
#include <QtTest>

#include "tests/core/core_harness.h"

using namespace raftlab::core;
using namespace raftlab::core::testing;

namespace {

Message append(NodeId from, NodeId to, Term term, Index prev, Term prev_term,
               std::vector<Entry> entries, Index commit) {
    Message m;
    m.type = MessageType::Append;
    m.from = from;
    m.to = to;
    m.term = term;
    m.index = prev;
    m.log_term = prev_term;
    m.entries = std::move(entries);
    m.commit = commit;
    return m;
}

std::vector<Entry> terms_log(const std::vector<Term>& terms) {
    std::vector<Entry> out;
    for (std::size_t i = 0; i < terms.size(); ++i)
        out.push_back(entry(i + 1, terms[i]));
    return out;
}

int count(const std::vector<Message>& msgs, MessageType t, NodeId to) {
    int n = 0;
    for (const Message& m : msgs)
        n += (m.type == t && m.to == to);
    return n;
}

}  // namespace

class TestReplication : public QObject {
    Q_OBJECT
  private slots:
    void proposals_commit_everywhere_in_order();
    void leader_sends_now_follower_acks_after_persist();
    void leader_counts_itself_only_once_persisted();
    void follower_rejects_with_conflict_hint_data();
    void follower_rejects_with_conflict_hint();
    void conflicting_suffix_is_truncated();
    void fast_backoff_skips_whole_terms();
    void inflight_window_limits_messages();
    void inflight_window_limits_bytes();
    void max_entries_per_message();
    void max_bytes_per_message();
    void appends_wait_for_durable_term();
    void probe_sends_one_at_a_time();
    void lost_append_is_retried_after_heartbeat();
    void stale_leader_learns_new_term();
    void proposal_on_follower_names_leader();
};

void TestReplication::proposals_commit_everywhere_in_order() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    for (int i = 0; i < 20; ++i)
        h.propose(1, "cmd" + std::to_string(i));
    h.stabilize();
    for (NodeId id : {1, 2, 3}) {
        QCOMPARE(h.raft(id).commit_index(), Index{21});
        const auto& applied = h.node(id).applied;
        QCOMPARE(applied.size(), std::size_t{21});
        for (int i = 0; i < 20; ++i) {
            QCOMPARE(applied[i + 1].data, "cmd" + std::to_string(i));
            QCOMPARE(applied[i + 1].index, Index(i + 2));
        }
    }
}

void TestReplication::leader_sends_now_follower_acks_after_persist() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    h.propose(1, "x");
    Ready rd = h.raft(1).ready();
    QCOMPARE(count(rd.send_now, MessageType::Append, 2), 1);
    QCOMPARE(count(rd.send_after_persist, MessageType::Append, 2), 0);
    QCOMPARE(rd.entries.size(), std::size_t{1});
    Message app;
    for (const Message& m : rd.send_now) {
        if (m.to == 2) app = m;
    }
    h.raft(1).advance(rd);
    h.raft(2).step(app);
    Ready frd = h.raft(2).ready();
    QCOMPARE(count(frd.send_now, MessageType::AppendResp, 1), 0);
    QCOMPARE(count(frd.send_after_persist, MessageType::AppendResp, 1), 1);
    QCOMPARE(frd.entries.size(), std::size_t{1});
}

void TestReplication::leader_counts_itself_only_once_persisted() {
    Harness h({1});
    QCOMPARE(h.campaign(1), NodeId{1});
    h.stabilize();
    Index before = h.raft(1).commit_index();
    h.propose(1, "x");
    Ready rd = h.raft(1).ready();
    QCOMPARE(h.raft(1).commit_index(), before);  // not durable yet: not counted
    QVERIFY(rd.committed_entries.empty());
    h.raft(1).advance(rd);
    QCOMPARE(h.raft(1).commit_index(), before + 1);
    Ready rd2 = h.raft(1).ready();
    QCOMPARE(rd2.committed_entries.size(), std::size_t{1});
    QCOMPARE(rd2.committed_entries[0].data, std::string("x"));
}

void TestReplication::follower_rejects_with_conflict_hint_data() {
    QTest::addColumn<std::vector<Term>>("follower");
    QTest::addColumn<Index>("prev");
    QTest::addColumn<Term>("prev_term");
    QTest::addColumn<Term>("conflict_term");
    QTest::addColumn<Index>("conflict_index");
    QTest::newRow("log too short")
        << std::vector<Term>{1, 1} << Index{5} << Term{3} << Term{0} << Index{3};
    QTest::newRow("term differs, run starts at 3")
        << std::vector<Term>{1, 1, 2, 2, 2} << Index{5} << Term{3} << Term{2} << Index{3};
    QTest::newRow("term differs at first entry")
        << std::vector<Term>{2, 2} << Index{2} << Term{1} << Term{2} << Index{1};
    QTest::newRow("empty log") << std::vector<Term>{} << Index{1} << Term{1} << Term{0} << Index{1};
}

void TestReplication::follower_rejects_with_conflict_hint() {
    QFETCH(std::vector<Term>, follower);
    QFETCH(Index, prev);
    QFETCH(Term, prev_term);
    QFETCH(Term, conflict_term);
    QFETCH(Index, conflict_index);
    Config c = test_config(2);
    Restored r;
    r.bootstrap = make_membership({1, 2, 3});
    r.hard_state.term = 3;
    r.entries = terms_log(follower);
    Raft raft(c, r);
    raft.step(append(1, 2, 3, prev, prev_term, {}, 0));
    Ready rd = raft.ready();
    QCOMPARE(rd.send_after_persist.size(), std::size_t{1});
    const Message& resp = rd.send_after_persist[0];
    QCOMPARE(resp.type, MessageType::AppendResp);
    QVERIFY(resp.reject);
    QCOMPARE(resp.index, prev);
    QCOMPARE(resp.conflict_term, conflict_term);
    QCOMPARE(resp.conflict_index, conflict_index);
}

void TestReplication::conflicting_suffix_is_truncated() {
    Config c = test_config(2);
    Restored r;
    r.bootstrap = make_membership({1, 2, 3});
    r.hard_state.term = 2;
    r.entries = terms_log({1, 2, 2, 2});
    Raft raft(c, r);
    raft.step(append(1, 2, 3, 1, 1, {entry(2, 3, "a"), entry(3, 3, "b")}, 0));
    QCOMPARE(raft.last_index(), Index{3});
    QCOMPARE(raft.log().back().term, Term{3});
    Ready rd = raft.ready();
    // The driver must delete from index 2 on and write the new entries.
    QCOMPARE(rd.entries.size(), std::size_t{2});
    QCOMPARE(rd.entries.front().index, Index{2});
    // An Append that matches what we have must not truncate anything (§5.3
    // "if an existing entry conflicts": only then).
    raft.advance(rd);
    raft.step(append(1, 2, 3, 1, 1, {entry(2, 3, "a")}, 0));
    QCOMPARE(raft.last_index(), Index{3});
}

void TestReplication::fast_backoff_skips_whole_terms() {
    // Follower 2 holds 60 entries of a stale term 2 beyond index 1; the leader
    // has term-3 entries there. One entry per round trip would take ~60
    // rejections; skipping whole terms takes a handful.
    Harness h({1, 2, 3}, {}, [](Config& c) { c.pre_vote = false; });
    std::vector<Term> stale(61, 2);
    stale[0] = 1;
    std::vector<Term> good(31, 3);
    good[0] = 1;
    h.preset(1, 3, terms_log(good));
    h.preset(3, 3, terms_log(good));
    h.preset(2, 2, terms_log(stale));
    int rejects = 0;
    h.set_filter([&](const Message& m) {
        if (m.type == MessageType::AppendResp && m.reject) ++rejects;
        return false;
    });
    QCOMPARE(h.campaign(1), NodeId{1});
    h.stabilize();
    QVERIFY2(rejects <= 3, qPrintable(QString("rejections: %1").arg(rejects)));
    QCOMPARE(h.raft(2).last_index(), h.raft(1).last_index());
    QCOMPARE(h.raft(2).log().back().term, Term{4});
    QCOMPARE(h.raft(2).commit_index(), h.raft(1).commit_index());
}

void TestReplication::inflight_window_limits_messages() {
    Harness h({1, 2, 3}, {}, [](Config& c) {
        c.max_inflight_msgs = 3;
        c.max_entries_per_msg = 1;
    });
    QCOMPARE(h.campaign(1), NodeId{1});
    for (int i = 0; i < 10; ++i) {
        h.propose(1, "x");
        h.process(1);  // each proposal alone in its own Ready
    }
    std::vector<Message> out = h.drain();
    QCOMPARE(count(out, MessageType::Append, 2), 3);
    QCOMPARE(h.raft(1).status().progress.at(2).inflight_msgs, std::size_t{3});
}

void TestReplication::inflight_window_limits_bytes() {
    Harness h({1, 2, 3}, {}, [](Config& c) {
        c.max_inflight_bytes = 250;
        c.max_entries_per_msg = 1;
    });
    QCOMPARE(h.campaign(1), NodeId{1});
    for (int i = 0; i < 10; ++i) {
        h.propose(1, std::string(100, 'v'));
        h.process(1);
    }
    std::vector<Message> out = h.drain();
    QCOMPARE(count(out, MessageType::Append, 2), 3);  // 300 bytes >= 250 pauses
}

void TestReplication::max_entries_per_message() {
    Harness h({1, 2}, {}, [](Config& c) { c.max_entries_per_msg = 4; });
    QCOMPARE(h.campaign(1), NodeId{1});
    for (int i = 0; i < 10; ++i)
        h.propose(1, "x");
    std::vector<Message> out = h.drain();
    std::size_t biggest = 0;
    for (const Message& m : out)
        biggest = std::max(biggest, m.entries.size());
    QCOMPARE(biggest, std::size_t{4});
}

void TestReplication::max_bytes_per_message() {
    Harness h({1, 2}, {}, [](Config& c) { c.max_bytes_per_msg = 250; });
    QCOMPARE(h.campaign(1), NodeId{1});
    h.stabilize();
    for (int i = 0; i < 10; ++i)
        h.propose(1, std::string(100, 'v'));
    std::vector<Message> out = h.drain();
    std::size_t biggest = 0;
    for (const Message& m : out)
        biggest = std::max(biggest, m.entries.size());
    QCOMPARE(biggest, std::size_t{2});  // a third 100-byte entry would pass 250
    // One entry bigger than the limit still goes, alone, so it cannot stall.
    Harness big({1, 2}, {}, [](Config& c) { c.max_bytes_per_msg = 10; });
    QCOMPARE(big.campaign(1), NodeId{1});
    big.propose(1, std::string(100, 'v'));
    big.stabilize();
    QCOMPARE(big.raft(2).last_index(), big.raft(1).last_index());
}

void TestReplication::appends_wait_for_durable_term() {
    // A lone voter elects itself and appends its no-op within one Ready. Its
    // Append to a learner carries the new term, which is not durable yet: it
    // must wait for the sync, or a crash could reuse the term differently.
    Harness h({1}, {2});
    Raft& r = h.raft(1);
    for (int i = 0; i < 100 && r.role() != Role::Leader; ++i)
        r.tick();
    QCOMPARE(r.role(), Role::Leader);
    Ready rd = r.ready();
    QVERIFY(rd.hard_state.has_value());
    QCOMPARE(count(rd.send_now, MessageType::Append, 2), 0);
    QCOMPARE(count(rd.send_after_persist, MessageType::Append, 2), 1);
    for (const Message& m : rd.send_after_persist)
        h.queue().push_back(m);
    r.advance(rd);
    // Once the term is durable, the leader's Appends leave before its own sync.
    h.stabilize();
    h.propose(1, "x");
    Ready rd2 = r.ready();
    QVERIFY(!rd2.hard_state || rd2.hard_state->term == rd.hard_state->term);
    QCOMPARE(count(rd2.send_now, MessageType::Append, 2), 1);
    QCOMPARE(count(rd2.send_after_persist, MessageType::Append, 2), 0);
}

void TestReplication::probe_sends_one_at_a_time() {
    Harness h({1, 2, 3});
    h.isolate(3);
    QCOMPARE(h.campaign(1), NodeId{1});
    h.heal();
    // Node 3 never answered: it is still probed, one Append at a time.
    for (int i = 0; i < 5; ++i) {
        h.propose(1, "x");
        h.process(1);
    }
    std::vector<Message> out = h.drain();
    QCOMPARE(h.raft(1).status().progress.at(3).state, Progress::State::Probe);
    QVERIFY(count(out, MessageType::Append, 3) <= 1);
    QVERIFY(count(out, MessageType::Append, 2) >= 1);
}

void TestReplication::lost_append_is_retried_after_heartbeat() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    h.propose(1, "lost");
    h.set_filter([](const Message& m) { return m.type == MessageType::Append && m.to == 3; });
    h.stabilize();
    QCOMPARE(h.raft(3).last_index(), Index{1});
    h.set_filter({});
    // Within a few heartbeat intervals node 3 catches up.
    for (int i = 0; i < 5 && h.raft(3).last_index() < 2; ++i) {
        h.tick(1, h.node(1).config.heartbeat_ticks);
        h.stabilize();
    }
    QCOMPARE(h.raft(3).last_index(), Index{2});
    QCOMPARE(h.raft(3).commit_index(), Index{2});
}

void TestReplication::stale_leader_learns_new_term() {
    Config c = test_config(2);
    Restored r;
    r.bootstrap = make_membership({1, 2, 3});
    r.hard_state.term = 5;
    Raft raft(c, r);
    raft.step(append(1, 2, 3, 0, 0, {}, 0));
    Ready rd = raft.ready();
    QCOMPARE(rd.send_after_persist.size(), std::size_t{1});
    QCOMPARE(rd.send_after_persist[0].term, Term{5});
    QCOMPARE(rd.send_after_persist[0].to, NodeId{1});
}

void TestReplication::proposal_on_follower_names_leader() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    auto r = h.raft(2).propose("x");
    QVERIFY(std::holds_alternative<Error>(r));
    const Error& e = std::get<Error>(r);
    QCOMPARE(e.code, ErrorCode::NotLeader);
    QCOMPARE(e.leader, NodeId{1});
    QVERIFY(e.message.find("node 1") != std::string::npos);
}

QTEST_APPLESS_MAIN(TestReplication)
#include "tst_core_replication.moc"
