// A real 3-node cluster under the workload: the run's trace holds the client
// history (op_invoke / op_complete), lincheck judges it linearizable, and
// the offline `check` of the whole trace agrees.
#include <QTemporaryDir>
#include <QtTest>
#include <iostream>

#include "scenarios/lincheck/checker.h"
#include "scenarios/lincheck/history_jsonl.h"
#include "scenarios/runner/checkers.h"
#include "scenarios/runner/runner.h"

using namespace raftlab::scenario;

class TestWorkloadHistory : public QObject {
    Q_OBJECT

  private slots:
    void workload_history_is_linearizable() {
        QTemporaryDir dir;
        const Scenario s = parse_scenario_text(R"(name = "workload-history"
purpose = "test"
[cluster]
nodes = 3
[[step]]
do = "start"
[[step]]
do = "wait-for"
condition = "leader"
[[step]]
do = "workload"
clients = 4
keys = 3
max_ops = 600
duration_ms = 20000
[[step]]
do = "wait-for"
condition = "workload-done"
timeout_ms = 30000
[[step]]
do = "expect"
condition = "no-lost-writes"
[[step]]
do = "expect"
condition = "linearizable"
)",
                                               "workload-history.toml");
        RunOptions o;
        o.node_bin = std::string(RAFTLAB_BIN_DIR) + "/raftlab-node";
        o.trace_path = dir.filePath("trace.jsonl").toStdString();
        o.run_dir = dir.filePath("run").toStdString();
        o.seed = 7;
        int rc;
        {
            Runner runner(s, o, std::cout);
            rc = runner.run();
        }
        QCOMPARE(rc, int(kPassed));

        auto loaded = raftlab::lincheck::load_history_file(o.trace_path);
        QVERIFY(loaded.ok());
        // 600 workload operations plus the final reads of no-lost-writes.
        QVERIFY2(loaded.history.size() >= 600, std::to_string(loaded.history.size()).c_str());
        QCOMPARE(loaded.never_completed, size_t{0});
        std::size_t ok = 0;
        for (const auto& op : loaded.history)
            ok += op.outcome == raftlab::lincheck::Outcome::Ok;
        QVERIFY2(ok >= 500, "most operations on a healthy cluster should succeed");
        auto verdict = raftlab::lincheck::check(loaded.history);
        QCOMPARE(verdict.verdict, raftlab::lincheck::Verdict::Ok);

        TraceCheckResult offline = check_trace_file(o.trace_path);
        QVERIFY(offline.ok());
        QVERIFY(offline.leader_observations > 0);
    }
};

QTEST_GUILESS_MAIN(TestWorkloadHistory)
#include "test_workload_history.moc"
