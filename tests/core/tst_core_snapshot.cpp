// §7 log compaction and InstallSnapshot: compact() drops applied entries; a
// follower that needs compacted entries gets the snapshot; the receiver keeps
// or replaces its log as the thesis (§5.1) says.
#include <QtTest>

#include "tests/core/core_harness.h"

using namespace raftlab::core;
using namespace raftlab::core::testing;

namespace {

Message snapshot_msg(NodeId from, NodeId to, Term term, Index index, Term snap_term,
                     const Membership& m) {
    Message msg;
    msg.type = MessageType::Snapshot;
    msg.from = from;
    msg.to = to;
    msg.term = term;
    Snapshot s;
    s.meta.index = index;
    s.meta.term = snap_term;
    s.meta.membership = m;
    s.data = "image";
    msg.snapshot = s;
    return msg;
}

std::vector<Entry> terms_log(const std::vector<Term>& terms) {
    std::vector<Entry> out;
    for (std::size_t i = 0; i < terms.size(); ++i)
        out.push_back(entry(i + 1, terms[i]));
    return out;
}

}  // namespace

class TestSnapshot : public QObject {
    Q_OBJECT
  private slots:
    void compact_drops_applied_entries();
    void compact_never_passes_applied();
    void lagging_follower_gets_snapshot_then_entries();
    void snapshot_older_than_commit_is_refused();
    void snapshot_matching_log_fast_forwards_commit();
    void snapshot_replaces_divergent_log();
    void lost_snapshot_is_resent();
    void snapshot_state_left_on_reject();
    void restarted_node_resumes_from_snapshot();
};

void TestSnapshot::compact_drops_applied_entries() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    for (int i = 0; i < 10; ++i)
        h.propose(1, "x" + std::to_string(i));
    h.stabilize();
    h.raft(1).compact(6, "state@6");
    Status s = h.raft(1).status();
    QCOMPARE(s.snapshot_index, Index{6});
    QCOMPARE(s.snapshot_term, Term{1});
    QCOMPARE(s.first_index, Index{7});
    QCOMPARE(s.last_index, Index{11});
    QCOMPARE(h.raft(1).log().size(), std::size_t{5});
    QCOMPARE(h.raft(1).log().front().index, Index{7});
}

void TestSnapshot::compact_never_passes_applied() {
    Harness h({1});
    QCOMPARE(h.campaign(1), NodeId{1});
    h.stabilize();
    h.propose(1, "a");
    // Not yet handed out for apply: compacting it would lose it.
    h.raft(1).compact(2, "x");
    QCOMPARE(h.raft(1).status().snapshot_index, Index{1});
    QVERIFY(h.raft(1).status().snapshot_index <= h.raft(1).status().applied_index);
}

void TestSnapshot::lagging_follower_gets_snapshot_then_entries() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    h.isolate(3);
    for (int i = 0; i < 20; ++i)
        h.propose(1, "x" + std::to_string(i));
    h.stabilize();
    h.raft(1).compact(15, "state@15");
    h.heal();
    bool saw_state = false;
    h.set_filter([&](const Message& m) {
        if (m.type == MessageType::Snapshot && m.to == 3) {
            saw_state = h.raft(1).status().progress.at(3).state == Progress::State::Snapshot;
        }
        return false;
    });
    for (int i = 0; i < 10 && h.raft(3).last_index() < h.raft(1).last_index(); ++i) {
        h.tick(1, h.node(1).config.heartbeat_ticks);
        h.stabilize();
    }
    QVERIFY(saw_state);
    QCOMPARE(h.node(3).installed.size(), std::size_t{1});
    const Snapshot& snap = h.node(3).installed[0];
    QCOMPARE(snap.meta.index, Index{15});
    QCOMPARE(snap.data, std::string("state@15"));
    QCOMPARE(snap.meta.membership, make_membership({1, 2, 3}));
    QCOMPARE(h.raft(3).last_index(), h.raft(1).last_index());
    QCOMPARE(h.raft(3).commit_index(), h.raft(1).commit_index());
    // It applied the entries after the snapshot, not those inside it.
    for (const Entry& e : h.node(3).applied)
        QVERIFY(e.index == 1 || e.index >= 16);
    QCOMPARE(h.node(3).applied.back().index, h.raft(1).commit_index());
    QCOMPARE(h.raft(1).status().progress.at(3).state, Progress::State::Replicate);
    bool sent = false;
    for (const Note& n : h.node(1).notes)
        sent |= n.kind == NoteKind::SnapshotSent && n.peer == 3;
    QVERIFY(sent);
}

void TestSnapshot::snapshot_older_than_commit_is_refused() {
    Config c = test_config(2);
    Restored r;
    r.bootstrap = make_membership({1, 2, 3});
    r.hard_state = HardState{2, kNoNode, 5};
    r.entries = terms_log({1, 1, 2, 2, 2, 2});
    Raft raft(c, r);
    raft.step(snapshot_msg(1, 2, 2, 4, 2, make_membership({1, 2, 3})));
    Ready rd = raft.ready();
    QVERIFY(!rd.snapshot);
    QCOMPARE(raft.last_index(), Index{6});
    QCOMPARE(rd.send_after_persist.size(), std::size_t{1});
    QCOMPARE(rd.send_after_persist[0].type, MessageType::AppendResp);
    QCOMPARE(rd.send_after_persist[0].index, Index{5});
}

void TestSnapshot::snapshot_matching_log_fast_forwards_commit() {
    Config c = test_config(2);
    Restored r;
    r.bootstrap = make_membership({1, 2, 3});
    r.hard_state = HardState{2, kNoNode, 1};
    r.entries = terms_log({1, 1, 2, 2, 2, 2});
    Raft raft(c, r);
    raft.step(snapshot_msg(1, 2, 2, 4, 2, make_membership({1, 2, 3})));
    Ready rd = raft.ready();
    QVERIFY(!rd.snapshot);  // nothing to install: we hold entry 4 already
    QCOMPARE(raft.commit_index(), Index{4});
    QCOMPARE(raft.last_index(), Index{6});  // entries after it are kept
    QCOMPARE(rd.send_after_persist.at(0).index, Index{4});
}

void TestSnapshot::snapshot_replaces_divergent_log() {
    Config c = test_config(2);
    Restored r;
    r.bootstrap = make_membership({1, 2, 3});
    r.hard_state = HardState{2, kNoNode, 1};
    r.entries = terms_log({1, 1, 2, 2});
    Raft raft(c, r);
    raft.step(snapshot_msg(1, 2, 3, 10, 3, make_membership({1, 2, 3}, {4})));
    QCOMPARE(raft.commit_index(), Index{10});
    QCOMPARE(raft.last_index(), Index{10});
    QVERIFY(raft.log().empty());
    QVERIFY(raft.membership().is_learner(4));  // the snapshot's configuration
    Ready rd = raft.ready();
    QVERIFY(rd.snapshot.has_value());
    QCOMPARE(rd.snapshot->meta.index, Index{10});
    QCOMPARE(rd.snapshot->data, std::string("image"));
    QVERIFY(rd.committed_entries.empty());  // the snapshot stands for them
    QCOMPARE(rd.send_now.size(), std::size_t{0});
    QCOMPARE(rd.send_after_persist.size(), std::size_t{1});  // ack only once durable
    QCOMPARE(rd.send_after_persist[0].index, Index{10});
    raft.advance(rd);
    QCOMPARE(raft.status().snapshot_index, Index{10});
}

void TestSnapshot::lost_snapshot_is_resent() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    h.isolate(3);
    for (int i = 0; i < 10; ++i)
        h.propose(1, "x");
    h.stabilize();
    h.raft(1).compact(8, "s");
    h.heal();
    int sent = 0;
    h.set_filter([&](const Message& m) {
        if (m.type != MessageType::Snapshot) return false;
        return ++sent == 1;  // the first one is lost
    });
    for (int i = 0; i < 40 && h.raft(3).last_index() < h.raft(1).last_index(); ++i) {
        h.tick(1, h.node(1).config.heartbeat_ticks);
        h.stabilize();
    }
    QVERIFY(sent >= 2);
    QCOMPARE(h.raft(3).last_index(), h.raft(1).last_index());
}

void TestSnapshot::snapshot_state_left_on_reject() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    h.isolate(3);
    for (int i = 0; i < 10; ++i)
        h.propose(1, "x");
    h.stabilize();
    h.raft(1).compact(8, "s");
    h.heal();
    // Hold the snapshot back; node 3 then rejects a (stale) Append instead.
    h.set_filter([](const Message& m) { return m.type == MessageType::Snapshot; });
    h.tick(1, h.node(1).config.heartbeat_ticks);
    h.stabilize();
    QCOMPARE(h.raft(1).status().progress.at(3).state, Progress::State::Snapshot);
    Message rej;
    rej.type = MessageType::AppendResp;
    rej.from = 3;
    rej.to = 1;
    rej.term = h.raft(1).term();
    rej.reject = true;
    rej.index = 8;
    rej.conflict_index = 2;
    h.drain();
    h.raft(1).step(rej);
    // The reject ends the Snapshot state at once (no waiting for the retry
    // timeout); node 3 still needs compacted entries, so a fresh snapshot goes.
    std::vector<Message> out = h.drain();
    int snaps = 0;
    for (const Message& m : out)
        snaps += m.type == MessageType::Snapshot && m.to == 3;
    QCOMPARE(snaps, 1);
    QCOMPARE(h.raft(1).status().progress.at(3).pending_snapshot, Index{8});
}

void TestSnapshot::restarted_node_resumes_from_snapshot() {
    Harness h({1, 2, 3});
    QCOMPARE(h.campaign(1), NodeId{1});
    h.isolate(3);
    for (int i = 0; i < 10; ++i)
        h.propose(1, "x");
    h.stabilize();
    h.raft(1).compact(8, "s");
    h.heal();
    for (int i = 0; i < 10 && h.raft(3).last_index() < h.raft(1).last_index(); ++i) {
        h.tick(1, h.node(1).config.heartbeat_ticks);
        h.stabilize();
    }
    h.crash(3);
    h.restart(3);
    Status s = h.raft(3).status();
    QCOMPARE(s.snapshot_index, Index{8});
    QCOMPARE(s.last_index, h.raft(1).last_index());
    QCOMPARE(s.membership, make_membership({1, 2, 3}));
    QCOMPARE(s.term, h.raft(1).term());
}

QTEST_APPLESS_MAIN(TestSnapshot)
#include "tst_core_snapshot.moc"
