// The live lab on real processes (offscreen): the app's own entry point
// starts a 3-node cluster through the Supervisor, Lab.Watch streams fill the
// Nodes table, the Kill -9 QAction kills the leader and a new leader shows
// up within the failover bound; network presets cut and heal real links;
// closing the window leaves no raftlab-node behind.
#include <QAction>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QPushButton>
#include <QTemporaryDir>
#include <QtTest>
#include <set>
#include <sstream>

#include "gui/app/health_panel.h"
#include "gui/app/main_window.h"
#include "gui/live/health_board.h"
#include "gui/live/lab_controller.h"
#include "gui/live/live_watch_source.h"
#include "gui/models/node_table_model.h"
#include "gui/views/client_chart.h"
#include "gui/views/cluster_view.h"
#include "scenarios/runner/runner.h"
#include "tests/gui/node_children.h"

using namespace raftlab::gui;

namespace {

// Failover bound of the lab's timing (150–300 ms election timeout, PreVote
// round first) with room for a loaded 2-core machine.
constexpr int kFailoverBoundMs = 5000;
// Three processes start, elect and report, on a shared machine.
constexpr int kStartBoundMs = 20000;

QString node_bin() {
    const QString env = qEnvironmentVariable("RAFTLAB_NODE_BIN");
    return env.isEmpty() ? QStringLiteral(RAFTLAB_NODE_BIN) : env;
}

using raftlab::gui::test::node_children;

// The node the Nodes table shows as Leader, alive, agreed on by every live
// node; kNoNode while there is none.
NodeId agreed_leader(const NodeTableModel& m, int want_nodes) {
    NodeId leader = kNoNode;
    int live = 0;
    for (int r = 0; r < m.rowCount(); ++r) {
        const NodeState* n = m.nodeAt(r);
        if (n->liveness != Liveness::Alive) continue;
        ++live;
        if (n->role == Role::Leader) {
            if (leader != kNoNode) return kNoNode;  // two claim it: not settled yet
            leader = n->id;
        }
    }
    if (leader == kNoNode || live < want_nodes) return kNoNode;
    for (int r = 0; r < m.rowCount(); ++r) {
        const NodeState* n = m.nodeAt(r);
        if (n->liveness == Liveness::Alive && n->leader != leader) return kNoNode;
    }
    return leader;
}

const NodeState* row_of(const NodeTableModel& m, NodeId id) {
    for (int r = 0; r < m.rowCount(); ++r)
        if (m.nodeAt(r)->id == id) return m.nodeAt(r);
    return nullptr;
}

// Who led, in order: every node that became Leader, each change once.
std::vector<NodeId> leader_sequence(const History& h) {
    std::vector<NodeId> out;
    for (std::size_t i = 0; i < h.size(); ++i) {
        const Event& e = h.event(i);
        // A node's own state counts too: on a loaded machine the first
        // election can be over before that node's Watch stream opens, and
        // then its first word is a NodeState saying it leads, not the role
        // change. Saved traces keep those states, so a replay sees the same.
        const bool leads = (e.kind == EventKind::Role && e.to_role == Role::Leader) ||
                           (e.kind == EventKind::State && e.live && e.live->role == Role::Leader);
        if (leads && (out.empty() || out.back() != e.node)) out.push_back(e.node);
    }
    return out;
}

}  // namespace

class TestLiveCluster : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase() {
        if (!QFileInfo(node_bin()).isExecutable()) {
            QSKIP("raftlab-node is not built");
        }
    }

    void killLeaderFromTheActionElectsANewOne() {
        MainWindow w;
        w.resize(1200, 800);
        w.show();
        QVERIFY(!w.actions().killNode->isEnabled());  // nothing live yet
        w.startLocalCluster(3, node_bin());
        QTRY_VERIFY_WITH_TIMEOUT(agreed_leader(*w.nodeModel(), 3) != kNoNode, kStartBoundMs);
        const NodeId old = agreed_leader(*w.nodeModel(), 3);
        const Term old_term = row_of(*w.nodeModel(), old)->term;

        w.clusterView()->selectNode(old);
        QTRY_VERIFY_WITH_TIMEOUT(w.actions().killNode->isEnabled(), 2000);
        QElapsedTimer clock;
        clock.start();
        w.actions().killNode->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                const NodeId now = agreed_leader(*w.nodeModel(), 2);
                return now != kNoNode && now != old;
            }(),
            kFailoverBoundMs);
        const NodeId fresh = agreed_leader(*w.nodeModel(), 2);
        qInfo("leader %llu killed from the action; node %llu leads after %lld ms",
              static_cast<unsigned long long>(old), static_cast<unsigned long long>(fresh),
              static_cast<long long>(clock.elapsed()));
        QVERIFY(row_of(*w.nodeModel(), fresh)->term > old_term);
        QCOMPARE(row_of(*w.nodeModel(), old)->liveness, Liveness::Killed);

        // Record and reproduce: the session saved as a trace replays with
        // no processes and shows the same leader sequence.
        QTemporaryDir dir;
        const QString trace = dir.filePath(QStringLiteral("session.jsonl"));
        QCOMPARE(w.saveTrace(trace), QString());
        const auto live_leaders = leader_sequence(w.session().history());
        QVERIFY(live_leaders.size() >= 2);
        QCOMPARE(live_leaders.back(), fresh);
        w.close();
        QVERIFY(node_children().empty());
        MainWindow replay;
        replay.openTrace(trace);
        QVERIFY2(replay.lastError().isEmpty(), qPrintable(replay.lastError()));
        QCOMPARE(leader_sequence(replay.session().history()), live_leaders);
        QCOMPARE(replay.session().history().head().leader(), fresh);
        QCOMPARE(replay.session().history().head().node(old)->liveness, Liveness::Killed);
    }

    void restartedNodeReappearsAndFollows() {
        MainWindow w;
        w.show();
        w.startLocalCluster(3, node_bin());
        QTRY_VERIFY_WITH_TIMEOUT(agreed_leader(*w.nodeModel(), 3) != kNoNode, kStartBoundMs);
        const NodeId leader = agreed_leader(*w.nodeModel(), 3);
        const NodeId follower = leader == 1 ? 2 : 1;
        w.clusterView()->selectNode(follower);
        QTRY_VERIFY_WITH_TIMEOUT(w.actions().restartNode->isEnabled(), 2000);
        w.actions().restartNode->trigger();
        // Its stream ends, then reopens by itself: after the restart the
        // node reports its state again and follows a leader.
        auto reported_after_restart = [&] {
            const History& h = w.session().history();
            bool restarted = false;
            for (std::size_t i = 0; i < h.size(); ++i) {
                const Event& e = h.event(i);
                if (e.node != follower) continue;
                if (e.kind == EventKind::Fault && e.what == "restart") restarted = true;
                if (restarted && e.kind == EventKind::State) return true;
            }
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(reported_after_restart(), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(agreed_leader(*w.nodeModel(), 3) != kNoNode, 10000);
        w.close();
    }

    void isolatingTheLeaderMovesLeadershipAndHealingReunites() {
        MainWindow w;
        w.show();
        w.startLocalCluster(3, node_bin());
        QTRY_VERIFY_WITH_TIMEOUT(agreed_leader(*w.nodeModel(), 3) != kNoNode, kStartBoundMs);
        const NodeId old = agreed_leader(*w.nodeModel(), 3);
        w.actions().isolateLeader->trigger();
        // The majority elects someone else; the cut shows on the links.
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                const ClusterState& s = w.session().history().head();
                const NodeId l = s.leader();
                return l != kNoNode && l != old;
            }(),
            kFailoverBoundMs);
        const ClusterState& s = w.session().history().head();
        for (NodeId id : s.node_ids())
            if (id != old) QVERIFY(s.link_cut(old, id));
        w.actions().healAll->trigger();
        // The old leader hears the higher term and follows (§5.1).
        QTRY_VERIFY_WITH_TIMEOUT(
            agreed_leader(*w.nodeModel(), 3) != kNoNode && agreed_leader(*w.nodeModel(), 3) != old,
            kFailoverBoundMs);
        for (NodeId id : w.session().history().head().node_ids())
            QVERIFY(!w.session().history().head().link_cut(old, id));
        w.close();
    }

    void savedSessionReplaysAsAScenario() {
        // Kill the leader, restart it, write a key, isolate the new leader
        // and heal, add a node, read and delete the key, all through the
        // window's actions; save the session as
        // a scenario; the scenario engine runs the file and it passes.
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("repro.toml"));
        {
            MainWindow w;
            w.show();
            w.startLocalCluster(3, node_bin());
            QTRY_VERIFY_WITH_TIMEOUT(agreed_leader(*w.nodeModel(), 3) != kNoNode, kStartBoundMs);
            const NodeId old = agreed_leader(*w.nodeModel(), 3);
            w.clusterView()->selectNode(old);
            QTRY_VERIFY_WITH_TIMEOUT(w.actions().killNode->isEnabled(), 2000);
            w.actions().killNode->trigger();
            QTRY_VERIFY_WITH_TIMEOUT(agreed_leader(*w.nodeModel(), 2) != kNoNode &&
                                         agreed_leader(*w.nodeModel(), 2) != old,
                                     kFailoverBoundMs);
            w.clusterView()->selectNode(old);
            w.actions().restartNode->trigger();
            QTRY_VERIFY_WITH_TIMEOUT(agreed_leader(*w.nodeModel(), 3) != kNoNode, 10000);
            w.controller()->clientOp(agreed_leader(*w.nodeModel(), 3), QStringLiteral("put"),
                                     QStringLiteral("k"), QStringLiteral("v"), 0);
            // The client chart: the node acknowledged a write, and the lab's
            // own call has a latency.
            QTRY_VERIFY_WITH_TIMEOUT(w.clientChart()->latencyPoints() >= 1, 5000);
            QTRY_VERIFY_WITH_TIMEOUT(w.clientChart()->peakWritesPerSecond() >= 1, 5000);
            // Live health, as the Health dock shows it: the applied entries
            // read back from the nodes agree (State Machine Safety), and the
            // lab's own put checks as linearizable.
            auto shown = [&w](HealthBoard::Check c) {
                return w.healthPanel()->button(c)->accessibleName();
            };
            QTRY_VERIFY_WITH_TIMEOUT(shown(HealthBoard::StateMachineSafety).endsWith(": holds"),
                                     10000);
            QTRY_VERIFY_WITH_TIMEOUT(shown(HealthBoard::Linearizability).endsWith(": holds"), 5000);
            w.actions().isolateLeader->trigger();
            w.actions().healAll->trigger();
            // Add node (its id is picked as the action fires), then a read
            // and a delete from the client panel's controller.
            QTRY_VERIFY_WITH_TIMEOUT(w.actions().addNode->isEnabled(), 2000);
            w.actions().addNode->trigger();
            QTRY_VERIFY_WITH_TIMEOUT(w.nodeModel()->rowCount() == 4, 10000);
            const NodeId reader = agreed_leader(*w.nodeModel(), 3);
            w.controller()->clientOp(reader == kNoNode ? 1 : reader, QStringLiteral("get"),
                                     QStringLiteral("k"), QString(), 1);
            w.controller()->clientOp(1, QStringLiteral("delete"), QStringLiteral("k"), QString(),
                                     0);
            QCOMPARE(w.saveScenario(file), QString());
            w.close();
        }
        QFile f(file);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(f.readAll());
        QVERIFY2(text.contains(QStringLiteral("do = \"kill\"\nnode = \"leader\"")),
                 qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("do = \"restart\"\nnode = \"leader1\"")),
                 qPrintable(text));
        QVERIFY(text.contains(QStringLiteral("do = \"partition\"")));
        QVERIFY(text.contains(QStringLiteral("do = \"heal\"")));
        QVERIFY(text.contains(QStringLiteral("key = \"k\"")));
        QVERIFY2(text.contains(QStringLiteral("do = \"join\"\nnode = 4")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("do = \"get\"\nkey = \"k\"\nnode = ")),
                 qPrintable(text));
        QVERIFY(text.contains(QStringLiteral("consistency = \"lease\"")));
        QVERIFY2(text.contains(QStringLiteral("do = \"delete\"\nkey = \"k\"")), qPrintable(text));
        // In the order the person acted: the join before the read and the delete.
        QVERIFY(text.indexOf(QStringLiteral("do = \"heal\"")) <
                text.indexOf(QStringLiteral("do = \"join\"")));
        QVERIFY(text.indexOf(QStringLiteral("do = \"join\"")) <
                text.indexOf(QStringLiteral("do = \"get\"")));
        raftlab::scenario::Scenario sc;
        try {
            sc = raftlab::scenario::parse_scenario_file(file.toStdString());
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
        raftlab::scenario::RunOptions options;
        options.node_bin = node_bin().toStdString();
        std::ostringstream out;
        raftlab::scenario::Runner runner(sc, options, out);
        const int code = runner.run();
        QVERIFY2(code == raftlab::scenario::kPassed, out.str().c_str());
    }

    void closingTheWindowStopsEveryProcess() {
        MainWindow w;
        w.show();
        w.startLocalCluster(3, node_bin());
        QTRY_VERIFY_WITH_TIMEOUT(agreed_leader(*w.nodeModel(), 3) != kNoNode, kStartBoundMs);
        QCOMPARE(node_children().size(), std::size_t{3});
        w.close();
        // Gone by the time close() returns: the controller waits for them.
        QVERIFY2(node_children().empty(), "raftlab-node outlived the window");
    }
};

QTEST_MAIN(TestLiveCluster)
#include "test_live_cluster.moc"
