// raftlab-ctl as a person uses it: commands against a real cluster, and a
// one-line reason with a non-zero exit when something is wrong.
#include <QProcess>
#include <QtTest>

#include "node_harness.h"

using namespace raftlab;
using namespace raftlab::testing;

namespace {

struct CtlRun {
    int code = -1;
    QString out;
    QString err;
};

CtlRun ctl(const QStringList& args) {
    QProcess p;
    p.start(QString::fromStdString(bin_dir() + "/raftlab-ctl"), args);
    CtlRun r;
    if (!p.waitForFinished(30000)) {
        p.kill();
        p.waitForFinished(5000);
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

}  // namespace

class TestCtl : public QObject {
    Q_OBJECT

  private slots:
    void commands_against_a_cluster() {
        Cluster cluster;
        QVERIFY(cluster.start_all());
        auto leader = cluster.wait_leader();
        QVERIFY(leader);
        // Only one endpoint given, and not necessarily the leader: the NOT_LEADER
        // hint is followed.
        std::uint64_t follower = *leader == 1 ? 2 : 1;
        QString ep = "--endpoints=" + QString::fromStdString(cluster.address(follower));

        auto r = ctl({ep, "put", "greeting", "hello"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.out.startsWith("OK (index "));

        r = ctl({ep, "get", "greeting"});
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out.trimmed(), QString("hello"));

        QString all = "--endpoints=" + QString::fromStdString(cluster.endpoints());
        for (const char* level : {"linearizable", "lease", "eventual"}) {
            r = ctl({all, "get", "greeting", "--consistency", level});
            QVERIFY2(r.code == 0 && r.out.trimmed() == "hello", qPrintable(r.err));
        }
        r = ctl({all, "get", "greeting", "--consistency", "eventual", "--node",
                 QString::number(follower)});
        QVERIFY2(r.code == 0 && r.out.trimmed() == "hello", qPrintable(r.err));

        r = ctl({all, "cas", "greeting", "hello", "hi"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        r = ctl({all, "cas", "greeting", "hello", "again"});
        QCOMPARE(r.code, 1);
        QVERIFY(r.err.contains("does not hold 'hello'"));
        r = ctl({all, "cas", "fresh", "v", "--absent"});
        QVERIFY2(r.code == 0, qPrintable(r.err));

        r = ctl({all, "scan", ""});
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QString("fresh = v\ngreeting = hi\n"));

        r = ctl({all, "delete", "fresh"});
        QCOMPARE(r.code, 0);
        r = ctl({all, "get", "fresh"});
        QCOMPARE(r.code, 1);
        QVERIFY(r.err.contains("not found"));

        r = ctl({all, "leader"});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.startsWith(QString::number(*leader) + " "));

        r = ctl({all, "members"});
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out.count("voter"), 3);

        r = ctl({all, "status"});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("Leader"));
        QCOMPARE(r.out.count("Follower"), 2);
        QVERIFY(r.out.contains("Replication from leader"));

        r = ctl({all, "put", QString(5000, 'k'), "v"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("max_key_bytes"), qPrintable(r.err));
        QCOMPARE(r.err.count('\n'), 1);  // one line

        r = ctl({all, "transfer-leader", QString::number(follower)});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(wait_until([&] { return cluster.wait_leader(1s) == follower; }, 10s));
    }

    void unreachable_and_no_leader_exit_non_zero_with_a_reason() {
        int p1 = free_port(), p2 = free_port();
        QString dead = QString("--endpoints=127.0.0.1:%1,127.0.0.1:%2").arg(p1).arg(p2);
        auto r = ctl({dead, "--timeout", "1000", "get", "x"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.startsWith("raftlab-ctl: UNAVAILABLE: cannot reach any node at "),
                 qPrintable(r.err));
        QVERIFY(r.err.contains(QString::number(p1)) && r.err.contains(QString::number(p2)));
        QCOMPARE(r.err.count('\n'), 1);

        // One voter of three: no quorum, so no leader.
        Cluster cluster;
        QVERIFY(cluster.node(1).start());
        QVERIFY(wait_until([&] { return cluster.status(1).error.ok(); }, 10s));
        r = ctl({"--endpoints=" + QString::fromStdString(cluster.endpoints()), "--timeout", "1500",
                 "put", "k", "v"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("NO_LEADER"), qPrintable(r.err));

        r = ctl({"--endpoints=" + QString::fromStdString(cluster.endpoints()), "--timeout", "1500",
                 "leader"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("no leader"), qPrintable(r.err));
    }
};

QTEST_APPLESS_MAIN(TestCtl)
#include "test_ctl.moc"
