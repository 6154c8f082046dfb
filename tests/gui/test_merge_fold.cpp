// The live source's merge thread (MergeFold), with no streams and no
// widgets: interleaved pushes come out in time order, folded and narrated,
// never past the horizon, and the health board is judged there.
#include <QDeadlineTimer>
#include <QtTest>
#include <atomic>

#include "gui/live/merge_fold.h"

using namespace raftlab::gui;

namespace {

Event role(NodeId node, Role to, Term term, std::int64_t t_ms) {
    Event e;
    e.kind = EventKind::Role;
    e.kind_name = "role";
    e.node = node;
    e.from_role = Role::Follower;
    e.to_role = to;
    e.term = term;
    e.t_ms = t_ms;
    e.t_ns = t_ms * 1'000'000;
    return e;
}

// The next folded batch, waiting for it up to `ms` (take() empties the
// outbox, so it cannot sit inside QTRY_VERIFY, which evaluates twice).
std::shared_ptr<FoldedBatch> take_within(MergeFold& merge, int ms) {
    QDeadlineTimer deadline(ms);
    while (!deadline.hasExpired()) {
        if (auto batch = merge.take()) return batch;
        QTest::qWait(10);
    }
    return nullptr;
}

}  // namespace

class TestMergeFold : public QObject {
    Q_OBJECT
  private slots:
    void foldsInTimeOrderUpToTheHorizon() {
        std::atomic<std::int64_t> horizon{25'000'000};  // 25 ms
        MergeFold merge([&] { return horizon.load(); });
        // Two "streams", each in order, pushed interleaved and out of order.
        merge.push({role(2, Role::Candidate, 1, 20), role(2, Role::Candidate, 2, 40)});
        merge.push({role(1, Role::Candidate, 1, 10), role(1, Role::Leader, 1, 30)});
        merge.start();
        const std::shared_ptr<FoldedBatch> first = take_within(merge, 5000);
        QVERIFY(first != nullptr);
        // Only what no stream can still undercut: t <= 25 ms.
        QCOMPARE(first->size(), std::size_t{2});
        QCOMPARE(first->folded_before, std::size_t{0});
        QCOMPARE(first->events[0].node, NodeId(1));
        QCOMPARE(first->events[1].node, NodeId(2));
        QCOMPARE(first->narrations.size(), first->events.size());
        QVERIFY(QString::fromStdString(first->narrations[0]).contains(QStringLiteral("Node 1")));
        QVERIFY(first->head.node(2) != nullptr);

        horizon = 1'000'000'000;
        const std::shared_ptr<FoldedBatch> rest = take_within(merge, 5000);
        QVERIFY(rest != nullptr);
        QCOMPARE(rest->folded_before, std::size_t{2});
        QCOMPARE(rest->size(), std::size_t{2});
        QCOMPARE(rest->events[0].t_ms, 30);
        QCOMPARE(rest->events[1].t_ms, 40);
        QCOMPARE(rest->head.leader(), NodeId(1));
        // Node 1 led term 1: the board judged it on the merge thread.
        QTRY_COMPARE_WITH_TIMEOUT(merge.health()[HealthBoard::ElectionSafety].light, Light::Holds,
                                  5000);
        merge.stop();
        QCOMPARE(merge.shed(), std::uint64_t{0});
    }
};

QTEST_GUILESS_MAIN(TestMergeFold)
#include "test_merge_fold.moc"
