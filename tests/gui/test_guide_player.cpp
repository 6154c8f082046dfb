// The guide player on real processes (offscreen): `raftlab --guide` plays
// scenarios/library/single-node-expansion.toml through the scenario
// engine's own Runner. Next runs one step at a time (node 1 starts and
// leads), Run all plays the rest: node 2 joins and is promoted, node 3
// joins, a write reaches node 3, the leader is killed and a new one takes
// over, the old one rejoins; every expectation holds. The window's own
// model shows what the runner saw, and closing leaves no raftlab-node.
#include <QAction>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QListWidget>
#include <QtTest>
#include <set>

#include "gui/app/guide_panel.h"
#include "gui/app/main_window.h"
#include "gui/live/scenario_player.h"
#include "gui/views/cluster_view.h"
#include "scenarios/runner/runner.h"
#include "tests/gui/node_children.h"

using namespace raftlab::gui;

namespace {

QString node_bin() {
    const QString env = qEnvironmentVariable("RAFTLAB_NODE_BIN");
    return env.isEmpty() ? QStringLiteral(RAFTLAB_NODE_BIN) : env;
}

QString guide_file() {
    return QString::fromStdString(raftlab::scenario::default_library_dir() +
                                  "/single-node-expansion.toml");
}

using raftlab::gui::test::node_children;

}  // namespace

class TestGuidePlayer : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase() {
        if (!QFileInfo(node_bin()).isExecutable())
            QSKIP("raftlab-node is not built; build it or set RAFTLAB_NODE_BIN");
    }

    void badScenarioSaysWhere() {
        QTemporaryFile f;
        QVERIFY(f.open());
        f.write("name = \"x\"\n[[step]]\ndo = \"explode\"\n");
        f.flush();
        MainWindow w;
        const QString why = w.startScenario(f.fileName(), node_bin());
        QVERIFY2(why.contains(QStringLiteral("explode")), qPrintable(why));
        QVERIFY(w.scenarioPlayer() == nullptr);
    }

    void guideRunsToTheEnd() {
        QVERIFY(node_children().empty());
        auto* w = new MainWindow;
        w->resize(1400, 900);
        QCOMPARE(w->startScenario(guide_file(), node_bin()), QString());
        w->show();
        GuidePanel* guide = w->guidePanel();
        ScenarioPlayer* player = w->scenarioPlayer();
        QVERIFY(guide && player);
        const int steps = static_cast<int>(player->scenario().steps.size());
        QVERIFY(steps >= 10);
        QVERIFY(w->actions().guideNext->isEnabled());
        QVERIFY(!w->actions().guideNext->shortcut().isEmpty());

        // Nothing runs before Next: the runner waits before step 1.
        QTest::qWait(300);
        QCOMPARE(guide->currentStep(), 0);
        QVERIFY(node_children().empty());
        QVERIFY(guide->narrationText().contains(QStringLiteral("single-node cluster")));

        // Next, three times: the note, start node 1, wait for it to lead.
        for (int i = 1; i <= 3; ++i) {
            w->actions().guideNext->trigger();
            QTRY_COMPARE_WITH_TIMEOUT(guide->currentStep(), i, 20000);
        }
        QTRY_VERIFY_WITH_TIMEOUT(guide->expectationsHeld() >= 1, 20000);
        QVERIFY2(guide->expectationText().contains(QStringLiteral("holds")),
                 qPrintable(guide->expectationText()));
        QCOMPARE(node_children().size(), std::size_t{1});
        // The window streams node 1 and shows it as Leader.
        QTRY_VERIFY_WITH_TIMEOUT(w->session().history().head().leader() == 1, 10000);
        // The step after the wait is not run until Next: still one node.
        QTest::qWait(300);
        QCOMPARE(guide->currentStep(), 3);

        // Run all: the rest of the guide.
        w->actions().guideRunAll->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(guide->runOver(), 170000);
        // On a failure, say which expectation and what the guide told the person.
        QVERIFY2(guide->exitCode() == static_cast<int>(raftlab::scenario::kPassed),
                 qPrintable(QStringLiteral("exit %1; %2\n%3")
                                .arg(guide->exitCode())
                                .arg(guide->expectationText(), guide->narrationText())));
        QCOMPARE(guide->expectationsFailed(), 0);
        QVERIFY(guide->expectationsHeld() >= 8);
        QCOMPARE(guide->stepsDone(), steps);
        QVERIFY(!w->actions().guideNext->isEnabled());
        // What the window saw: three voters, nodes 2 and 3 promoted.
        const ClusterState& head = w->session().history().head();
        for (NodeId id : {1, 2, 3}) {
            QVERIFY2(head.node(id) != nullptr, qPrintable(QString::number(id)));
            QCOMPARE(head.node(id)->membership, Membership::Voter);
        }
        QVERIFY(head.node(2)->promoted_at_ms >= 0);
        QVERIFY(head.node(3)->promoted_at_ms >= 0);

        w->close();
        delete w;
        QVERIFY(node_children().empty());
    }

    void closingMidRunStopsEveryNode() {
        auto* w = new MainWindow;
        QCOMPARE(w->startScenario(guide_file(), node_bin()), QString());
        w->show();
        w->actions().guideRunAll->trigger();
        // Node 1 runs; close while the guide is still going.
        QTRY_VERIFY_WITH_TIMEOUT(node_children().size() >= 1, 20000);
        QElapsedTimer t;
        t.start();
        w->close();
        delete w;
        QVERIFY(node_children().empty());
        QVERIFY2(t.elapsed() < 15000, qPrintable(QString::number(t.elapsed())));
    }
};

QTEST_MAIN(TestGuidePlayer)
#include "test_guide_player.moc"
