// The log view must stay fast for 1,000,000 entries (issue 7). The model
// stores terms as runs, so building, counting and reading the far end cost
// the same as for a short log, and memory does not grow with the entries.
#include <QElapsedTimer>
#include <QFile>
#include <QtTest>

#include "gui/model/cluster_state.h"
#include "gui/models/log_model.h"
#include "gui/models/model_roles.h"

using namespace raftlab::gui;

namespace {

// Resident set size in KiB, from /proc (Linux only; 0 elsewhere).
long rss_kib() {
    QFile f(QStringLiteral("/proc/self/statm"));
    if (!f.open(QIODevice::ReadOnly)) return 0;
    const QList<QByteArray> parts = f.readAll().split(' ');
    return parts.size() > 1 ? parts[1].toLong() * 4 : 0;
}

Event persist(NodeId node, Index first, Index last, Index commit) {
    Event e;
    e.kind = EventKind::Persist;
    e.node = node;
    e.first = first;
    e.last = last;
    e.commit = commit;
    e.known = kFirst | kLast | kCommit;
    return e;
}

ClusterState cluster_with_log(Index entries) {
    ClusterState s;
    Event lead;
    lead.kind = EventKind::Role;
    lead.node = 1;
    lead.to_role = Role::Leader;
    lead.term = 7;
    lead.known = kTerm;
    s.apply(lead);
    s.apply(persist(1, 1, entries, entries - 10));
    for (NodeId f : {2, 3}) {
        Event hb;
        hb.kind = EventKind::Recv;
        hb.msg = MsgType::Append;
        hb.node = f;
        hb.peer = 1;
        hb.term = 7;
        hb.known = kTerm | kPeer;
        s.apply(hb);
        s.apply(persist(f, 1, entries - 5, entries - 10));
    }
    return s;
}

}  // namespace

class TestLogModelScale : public QObject {
    Q_OBJECT
  private slots:
    void aMillionEntriesCostNothingPerEntry() {
        constexpr Index kEntries = 1'000'000;
        const long before = rss_kib();
        QElapsedTimer timer;
        timer.start();
        const ClusterState state = cluster_with_log(kEntries);
        LogModel model;
        model.setState(state);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.columnCount(), int(kEntries));
        QCOMPARE(state.node(1)->log.run_count(), std::size_t(1));
        QCOMPARE(state.node(2)->log.run_count(), std::size_t(1));

        // The far end, as the view asks for it when scrolled to the right.
        const QModelIndex far = model.index(0, int(kEntries) - 1);
        QCOMPARE(far.data(TermRole).value<quint64>(), quint64(7));
        QVERIFY(!far.data(CommittedRole).toBool());  // the last 10 are not committed
        QVERIFY(model.index(0, int(kEntries) - 11).data(CommittedRole).toBool());
        QCOMPARE(model.index(1, int(kEntries) - 1).data(TermRole).value<quint64>(), quint64(0));
        QCOMPARE(model.headerData(int(kEntries) - 1, Qt::Horizontal).toString(),
                 QStringLiteral("1000000"));
        // A screenful of cells at the far end: 3 rows x 200 columns.
        for (int c = int(kEntries) - 200; c < int(kEntries); ++c) {
            for (int r = 0; r < 3; ++r)
                model.index(r, c).data(TermRole);
        }
        const qint64 ms = timer.elapsed();
        const long grown = rss_kib() - before;
        qInfo("1,000,000-entry log: built and read in %lld ms, RSS grew %ld KiB", ms, grown);
        // Per-entry storage of even 8 bytes would be 8 MB per node.
        QVERIFY2(grown < 4096, qPrintable(QStringLiteral("RSS grew %1 KiB").arg(grown)));
        QVERIFY2(ms < 1000, qPrintable(QStringLiteral("took %1 ms").arg(ms)));
    }

    void growingTheLogInsertsColumnsNotRows() {
        LogModel model;
        model.setState(cluster_with_log(100));
        QSignalSpy inserted(&model, &QAbstractItemModel::columnsInserted);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        model.setState(cluster_with_log(1'000'000));
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(reset.count(), 0);
        QCOMPARE(inserted.at(0).at(1).toInt(), 100);
        QCOMPARE(inserted.at(0).at(2).toInt(), 999'999);
    }
};

QTEST_GUILESS_MAIN(TestLogModelScale)
#include "test_log_model_scale.moc"
