// Core microbenchmark: a 3-node simulated cluster under steady proposals, no
// faults. Reports simulator steps per second (one step = 10 ms of virtual time,
// every node ticking and all its messages delivered) and committed proposals
// per second of wall time. It is a benchmark, not a timed test: ctest never runs it.
//
//   build/bin/bench_sim_core                 QBENCHMARK's own report plus the figures
//   build/bin/bench_sim_core -iterations 50  a steadier average
#include <QElapsedTimer>
#include <QTest>
#include <map>

#include "tests/sim/sim_cluster.h"

using namespace raftlab;

class BenchSimCore : public QObject {
    Q_OBJECT

  private slots:
    void steady_proposals_data();
    void steady_proposals();
    void cleanupTestCase();

  private:
    struct Totals {
        std::uint64_t steps = 0, acked = 0, events = 0;
        qint64 nanos = 0;
    };
    std::map<int, Totals> totals_;  // per proposals/step, summed over QBENCHMARK's reruns
};

void BenchSimCore::steady_proposals_data() {
    QTest::addColumn<int>("per_step");  // proposals offered to the leader per step
    QTest::newRow("1 proposal/step") << 1;
    QTest::newRow("10 proposals/step") << 10;
    QTest::newRow("100 proposals/step") << 100;
}

void BenchSimCore::steady_proposals() {
    QFETCH(int, per_step);
    sim::ClusterOptions o;
    o.seed = 42;
    o.voters = 3;
    o.net.min_delay_ms = 1;
    o.net.max_delay_ms = 2;
    o.disk_max_ms = 1;
    o.snapshot_threshold = 1000;
    sim::Cluster c(o);
    QVERIFY(c.run_until([&] { return c.leader() != core::kNoNode; }, 5000));

    constexpr int kSteps = 200;
    std::uint64_t steps = 0;
    QElapsedTimer wall;
    qint64 nanos = 0;
    const std::uint64_t acked_before = c.stats().writes_acked;
    QBENCHMARK {
        wall.start();
        for (int s = 0; s < kSteps; ++s) {
            const core::NodeId l = c.leader();
            for (int i = 0; l != core::kNoNode && i < per_step; ++i)
                c.put(l, "k" + std::to_string(i % 16));
            c.run_for(10);
        }
        nanos += wall.nsecsElapsed();
        steps += kSteps;
    }
    QVERIFY(!c.checker().failed());
    const std::uint64_t acked = c.stats().writes_acked - acked_before;
    QVERIFY2(acked > 0, "no proposal committed: the cluster lost its leader during the benchmark");
    Totals& t = totals_[per_step];
    t.steps += steps;
    t.acked += acked;
    t.events += c.stats().events;
    t.nanos += nanos;
}

void BenchSimCore::cleanupTestCase() {
    for (const auto& [per_step, t] : totals_) {
        const double secs = t.nanos / 1e9;
        qInfo(
            "3 nodes, %3d proposals/step: %8.0f steps/s, %8.0f committed proposals/s, %9.0f "
            "events/s (%llu steps in %.3f s)",
            per_step, t.steps / secs, t.acked / secs, t.events / secs,
            static_cast<unsigned long long>(t.steps), secs);
    }
}

QTEST_APPLESS_MAIN(BenchSimCore)
#include "bench_sim_core.moc"
