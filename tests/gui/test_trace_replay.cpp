// A recorded trace replays through the same path the app uses
// (TraceFileSource -> LabSession -> NodeTableModel) and shows the same
// leader sequence; scrubbing back shows the past cluster.
#include <QPointer>
#include <QSignalSpy>
#include <QtTest>

#include "gui/model/lab_session.h"
#include "gui/model/trace_file_source.h"
#include "gui/models/model_roles.h"
#include "gui/models/node_table_model.h"

using namespace raftlab::gui;

namespace {

const QString kFixture = QStringLiteral(RAFTLAB_GUI_TEST_DATA "/three_nodes_failover.jsonl");

// The node the table shows as a live Leader, or 0.
quint64 leader_in_table(const NodeTableModel& m) {
    quint64 leader = 0;
    for (int r = 0; r < m.rowCount(); ++r) {
        const QString role = m.index(r, NodeTableModel::RoleCol).data().toString();
        const QString status = m.index(r, NodeTableModel::Status).data().toString();
        if (role == QLatin1String("Leader") && !status.contains(QLatin1String("killed"))) {
            leader = m.index(r, NodeTableModel::Node).data(NodeIdRole).value<quint64>();
        }
    }
    return leader;
}

}  // namespace

class TestTraceReplay : public QObject {
    Q_OBJECT
  private slots:
    void replaysTheLeaderSequenceWhenScrubbed() {
        LabSession session;
        NodeTableModel table;
        connect(&session, &LabSession::playheadChanged, &table,
                [&] { table.setState(session.state()); });
        QSignalSpy ended(&session, &LabSession::sourceEnded);
        session.setSource(new TraceFileSource(kFixture, /*speed=*/0));
        QCOMPARE(ended.count(), 1);  // speed 0 delivers the whole file at once
        QCOMPARE(table.rowCount(), 3);

        // Step the playhead through every event time, as the scrubber does.
        QList<quint64> leaders;
        const History& h = session.history();
        for (std::size_t i = 0; i < h.size(); ++i) {
            session.seek(h.event(i).t_ms);
            const quint64 l = leader_in_table(table);
            if (l != 0 && (leaders.isEmpty() || leaders.last() != l)) leaders.append(l);
        }
        QCOMPARE(leaders, (QList<quint64>{1, 2}));

        // Scrub back to the first term: node 1 leads, node 2 follows it.
        session.seek(250);
        QCOMPARE(leader_in_table(table), quint64(1));
        QCOMPARE(table.index(1, NodeTableModel::Leader).data().toString(), QStringLiteral("1"));
        QCOMPARE(table.index(1, NodeTableModel::Commit).data().toString(), QStringLiteral("2"));
        // The leader's view of node 2: it matches all 2 of the leader's entries.
        QCOMPARE(table.index(1, NodeTableModel::CatchUp).data().toString(),
                 QStringLiteral("2 / 2"));
        QCOMPARE(table.index(0, NodeTableModel::CatchUp).data().toString(),
                 QStringLiteral("leader: 2"));
        // Between the crash and the new election nobody leads.
        session.seek(400);
        QCOMPARE(leader_in_table(table), quint64(0));
        QVERIFY(table.index(0, NodeTableModel::Status).data().toString().contains("killed"));
    }

    void replaysInLabTimeAtASpeedFactor() {
        // 800 ms of trace at 20x arrives in about 40 ms of wall time.
        LabSession session;
        QSignalSpy ended(&session, &LabSession::sourceEnded);
        auto* source = new TraceFileSource(kFixture, /*speed=*/20);
        session.setSource(source);
        session.setFollowing(true);
        QVERIFY(session.history().size() < 104);  // not all at once
        QTRY_VERIFY_WITH_TIMEOUT(ended.count() == 1, 5000);
        QCOMPARE(session.history().size(), std::size_t(104));
        QCOMPARE(session.state().leader(), NodeId(2));
    }

    void replacingASourceSilencesTheOldOne() {
        LabSession session;
        auto* first = new TraceFileSource(kFixture, /*speed=*/5);  // still streaming
        session.setSource(first);
        QPointer<EventSource> old(first);
        session.setSource(new TraceFileSource(kFixture, /*speed=*/0));  // all at once
        QCOMPARE(session.history().size(), std::size_t(104));
        // Whatever the old source still says must not reach the new history.
        QVERIFY(!old.isNull());
        Event stray;
        stray.t_ms = 1;
        emit old->eventsArrived({stray});
        QCOMPARE(session.history().size(), std::size_t(104));
        // And it goes away with the next turn of the event loop.
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
        QVERIFY(old.isNull());
    }

    void playingMovesThePlayheadToTheEnd() {
        LabSession session;
        session.setSource(new TraceFileSource(kFixture, 0));
        session.setSpeed(50);  // 800 ms of lab time in ~16 ms of wall time
        QSignalSpy playing(&session, &LabSession::playingChanged);
        session.play();
        QVERIFY(session.isPlaying());
        QTRY_VERIFY_WITH_TIMEOUT(!session.isPlaying(), 5000);
        QCOMPARE(session.playhead(), session.history().end_ms());
        QCOMPARE(session.state(), session.history().head());
    }

    void reportsAMissingFile() {
        LabSession session;
        QSignalSpy errors(&session, &LabSession::error);
        session.setSource(new TraceFileSource(QStringLiteral("/nonexistent/trace.jsonl"), 0));
        QCOMPARE(errors.count(), 1);
        QVERIFY(errors.at(0).at(0).toString().contains("/nonexistent/trace.jsonl"));
    }
};

QTEST_GUILESS_MAIN(TestTraceReplay)
#include "test_trace_replay.moc"
