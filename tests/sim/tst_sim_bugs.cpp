// "The checker can fail": each test-only bug switch is turned on and the
// seeded random search (the same run_random the CI seeds use, same steps) must
// catch it by a safety invariant within the CI seed budget. The search stops
// at the first caught seed and reports it, with the command that reruns it.
#include <QTest>
#include <set>

#include "tests/sim/sim_random_run.h"

using namespace raftlab;

class TstSimBugs : public QObject {
    Q_OBJECT

  private slots:
    void caught_data();
    void caught();
};

void TstSimBugs::caught_data() {
    QTest::addColumn<QString>("bug");
    QTest::addColumn<QStringList>("invariants");  // any of these may catch it
    // Figure 8: an old-term entry "committed" by counting replicas is later
    // overwritten, so a later leader lacks it or nodes apply different entries.
    QTest::newRow("commit_old_term")
        << "commit_old_term" << QStringList{"Leader Completeness", "State Machine Safety"};
    // Two votes in one term let two candidates each gather a majority.
    QTest::newRow("double_vote") << "double_vote" << QStringList{"Election Safety"};
    // A kept conflicting suffix makes logs disagree behind a matching entry.
    QTest::newRow("no_truncate") << "no_truncate"
                                 << QStringList{"Log Matching", "State Machine Safety",
                                                "Leader Completeness"};
    // A learner's ack makes a minority of voters look like a majority.
    QTest::newRow("learner_in_quorum")
        << "learner_in_quorum" << QStringList{"Leader Completeness", "State Machine Safety"};
}

void TstSimBugs::caught() {
    QFETCH(QString, bug);
    QFETCH(QStringList, invariants);
    bool ok = false;
    const std::uint64_t budget = qEnvironmentVariableIntValue("RAFTLAB_SIM_SEEDS", &ok);
    const std::uint64_t seeds = ok && budget > 0 ? budget : 2000;

    sim::RunOptions o;
    o.steps = 500;
    QVERIFY(sim::set_bug(o.bugs, bug.toStdString()));
    std::uint64_t liveness_only = 0;
    for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
        o.seed = seed;
        const sim::RunResult r = sim::run_random(o);
        if (r.ok) continue;
        const QString inv = QString::fromStdString(r.violation.invariant);
        if (inv == "Liveness") {
            // The bug hurt progress, but this test wants a safety checker to see it.
            ++liveness_only;
            continue;
        }
        qInfo("%s caught at seed %llu (of a budget of %llu) by %s: %s\n  rerun: %s",
              qPrintable(bug), static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(seeds), qPrintable(inv), r.violation.detail.c_str(),
              sim::rerun_command(o).c_str());
        if (liveness_only) {
            qInfo("(%llu earlier seeds were caught only by the liveness check)",
                  static_cast<unsigned long long>(liveness_only));
        }
        QVERIFY2(invariants.contains(inv),
                 qPrintable(QStringLiteral("%1 was caught by %2, expected one of: %3")
                                .arg(bug, inv, invariants.join(", "))));
        return;
    }
    QFAIL(qPrintable(QStringLiteral("the random search did not catch %1 in %2 seeds of %3 steps; "
                                    "the fault mix in sim_random_run.cpp no longer reaches it")
                         .arg(bug)
                         .arg(seeds)
                         .arg(o.steps)));
}

QTEST_APPLESS_MAIN(TstSimBugs)
#include "tst_sim_bugs.moc"
