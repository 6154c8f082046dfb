// The fold from events to cluster state, without any Qt model or widget:
// the trace parser's tolerance, the term runs, and that a scrubbed state
// (checkpoint + replay) equals the state folded from the start.
#include <QFile>
#include <QtTest>

#include "gui/model/history.h"
#include "gui/model/narrator.h"
#include "gui/model/term_runs.h"
#include "gui/model/trace_parser.h"

using namespace raftlab::gui;

namespace {

std::vector<Event> load_fixture(int* bad_lines = nullptr) {
    QFile f(QStringLiteral(RAFTLAB_GUI_TEST_DATA "/three_nodes_failover.jsonl"));
    if (!f.open(QIODevice::ReadOnly)) qFatal("cannot open the fixture");
    std::vector<Event> out;
    int bad = 0;
    while (!f.atEnd()) {
        const QByteArray line = f.readLine();
        ParseResult r = parse_trace_line(std::string_view(line.constData(), line.size()));
        if (r.event) out.push_back(*r.event);
        if (!r.error.empty()) ++bad;
    }
    if (bad_lines) *bad_lines = bad;
    return out;
}

}  // namespace

class TestClusterState : public QObject {
    Q_OBJECT
  private slots:
    void parsesTheExampleLine() {
        const auto r = parse_trace_line(
            R"({"t":42,"node":1,"kind":"role","from":"Follower","to":"Candidate","term":3,"reason":"election timeout"})");
        QVERIFY(r.error.empty());
        QVERIFY(r.event.has_value());
        QCOMPARE(r.event->t_ms, 42);
        QCOMPARE(r.event->node, NodeId(1));
        QVERIFY(r.event->kind == EventKind::Role);
        QVERIFY(r.event->from_role == Role::Follower);
        QVERIFY(r.event->to_role == Role::Candidate);
        QCOMPARE(r.event->term, Term(3));
        QCOMPARE(r.event->text, std::string("election timeout"));
    }

    void toleratesUnknownKindsAndFields() {
        const auto r =
            parse_trace_line(R"({"t":5,"node":2,"kind":"wormhole","flux":[1,2],"what":"x"})");
        QVERIFY(r.event.has_value());
        QVERIFY(r.event->kind == EventKind::Unknown);
        QCOMPARE(r.event->kind_name, std::string("wormhole"));
        // An unknown kind changes nothing, but does not break the fold.
        ClusterState s;
        s.apply(*r.event);
        QCOMPARE(s.nodes().size(), std::size_t(1));
    }

    void rejectsLinesThatAreNotEvents() {
        QVERIFY(!parse_trace_line("not json").error.empty());
        QVERIFY(!parse_trace_line(R"({"node":1})").error.empty());  // no time
        // Real runs write nanoseconds (docs/trace-format.md).
        const auto ns = parse_trace_line(R"({"t_ns":2500000,"kind":"op_invoke","op_id":3})");
        QVERIFY(ns.event.has_value());
        QCOMPARE(ns.event->t_ms, 2);
        QVERIFY(!parse_trace_line("[1,2]").error.empty());
        const auto blank = parse_trace_line("   \r");
        QVERIFY(blank.error.empty());
        QVERIFY(!blank.event.has_value());
    }

    void termRunsStoreTermsNotEntries() {
        TermRuns log;
        log.write(1, 1'000'000, 3);
        QCOMPARE(log.run_count(), std::size_t(1));
        QCOMPARE(log.term_at(1), Term(3));
        QCOMPARE(log.term_at(1'000'000), Term(3));
        QCOMPARE(log.term_at(1'000'001), Term(0));
        // A follower's conflicting suffix is replaced (§5.3).
        log.write(500'001, 500'010, 4);
        QCOMPARE(log.last_index(), Index(500'010));
        QCOMPARE(log.term_at(500'000), Term(3));
        QCOMPARE(log.term_at(500'001), Term(4));
        QCOMPARE(log.run_count(), std::size_t(2));
        TermRuns follower;
        follower.copy_from(log, 499'999, 500'005, 9);
        QCOMPARE(follower.term_at(499'999), Term(3));
        QCOMPARE(follower.term_at(500'005), Term(4));
        QCOMPARE(follower.term_at(1), Term(0));  // never seen: unknown, not invented
    }

    void foldsTheFixture() {
        int bad = 0;
        History h;
        h.append(load_fixture(&bad));
        QCOMPARE(bad, 1);  // the fixture has one deliberate non-JSON line
        const ClusterState& s = h.head();
        QCOMPARE(s.nodes().size(), std::size_t(3));
        QCOMPARE(s.leader(), NodeId(2));
        const NodeState* n2 = s.node(2);
        QCOMPARE(n2->term, Term(2));
        QCOMPARE(n2->commit_index, Index(3));
        QCOMPARE(n2->log.term_at(2), Term(1));
        QCOMPARE(n2->log.term_at(3), Term(2));
        // Node 1 restarted, learned term 2 and caught up.
        const NodeState* n1 = s.node(1);
        QVERIFY(n1->liveness == Liveness::Alive);
        QVERIFY(n1->role == Role::Follower);
        QCOMPARE(n1->last_index(), Index(3));
        QCOMPARE(n1->log.term_at(3), Term(2));  // copied from its leader's log
        // The partition at 700 healed at 800.
        QVERIFY(!s.link_cut(1, 2));
        const QuorumInfo q = s.quorum();
        QCOMPARE(q.voters, 3);
        QCOMPARE(q.quorum, 2);
        QCOMPARE(q.tolerates, 1);
        QVERIFY(!q.even);
    }

    void promotionIsDatedOnce() {
        ClusterState s;
        for (
            const char* line :
            {R"({"t":10,"node":1,"kind":"config","what":"add_learner 4","detail":"ok"})",
             R"({"t":12,"node":4,"kind":"fault","what":"start","term":0})",
             R"({"t":50,"node":4,"kind":"role","from":"Learner","to":"Follower","term":2,"leader":1,"reason":"learner promoted"})",
             R"({"t":55,"node":2,"kind":"note","note":4,"peer":4,"term":2,"index":9,"text":"node 4 promoted to voter"})"}) {
            s.apply(*parse_trace_line(line).event);
            if (s.now_ms() == 12) QVERIFY(s.node(4)->membership == Membership::Learner);
        }
        QVERIFY(s.node(4)->membership == Membership::Voter);
        QCOMPARE(s.node(4)->promoted_at_ms, 50);
    }

    void scrubbedStateMatchesAFoldFromTheStart() {
        const auto events = load_fixture();
        History h(/*checkpoint_every=*/4);  // many checkpoints: exercises replay-from-checkpoint
        h.append(events);
        QVERIFY(h.checkpoint_count() > 10);
        for (std::int64_t t = -1; t <= h.end_ms() + 1; ++t) {
            ClusterState naive;
            for (const Event& e : events) {
                if (e.t_ms <= t) naive.apply(e);
            }
            naive.advance_to(t);
            ClusterState scrubbed = h.state_at(t);
            if (!(scrubbed == naive)) QFAIL(qPrintable(QStringLiteral("differs at t=%1").arg(t)));
        }
    }

    void boundedHistoryForgetsTheOldestAndStaysExact() {
        // A long live session: the fixture again and again, 1000 ms apart.
        const auto once = load_fixture();
        std::vector<Event> all;
        History bounded(/*checkpoint_every=*/16, /*max_events=*/400);
        std::size_t forgotten = 0;
        for (int round = 0; round < 50; ++round) {
            std::vector<Event> batch = once;
            for (Event& e : batch)
                e.t_ms += round * 1000;
            forgotten += bounded.append(batch);
            all.insert(all.end(), batch.begin(), batch.end());
            QVERIFY(bounded.size() <= 400);
        }
        QCOMPARE(forgotten + bounded.size(), all.size());
        QCOMPARE(bounded.forgotten(), forgotten);
        // Every remembered moment is exactly what a fold of everything says.
        for (std::int64_t t = bounded.start_ms(); t <= bounded.end_ms(); t += 37) {
            ClusterState naive;
            for (const Event& e : all) {
                if (e.t_ms <= t) naive.apply(e);
            }
            naive.advance_to(t);
            if (!(bounded.state_at(t) == naive)) QFAIL(qPrintable(QStringLiteral("t=%1").arg(t)));
        }
        QVERIFY(bounded.head() == bounded.state_at(bounded.end_ms()));
        // Flights kept are only the remembered ones, still in send order.
        QVERIFY(!bounded.flights().empty());
        QVERIFY(bounded.flights().front().sent_ms >= bounded.start_ms());
    }

    void historyAdoptsWhatAnotherThreadFolded() {
        // The live path: a fold elsewhere (the merge thread's EventFold), the
        // History only adopting, must give what append() gives, batch
        // boundaries and a bound notwithstanding.
        const auto once = load_fixture();
        std::vector<Event> all;
        for (int round = 0; round < 20; ++round) {
            for (Event e : once) {
                e.t_ms += round * 1000;
                all.push_back(e);
            }
        }
        History appended(/*checkpoint_every=*/16, /*max_events=*/400);
        History adopted(16, 400);
        EventFold fold(16);
        std::size_t appended_forgot = 0, adopted_forgot = 0;
        for (std::size_t at = 0; at < all.size(); at += 37) {
            const std::vector<Event> batch(
                all.begin() + static_cast<std::ptrdiff_t>(at),
                all.begin() + static_cast<std::ptrdiff_t>(std::min(at + 37, all.size())));
            appended_forgot += appended.append(batch);
            FoldedBatch folded;
            fold.fold_into(folded, std::vector<Event>(batch));
            if (at % 74 == 0 && at + 37 < all.size()) {
                // Two batches the UI thread did not take in between: merged.
                const std::vector<Event> next(
                    all.begin() + static_cast<std::ptrdiff_t>(at + 37),
                    all.begin() + static_cast<std::ptrdiff_t>(std::min(at + 74, all.size())));
                FoldedBatch more;
                fold.fold_into(more, std::vector<Event>(next));
                append_batch(folded, std::move(more));
                appended_forgot += appended.append(next);
                at += 37;
            }
            std::size_t forgot = 0;
            QVERIFY(adopted.adopt(std::move(folded), &forgot));
            adopted_forgot += forgot;
        }
        QVERIFY(appended_forgot > 0);
        QCOMPARE(adopted_forgot, appended_forgot);
        QCOMPARE(adopted.size(), appended.size());
        QCOMPARE(adopted.checkpoint_count(), appended.checkpoint_count());
        QVERIFY(adopted.head() == appended.head());
        for (std::size_t i = 0; i < adopted.size(); ++i) {
            QCOMPARE(adopted.narration(i), appended.narration(i));
            QCOMPARE(adopted.event(i).t_ms, appended.event(i).t_ms);
        }
        for (std::int64_t t = adopted.start_ms(); t <= adopted.end_ms(); t += 53)
            QVERIFY(adopted.state_at(t) == appended.state_at(t));
        QCOMPARE(adopted.flights().size(), appended.flights().size());

        // A batch folded for another history is refused, and changes nothing.
        FoldedBatch stray;
        EventFold other(16);
        other.fold_into(stray, std::vector<Event>(once));
        QVERIFY(!adopted.adopt(std::move(stray)));
        QCOMPARE(adopted.size(), appended.size());
    }

    void stateAtAPastMoment() {
        History h;
        h.append(load_fixture());
        // At 250 ms node 1 leads term 1 and everyone has committed index 2.
        ClusterState s = h.state_at(250);
        QCOMPARE(s.leader(), NodeId(1));
        QCOMPARE(s.node(1)->commit_index, Index(2));
        QCOMPARE(s.node(2)->commit_index, Index(2));
        QCOMPARE(s.node(2)->applied_index, Index(2));
        // The leader learned both followers' match_index from AppendResp.
        QCOMPARE(s.node(1)->progress.at(2).match_index, Index(2));
        QCOMPARE(s.node(1)->progress.at(3).next_index, Index(3));
        // At 400 ms the leader is dead and nobody leads yet.
        s = h.state_at(400);
        QVERIFY(s.node(1)->liveness == Liveness::Killed);
        QCOMPARE(s.leader(), NodeId(0));
        // At 750 ms node 1 is partitioned away.
        s = h.state_at(750);
        QVERIFY(s.link_cut(1, 2));
        QVERIFY(s.link_cut(3, 1));
        QVERIFY(!s.link_cut(2, 3));
    }

    void pairsMessagesIntoFlights() {
        History h;
        h.append(load_fixture());
        int delivered = 0, dropped = 0;
        for (const Flight& f : h.flights()) {
            QVERIFY(f.done_ms < 0 || f.done_ms >= f.sent_ms);
            delivered += f.done_ms >= 0 && !f.dropped;
            dropped += f.dropped;
        }
        QCOMPARE(dropped, 3);  // Vote and Append to dead node 1, a heartbeat across the partition
        QVERIFY(delivered > 20);
        // The vote request 1 -> 2 of term 1 was in the air at 182 ms.
        bool found = false;
        for (const Flight* f : h.flights_between(182, 182)) {
            found |= f->from == 1 && f->to == 2 && f->type == MsgType::Vote;
        }
        QVERIFY(found);
    }

    void narratesAnElectionInPlainWords() {
        History h;
        h.append(load_fixture());
        bool saw = false;
        for (std::size_t i = 0; i < h.size(); ++i) {
            if (h.event(i).kind == EventKind::Role && h.event(i).to_role == Role::Leader &&
                h.event(i).node == 2) {
                // The node's own account of its votes, as the simulator writes it.
                QCOMPARE(QString::fromStdString(h.narration(i)),
                         QStringLiteral("Node 2 became Leader in term 2 — won election with votes "
                                        "from 2,3, after node 1 (the old leader) was killed"));
                saw = true;
                // Without the node's own account, the votes the viewer saw arrive are named.
                ClusterState before;
                for (std::size_t j = 0; j < i; ++j)
                    before.apply(h.event(j));
                Event won = h.event(i);
                won.text.clear();
                QCOMPARE(
                    QString::fromStdString(narrate(won, before)),
                    QStringLiteral("Node 2 became Leader in term 2 — won the election with "
                                   "votes from 2, 3, after node 1 (the old leader) was killed"));
            }
        }
        QVERIFY(saw);
        // Unknown kinds keep what they said.
        const auto odd =
            parse_trace_line(R"({"t":0,"node":0,"kind":"run","seed":7,"profile":"calm"})");
        QCOMPARE(QString::fromStdString(narrate(*odd.event, ClusterState{})),
                 QStringLiteral("Cluster: run — profile=calm seed=7"));
    }
};

QTEST_GUILESS_MAIN(TestClusterState)
#include "test_cluster_state.moc"
