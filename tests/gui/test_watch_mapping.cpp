// Lab.Watch events in the viewer's words, and what the fold makes of a
// live node's full state: nanosecond times survive, a NodeState sets role,
// term, indexes, membership and the leader's per-peer match/next at once.
#include <QtTest>

#include "gui/live/watch_mapping.h"
#include "gui/model/cluster_state.h"

using namespace raftlab;
using namespace raftlab::gui;

class TestWatchMapping : public QObject {
    Q_OBJECT
  private slots:
    void timesKeepTheirNanoseconds() {
        pb::WatchEvent w;
        w.set_node_id(2);
        w.set_mono_ns(1'000'000'000 + 2'345'678);
        auto* m = w.mutable_message();
        m->set_direction(pb::MessageEvent::SENT);
        m->set_type("Append");
        m->set_peer(3);
        m->set_term(4);
        m->set_index(9);
        m->set_entries(2);
        const auto e = from_watch_event(w, 1'000'000'000);
        QVERIFY(e.has_value());
        QCOMPARE(e->t_ns, std::int64_t{2'345'678});
        QCOMPARE(e->t_ms, std::int64_t{2});
        QCOMPARE(e->kind, EventKind::Send);
        QCOMPARE(e->msg, MsgType::Append);
        QCOMPARE(e->peer, NodeId{3});
        QCOMPARE(e->entries, std::uint64_t{2});
    }

    void aNodeStateSetsTheWholeNode() {
        pb::WatchEvent w;
        w.set_node_id(1);
        w.set_mono_ns(50'000'000);
        auto* s = w.mutable_state();
        s->set_role(2);  // Leader
        s->set_term(5);
        s->set_vote(1);
        s->set_leader_id(1);
        s->set_commit_index(12);
        s->set_applied_index(11);
        s->set_last_index(13);
        s->add_voters(1);
        s->add_voters(2);
        s->add_voters(3);
        auto* learner = s->add_learners();
        learner->set_id(4);
        learner->set_status(0);
        auto* p = s->add_peers();
        p->set_id(2);
        p->set_match_index(13);
        p->set_next_index(14);
        p = s->add_peers();
        p->set_id(4);
        p->set_match_index(3);
        p->set_next_index(4);
        const auto e = from_watch_event(w, 0);
        QVERIFY(e.has_value());
        QCOMPARE(e->kind, EventKind::State);

        ClusterState c;
        c.apply(*e);
        const NodeState* n = c.node(1);
        QVERIFY(n != nullptr);
        QCOMPARE(n->role, Role::Leader);
        QCOMPARE(n->term, Term{5});
        QCOMPARE(n->commit_index, Index{12});
        QCOMPARE(n->applied_index, Index{11});
        QCOMPARE(n->last_index(), Index{13});
        QCOMPARE(n->election_reset_ms, std::int64_t{-1});  // a leader has no timer
        QCOMPARE(n->progress.at(2).match_index, Index{13});
        QCOMPARE(n->progress.at(4).next_index, Index{4});
        QCOMPARE(c.node(4)->membership, Membership::Learner);
        QCOMPARE(c.node(3)->membership, Membership::Voter);
        QCOMPARE(c.quorum().voters, 3);
        QCOMPARE(c.leader(), NodeId{1});
    }

    void aLearnersProgressReachesTheClusterState() {
        // The leader's LearnerProgress: match_index against its last index,
        // the lag it accepts before promoting, an InstallSnapshot's bytes.
        pb::WatchEvent w;
        w.set_node_id(1);
        w.set_mono_ns(10'000'000);
        auto* s = w.mutable_state();
        s->set_role(2);
        s->set_term(2);
        s->set_leader_id(1);
        s->set_last_index(5000);
        s->add_voters(1);
        s->add_learners()->set_id(4);
        auto* lp = s->add_learner_progress();
        lp->set_id(4);
        lp->set_match_index(1200);
        lp->set_leader_last_index(5000);
        lp->set_lag_threshold(100);
        lp->set_snapshot_sent_bytes(3 << 20);
        lp->set_snapshot_total_bytes(12 << 20);
        const auto e = from_watch_event(w, 0);
        QVERIFY(e.has_value());
        ClusterState c;
        c.apply(*e);
        const NodeState* leader = c.node(1);
        QCOMPARE(leader->progress.at(4).match_index, Index{1200});
        QCOMPARE(leader->catchup.at(4).lag_threshold, Index{100});
        QCOMPARE(leader->catchup.at(4).snapshot_pct, 25);
        QCOMPARE(c.node(4)->membership, Membership::Learner);
    }

    void appendedEntriesCarryTheirTerm() {
        pb::WatchEvent w;
        w.set_node_id(3);
        auto* r = w.mutable_entries_appended();
        r->set_from(1);
        r->set_to(4);
        r->set_term(2);
        ClusterState c;
        c.apply(*from_watch_event(w, 0));
        QCOMPARE(c.node(3)->last_index(), Index{4});
        QCOMPARE(c.node(3)->log.term_at(3), Term{2});
        pb::WatchEvent committed;
        committed.set_node_id(3);
        committed.mutable_entries_committed()->set_to(3);
        c.apply(*from_watch_event(committed, 0));
        QCOMPARE(c.node(3)->commit_index, Index{3});
    }

    void aRangeAcrossTermsKeepsEveryEntrysTerm() {
        // EntryRange.terms: entries 1-2 of term 1, 3-5 of term 2.
        pb::WatchEvent w;
        w.set_node_id(3);
        auto* r = w.mutable_entries_appended();
        r->set_from(1);
        r->set_to(5);
        r->set_term(2);
        for (auto [first, term] : {std::pair{1, 1}, std::pair{3, 2}}) {
            auto* run = r->add_terms();
            run->set_first_index(first);
            run->set_term(term);
        }
        std::vector<Event> events;
        append_events(w, 0, events);
        QCOMPARE(events.size(), std::size_t{2});
        ClusterState c;
        for (const auto& e : events)
            c.apply(e);
        QCOMPARE(c.node(3)->last_index(), Index{5});
        QCOMPARE(c.node(3)->log.term_at(2), Term{1});
        QCOMPARE(c.node(3)->log.term_at(3), Term{2});

        pb::WatchEvent applied;
        applied.set_node_id(3);
        *applied.mutable_entries_applied() = *r;
        events.clear();
        append_events(applied, 0, events);
        QCOMPARE(events.size(), std::size_t{2});
        QCOMPARE(events[0].kind, EventKind::Apply);
        QCOMPARE(events[0].index, Index{2});
        QCOMPARE(events[0].term, Term{1});
        QCOMPARE(events[1].index, Index{5});
        QCOMPARE(events[1].term, Term{2});
        for (const auto& e : events)
            c.apply(e);
        QCOMPARE(c.node(3)->applied_index, Index{5});

        // One term: no runs, one event, as before.
        r->clear_terms();
        events.clear();
        append_events(w, 0, events);
        QCOMPARE(events.size(), std::size_t{1});
    }

    void aGroupOfClientRequestsBecomesOneEventEach() {
        pb::WatchEvent w;
        w.set_node_id(1);
        w.set_mono_ns(5'000'000);
        auto* g = w.mutable_client_requests();
        g->set_op("put");
        g->add_keys("a");
        g->add_indexes(7);
        g->add_keys("b");
        g->add_indexes(8);
        std::vector<Event> events;
        append_events(w, 0, events);
        QCOMPARE(events.size(), std::size_t{2});
        QCOMPARE(events[0].kind, EventKind::Client);
        QCOMPARE(events[0].what, std::string("put"));
        QCOMPARE(events[0].key, std::string("a"));
        QCOMPARE(events[0].index, Index{7});
        QCOMPARE(events[1].key, std::string("b"));
        QCOMPARE(events[1].index, Index{8});
        QCOMPARE(events[1].node, NodeId{1});
        QCOMPARE(events[1].t_ms, std::int64_t{5});
        QCOMPARE(events[1].text, std::string("ok"));
    }

    void aGroupOfMessagesBecomesOneEventEach() {
        // lab.proto MessageEvents: a leader's appends to both followers in
        // one turn, as numbers (core::MessageType 4 = Append).
        pb::WatchEvent w;
        w.set_node_id(1);
        w.set_mono_ns(7'000'000);
        auto* g = w.mutable_messages();
        g->set_direction(pb::MessageEvent::SENT);
        for (std::uint64_t peer : {2, 3}) {
            g->add_types(4);
            g->add_peers(peer);
            g->add_terms(5);
            g->add_indexes(9);
            g->add_log_terms(5);
            g->add_entries(3);
            g->add_bytes(900);
            g->add_commits(8);
            g->add_rejects(false);
        }
        std::vector<Event> events;
        append_events(w, 0, events);
        QCOMPARE(events.size(), std::size_t{2});
        for (std::size_t i = 0; i < 2; ++i) {
            QCOMPARE(events[i].kind, EventKind::Send);
            QCOMPARE(events[i].msg, MsgType::Append);
            QCOMPARE(events[i].node, NodeId{1});
            QCOMPARE(events[i].peer, NodeId{2 + i});
            QCOMPARE(events[i].term, Term{5});
            QCOMPARE(events[i].index, Index{9});
            QCOMPARE(events[i].entries, std::uint64_t{3});
            QCOMPARE(events[i].commit, Index{8});
            QCOMPARE(events[i].t_ms, std::int64_t{7});
        }
    }

    void aLostStreamMarksTheNodeDownAndItsNextStateRevivesIt() {
        ClusterState c;
        Event down;
        down.kind = EventKind::Fault;
        down.node = 2;
        down.what = "unreachable";
        c.apply(down);
        QCOMPARE(c.node(2)->liveness, Liveness::Killed);
        pb::WatchEvent w;
        w.set_node_id(2);
        w.mutable_state()->set_term(3);
        c.apply(*from_watch_event(w, 0));
        QCOMPARE(c.node(2)->liveness, Liveness::Alive);
        QCOMPARE(c.node(2)->term, Term{3});
    }
};

QTEST_MAIN(TestWatchMapping)
#include "test_watch_mapping.moc"
