// raftlab-bench's CI smoke run (issue 8): a few hundred operations against a
// real 3-node cluster (raftlab-node processes, fsync on), asserting
// correctness only: no errors, every written key read back (linearizably)
// with its value. Speed is never asserted; the figures are for
// scripts/bench-vs-etcd.sh and docs/performance.md.
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QtTest>

#include "node_harness.h"

using namespace raftlab::testing;

namespace {

struct BenchRun {
    int exit_code = -1;
    QString output;
    QJsonObject json;  // the {"bench":...} line
};

BenchRun run_bench(const QStringList& args, int timeout_ms = 90000) {
    BenchRun r;
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QString::fromStdString(bin_dir() + "/raftlab-bench"), args);
    if (!p.waitForFinished(timeout_ms)) {
        p.kill();
        p.waitForFinished(5000);
        r.output = "raftlab-bench did not finish in time";
        return r;
    }
    r.exit_code = p.exitCode();
    r.output = QString::fromUtf8(p.readAll());
    for (const auto& line : r.output.split('\n')) {
        if (line.startsWith("{\"bench\"")) r.json = QJsonDocument::fromJson(line.toUtf8()).object();
    }
    return r;
}

}  // namespace

class TestBenchSmoke : public QObject {
    Q_OBJECT
  private:
    Cluster cluster_;
    QString endpoints_;

  private slots:
    void initTestCase() {
        QVERIFY(cluster_.start_all());
        QVERIFY(cluster_.wait_leader(30s).has_value());
        endpoints_ = QString::fromStdString(cluster_.endpoints());
    }

    // Without --target-leader: writes sent to followers follow NOT_LEADER.
    void put_then_every_key_reads_back() {
        auto r = run_bench({"--endpoints", endpoints_, "--clients", "8", "--conns", "3", "--check",
                            "put", "--key-size", "8", "--val-size", "256", "--sequential-keys",
                            "--total", "300"});
        QVERIFY2(r.exit_code == 0, qPrintable(r.output));
        QCOMPARE(r.json["errors"].toInt(), 0);
        QCOMPARE(r.json["ops"].toInt(), 300);
        QCOMPARE(r.json["checked_keys"].toInt(), 300);
        QCOMPARE(r.json["check_errors"].toInt(), 0);
    }

    void linearizable_get() {
        auto r = run_bench({"--endpoints", endpoints_, "--clients", "4", "--conns", "2", "range",
                            "smoke-key", "--consistency", "l", "--total", "200"});
        QVERIFY2(r.exit_code == 0, qPrintable(r.output));
        QCOMPARE(r.json["errors"].toInt(), 0);
        QCOMPARE(r.json["ops"].toInt(), 200);
    }

    void mixed_reads_see_written_values() {
        auto r = run_bench({"--endpoints", endpoints_, "--clients", "8", "--conns", "2",
                            "--target-leader", "--check", "mixed", "--read-ratio", "0.5",
                            "--key-space-size", "50", "--total", "300"});
        QVERIFY2(r.exit_code == 0, qPrintable(r.output));
        QCOMPARE(r.json["errors"].toInt(), 0);
        QCOMPARE(r.json["ops"].toInt(), 300);
        QCOMPARE(r.json["check_errors"].toInt(), 0);
        QVERIFY(r.json["checked_keys"].toInt() > 0);
    }

    // The value check is not blind: keys 0..299 hold 256-byte values from
    // the first test; reading them expecting 100-byte values must fail.
    void wrong_values_are_reported() {
        auto r = run_bench({"--endpoints", endpoints_, "--clients", "2", "mixed", "--read-ratio",
                            "1", "--val-size", "100", "--key-space-size", "300", "--total", "50"});
        QVERIFY2(r.exit_code != 0, qPrintable(r.output));
        QVERIFY(r.json["errors"].toInt() > 0);
        QVERIFY2(r.output.contains("wrong value"), qPrintable(r.output));
    }

    void bad_flags_name_the_fix() {
        auto r = run_bench({"--endpoints", endpoints_, "--clients", "2", "--conns", "5", "put"});
        QVERIFY(r.exit_code != 0);
        QVERIFY2(r.output.contains("--conns 5 is more than --clients 2"), qPrintable(r.output));
        r = run_bench({"--endpoints", endpoints_, "put", "--key-size", "2", "--total", "1000"});
        QVERIFY(r.exit_code != 0);
        QVERIFY2(r.output.contains("raise --key-size"), qPrintable(r.output));
        r = run_bench({"put"});
        QVERIFY(r.exit_code != 0);
        QVERIFY2(r.output.contains("--endpoints"), qPrintable(r.output));
    }
};

QTEST_GUILESS_MAIN(TestBenchSmoke)
#include "test_bench_smoke.moc"
