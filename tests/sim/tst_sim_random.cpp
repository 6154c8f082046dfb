// The seeded random search (docs/testing.md). Each ctest shard runs its share
// of RAFTLAB_SIM_SEEDS seeds (default 2000) of RAFTLAB_SIM_STEPS steps (default
// 500), checking every invariant after every event. A failing seed is rerun
// with its trace written to a file, and the one command that reruns it alone
// is printed.
#include <QDir>
#include <QElapsedTimer>
#include <QTest>
#include <deque>
#include <fstream>
#include <sstream>

#include "tests/sim/sim_random_run.h"

using namespace raftlab;

namespace {

std::uint64_t env_u64(const char* name, std::uint64_t fallback) {
    const QByteArray v = qgetenv(name);
    if (v.isEmpty()) return fallback;
    bool ok = false;
    const auto n = v.toULongLong(&ok);
    if (!ok)
        qFatal("%s=%s is not a number; unset it or give a positive integer", name, v.constData());
    return n;
}

}  // namespace

class TstSimRandom : public QObject {
    Q_OBJECT

  private slots:
    void seeds();
};

void TstSimRandom::seeds() {
    const std::uint64_t total = env_u64("RAFTLAB_SIM_SEEDS", 2000);
    const std::uint64_t first = env_u64("RAFTLAB_SIM_FIRST_SEED", 1);
    const std::uint64_t shards = std::max<std::uint64_t>(1, env_u64("RAFTLAB_SIM_SHARDS", 1));
    const std::uint64_t shard = env_u64("RAFTLAB_SIM_SHARD", 1);
    const int steps = static_cast<int>(env_u64("RAFTLAB_SIM_STEPS", 500));
    QVERIFY2(shard >= 1 && shard <= shards, "RAFTLAB_SIM_SHARD must be in 1..RAFTLAB_SIM_SHARDS");
    // RAFTLAB_SIM_BUGS=double_vote,... shows what a failing seed looks like.
    core::Bugs bugs;
    for (const QByteArray& name : qgetenv("RAFTLAB_SIM_BUGS").split(',')) {
        if (name.isEmpty()) continue;
        QVERIFY2(sim::set_bug(bugs, name.toStdString()),
                 qPrintable("unknown bug switch in RAFTLAB_SIM_BUGS: " + name));
    }

    QElapsedTimer timer;
    timer.start();
    std::uint64_t ran = 0, events = 0, committed = 0, leaders = 0, reads = 0, snapshots = 0;
    std::int64_t worst_recovery = 0;
    for (std::uint64_t i = shard - 1; i < total; i += shards) {
        sim::RunOptions o;
        o.seed = first + i;
        o.steps = steps;
        o.bugs = bugs;
        const sim::RunResult r = sim::run_random(o);
        ++ran;
        events += r.stats.events;
        committed += r.committed;
        leaders += r.stats.leaders;
        reads += r.stats.reads_served;
        snapshots += r.stats.snapshots_taken;
        worst_recovery = std::max(worst_recovery, r.recovery_ms);
        if (r.ok) continue;

        // Rerun the seed with its trace on, to a file, and show its tail.
        const std::string path =
            QDir::temp()
                .filePath(QStringLiteral("raftlab-sim-seed-%1.jsonl").arg(o.seed))
                .toStdString();
        {
            std::ofstream file(path);
            sim::RunOptions traced = o;
            traced.trace = &file;
            sim::run_random(traced);
        }
        std::ifstream in(path);
        std::deque<std::string> tail;
        for (std::string line; std::getline(in, line);) {
            tail.push_back(line);
            if (tail.size() > 40) tail.pop_front();
        }
        std::ostringstream msg;
        msg << "\n" << sim::describe(o, r) << "\nlast trace lines:\n";
        for (const auto& l : tail)
            msg << "  " << l << "\n";
        msg << "full trace: " << path << "\nrerun alone: " << sim::rerun_command(o) << "\n";
        QFAIL(msg.str().c_str());
    }
    qInfo(
        "shard %llu/%llu: %llu seeds x %d steps ok in %.1f s: %llu events, %llu leaders, %llu "
        "entries committed, %llu linearizable reads, %llu snapshots, worst recovery %lld ms",
        static_cast<unsigned long long>(shard), static_cast<unsigned long long>(shards),
        static_cast<unsigned long long>(ran), steps, timer.elapsed() / 1000.0,
        static_cast<unsigned long long>(events), static_cast<unsigned long long>(leaders),
        static_cast<unsigned long long>(committed), static_cast<unsigned long long>(reads),
        static_cast<unsigned long long>(snapshots), static_cast<long long>(worst_recovery));
}

QTEST_APPLESS_MAIN(TstSimRandom)
#include "tst_sim_random.moc"
