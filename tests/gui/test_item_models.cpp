// Every model of the lab under QAbstractItemModelTester, fed the fixture
// while the tester watches every insert, removal and change.
#include <QAbstractItemModelTester>
#include <QtTest>

#include "gui/model/lab_session.h"
#include "gui/model/trace_file_source.h"
#include "gui/models/event_filter_proxy.h"
#include "gui/models/event_list_model.h"
#include "gui/models/log_model.h"
#include "gui/models/model_roles.h"
#include "gui/models/node_table_model.h"

using namespace raftlab::gui;

namespace {
const QString kFixture = QStringLiteral(RAFTLAB_GUI_TEST_DATA "/three_nodes_failover.jsonl");
constexpr auto kFatal = QAbstractItemModelTester::FailureReportingMode::Fatal;
}  // namespace

class TestItemModels : public QObject {
    Q_OBJECT
  private slots:
    void nodeTableModel() {
        NodeTableModel model;
        QAbstractItemModelTester tester(&model, kFatal);
        LabSession session;
        session.setSource(new TraceFileSource(kFixture, 0));
        const History& h = session.history();
        // Forward, then backward to before any node existed: inserts and resets.
        for (std::size_t i = 0; i < h.size(); ++i)
            model.setState(h.state_at(h.event(i).t_ms));
        model.setState(h.state_at(-1));
        QCOMPARE(model.rowCount(), 0);
        model.setState(h.head());
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.columnCount(), int(NodeTableModel::ColumnCount));
        QCOMPARE(model.headerData(NodeTableModel::Commit, Qt::Horizontal).toString(),
                 QStringLiteral("commit_index"));
    }

    void eventListModelIsABoundedRing() {
        EventListModel model(/*capacity=*/10);
        QAbstractItemModelTester tester(&model, kFatal);
        LabSession session;
        connect(&session, &LabSession::eventsAppended, &model,
                [&](std::size_t first, std::size_t count) {
                    model.append(session.history(), first, count);
                });
        session.setSource(new TraceFileSource(kFixture, /*speed=*/50));
        QTRY_VERIFY_WITH_TIMEOUT(session.history().size() == 104, 5000);
        QCOMPARE(model.rowCount(), 10);  // bounded, whatever the history holds
        // The newest event is last, narrated.
        const QModelIndex last = model.index(9, EventListModel::What);
        QCOMPARE(last.data().toString(),
                 QStringLiteral("The network healed: every link works again"));
        QCOMPARE(model.index(9, 0).data(TimeRole).toLongLong(), 800);
        // One batch bigger than the ring keeps only its newest rows.
        EventListModel small(3);
        QAbstractItemModelTester tester2(&small, kFatal);
        small.append(session.history(), 0, session.history().size());
        QCOMPARE(small.rowCount(), 3);
        QCOMPARE(small.index(2, 0).data(TimeRole).toLongLong(), 800);
        small.clear();
        QCOMPARE(small.rowCount(), 0);
    }

    void eventFilterProxy() {
        EventListModel source;
        EventFilterProxy proxy;
        proxy.setSourceModel(&source);
        QAbstractItemModelTester tester(&proxy, kFatal);
        LabSession session;
        session.setSource(new TraceFileSource(kFixture, 0));
        source.append(session.history(), 0, session.history().size());
        const int all = proxy.rowCount();
        QCOMPARE(all, 104);

        proxy.setFamilyVisible(MsgFamily::Heartbeat, false);
        for (int r = 0; r < proxy.rowCount(); ++r) {
            QVERIFY(proxy.index(r, 0).data(MsgFamilyRole).toInt() != int(MsgFamily::Heartbeat));
        }
        QVERIFY(proxy.rowCount() < all);
        proxy.setFamilyVisible(MsgFamily::Heartbeat, true);
        QCOMPARE(proxy.rowCount(), all);

        proxy.setNodeVisible(1, false);
        for (int r = 0; r < proxy.rowCount(); ++r) {
            QVERIFY(proxy.index(r, 0).data(NodeIdRole).value<quint64>() != 1);
        }
        proxy.setKindVisible(EventKind::Send, false);
        proxy.setKindVisible(EventKind::Recv, false);
        for (int r = 0; r < proxy.rowCount(); ++r) {
            const int kind = proxy.index(r, 0).data(EventKindRole).toInt();
            QVERIFY(kind != int(EventKind::Send) && kind != int(EventKind::Recv));
        }
        // Cluster-wide events (partition, heal) have no node and stay visible.
        bool saw_heal = false;
        for (int r = 0; r < proxy.rowCount(); ++r) {
            saw_heal |= proxy.index(r, EventListModel::What).data().toString().contains("healed");
        }
        QVERIFY(saw_heal);
    }

    void logModel() {
        LogModel model;
        QAbstractItemModelTester tester(&model, kFatal);
        LabSession session;
        session.setSource(new TraceFileSource(kFixture, 0));
        const History& h = session.history();
        for (std::size_t i = 0; i < h.size(); ++i)
            model.setState(h.state_at(h.event(i).t_ms));
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.columnCount(), 3);
        // Node 2 (row 1): index 3 of term 2, committed.
        QCOMPARE(model.index(1, 2).data(TermRole).value<quint64>(), quint64(2));
        QVERIFY(model.index(1, 2).data(CommittedRole).toBool());
        // Scrub back into term 1: columns shrink, node 2 has not committed index 2 yet.
        model.setState(h.state_at(202));
        QCOMPARE(model.columnCount(), 2);
        QVERIFY(!model.index(1, 1).data(CommittedRole).toBool());
        QVERIFY(model.index(0, 1).data(CommittedRole).toBool() == false);
        model.setState(h.state_at(-1));
        QCOMPARE(model.rowCount(), 0);
    }
};

QTEST_GUILESS_MAIN(TestItemModels)
#include "test_item_models.moc"
