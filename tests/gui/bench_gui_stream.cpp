// raftlab-gui-bench: how the live window copes with a flood of events.
//
// 1. Records a real cluster: the window starts 3 raftlab-node processes
//    (the app's own startLocalCluster), a client workload writes through the
//    leader, and every event the Lab.Watch streams deliver is kept.
// 2. Replays those recorded events into the live pipeline of a fresh
//    window (LiveWatchSource::inject, merged and delivered exactly as
//    Watch events are) at --rate events/s for --seconds.
// 3. Reports the worst UI-thread stall, measured by a 5 ms QTimer heartbeat
//    on the UI thread (the longest gap between two ticks, minus 5 ms), the
//    99th percentile gap, and the growth of peak RSS during the replay.
//
//   raftlab-gui-bench                       20,000 events/s for 60 s
//   raftlab-gui-bench --seconds 3 --smoke   what ctest runs: asserts the
//                                           events arrived, not the speed
#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QSlider>
#include <QTimer>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <thread>
#include <vector>

#include "gui/app/client_panel.h"
#include "gui/app/main_window.h"
#include "gui/live/live_watch_source.h"

using namespace raftlab::gui;

namespace {

long status_kb(const char* field) {
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly)) return -1;
    for (const QByteArray& line : f.readAll().split('\n')) {
        if (line.startsWith(field))
            return line.mid(static_cast<int>(strlen(field))).trimmed().split(' ')[0].toLong();
    }
    return -1;
}

double thread_cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

QString load_average() {
    QFile f(QStringLiteral("/proc/loadavg"));
    if (!f.open(QIODevice::ReadOnly)) return QStringLiteral("?");
    return QString::fromLatin1(f.readAll()).section(' ', 0, 2);
}

bool wait_until(const std::function<bool()>& done, int timeout_ms) {
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > timeout_ms) return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    int seconds = 60, rate = 20000, record_ms = 4000;
    bool smoke = false;
    QString node_bin = qEnvironmentVariable("RAFTLAB_NODE_BIN");
    const QStringList args = app.arguments();
    for (int i = 1; i < args.size(); ++i) {
        bool ok = true;
        if (args[i] == "--seconds" && i + 1 < args.size())
            seconds = args[++i].toInt(&ok);
        else if (args[i] == "--rate" && i + 1 < args.size())
            rate = args[++i].toInt(&ok);
        else if (args[i] == "--record-ms" && i + 1 < args.size())
            record_ms = args[++i].toInt(&ok);
        else if (args[i] == "--node-bin" && i + 1 < args.size())
            node_bin = args[++i];
        else if (args[i] == "--smoke")
            smoke = true;
        else {
            std::fprintf(stderr,
                         "raftlab-gui-bench: unknown argument '%s'; use --seconds N --rate "
                         "EVENTS_PER_S --record-ms MS --node-bin PATH --smoke\n",
                         qPrintable(args[i]));
            return 2;
        }
        if (!ok || seconds < 1 || seconds > 3600 || rate < 1 || rate > 1'000'000) {
            std::fprintf(stderr, "raftlab-gui-bench: '%s' wants a positive number in range\n",
                         qPrintable(args[i - 1]));
            return 2;
        }
    }
    if (node_bin.isEmpty()) node_bin = QCoreApplication::applicationDirPath() + "/raftlab-node";
    if (!QFileInfo(node_bin).isExecutable()) {
        std::fprintf(stderr,
                     "raftlab-gui-bench: cannot run '%s'; build raftlab-node or pass "
                     "--node-bin PATH\n",
                     qPrintable(node_bin));
        return smoke ? 77 : 2;  // 77: ctest's skip
    }

    // 1. Record a real cluster under a client workload.
    std::vector<Event> recorded;
    {
        MainWindow w;
        w.resize(1400, 900);
        w.show();
        w.startLocalCluster(3, node_bin);
        if (!wait_until([&] { return w.session().history().head().leader() != kNoNode; }, 20000)) {
            std::fprintf(stderr, "raftlab-gui-bench: the cluster elected no leader in 20 s\n");
            return 1;
        }
        if (auto* client = w.findChild<ClientPanel*>()) client->rateSlider()->setValue(200);
        QElapsedTimer t;
        t.start();
        wait_until([&] { return t.elapsed() > record_ms; }, record_ms + 1000);
        const History& h = w.session().history();
        for (std::size_t i = 0; i < h.size(); ++i)
            recorded.push_back(h.event(i));
        w.close();
    }
    std::printf("recorded %zu events from a real 3-node cluster in %d ms (%.0f events/s)\n",
                recorded.size(), record_ms, recorded.size() * 1000.0 / record_ms);
    if (recorded.size() < 100) {
        std::fprintf(stderr, "raftlab-gui-bench: too few events recorded\n");
        return 1;
    }

    // 2. Replay them into the live pipeline of a fresh window.
    MainWindow w;
    w.resize(1400, 900);
    w.show();
    w.attachCluster({});  // live mode, no processes: the events come from us
    LiveWatchSource* live = w.liveSource();
    wait_until([] { return false; }, 500);  // let the window settle
    const long rss_before = status_kb("VmRSS:");
    const long hwm_before = status_kb("VmHWM:");

    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> fed{0};
    std::thread feeder([&] {
        // Batches every 5 ms, paced against the wall clock.
        const auto begin = std::chrono::steady_clock::now();
        std::size_t next = 0;
        while (!stop.load()) {
            const double elapsed =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
            const std::uint64_t due = static_cast<std::uint64_t>(elapsed * rate);
            while (fed.load() < due) {
                Event e = recorded[next];
                next = (next + 1) % recorded.size();
                live->inject(std::move(e));
                fed.fetch_add(1);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    });

    // The UI thread's heartbeat: every gap between ticks is a stall of
    // (gap - period); the longest one is what a person would feel.
    constexpr int kPeriodMs = 5;
    std::vector<double> gaps;
    gaps.reserve(static_cast<std::size_t>(seconds) * 1000 / kPeriodMs + 16);
    QElapsedTimer beat;
    beat.start();
    qint64 last = 0;
    QTimer heartbeat;
    heartbeat.setTimerType(Qt::PreciseTimer);
    // On a shared machine the wall-clock gap also counts time the UI thread
    // was runnable but had no core; the UI thread's own CPU time between two
    // ticks is the stall it would cause on a machine of its own.
    std::vector<double> cpu_gaps;
    cpu_gaps.reserve(gaps.capacity());
    double last_cpu = 0;
    // When the worst slice of each kind ended, to find it in a profile.
    double worst_gap = 0, worst_gap_at = 0, worst_cpu = 0, worst_cpu_at = 0;
    QObject::connect(&heartbeat, &QTimer::timeout, [&] {
        const qint64 now = beat.nsecsElapsed();
        const double cpu = thread_cpu_ms();
        if (last != 0) {
            gaps.push_back((now - last) / 1e6);
            cpu_gaps.push_back(cpu - last_cpu);
            if (gaps.back() > worst_gap) {
                worst_gap = gaps.back();
                worst_gap_at = now / 1e9;
            }
            if (cpu_gaps.back() > worst_cpu) {
                worst_cpu = cpu_gaps.back();
                worst_cpu_at = now / 1e9;
            }
        }
        last = now;
        last_cpu = cpu;
    });
    heartbeat.start(kPeriodMs);
    QTimer::singleShot(seconds * 1000, &app, [&] { app.quit(); });
    app.exec();
    heartbeat.stop();
    stop = true;
    feeder.join();

    const long hwm_after = status_kb("VmHWM:");
    const long rss_after = status_kb("VmRSS:");
    const std::size_t shown = w.session().history().size() + w.session().history().forgotten();
    std::sort(gaps.begin(), gaps.end());
    std::sort(cpu_gaps.begin(), cpu_gaps.end());
    const double cpu_worst = cpu_gaps.empty() ? 0 : cpu_gaps.back();
    const double cpu_p99 = cpu_gaps.empty() ? 0 : cpu_gaps[cpu_gaps.size() * 99 / 100];
    double cpu_total = 0;
    for (double c : cpu_gaps)
        cpu_total += c;
    const double worst = gaps.empty() ? 0 : gaps.back() - kPeriodMs;
    const double p99 = gaps.empty() ? 0 : gaps[gaps.size() * 99 / 100] - kPeriodMs;
    std::printf(
        "fed %llu events in %d s (%.0f events/s); the window took in %zu "
        "(history keeps %zu, forgot %zu)\n",
        static_cast<unsigned long long>(fed.load()), seconds,
        fed.load() / static_cast<double>(seconds), shown, w.session().history().size(),
        w.session().history().forgotten());
    std::printf(
        "UI-thread stall (wall clock): worst %.1f ms (ending %.2f s in), p99 %.1f ms (goal: "
        "worst < 50 ms) over %zu heartbeats of %d ms\n",
        worst, worst_gap_at, p99, gaps.size(), kPeriodMs);
    std::printf(
        "UI-thread CPU between two heartbeats: worst %.1f ms (ending %.2f s in), p99 %.2f ms; "
        "the UI thread used %.0f%% of one core\n",
        cpu_worst, worst_cpu_at, cpu_p99, 100.0 * cpu_total / (seconds * 1000.0));
    std::printf("machine load average while measuring: %s\n", qPrintable(load_average()));
    std::printf("RSS: %ld MB before, %ld MB after; peak RSS grew by %ld MB (%ld -> %ld MB)\n",
                rss_before / 1024, rss_after / 1024, (hwm_after - hwm_before) / 1024,
                hwm_before / 1024, hwm_after / 1024);
    std::printf("dropped by Watch streams: %llu; shed by the window (fell behind): %llu\n",
                static_cast<unsigned long long>(live->droppedEvents()),
                static_cast<unsigned long long>(live->shedEvents()));
    w.close();
    if (smoke) {
        // Correctness only: the flood reached the window and nothing broke.
        if (shown + live->shedEvents() < fed.load() / 2 || shown == 0) {
            std::fprintf(stderr, "raftlab-gui-bench: only %zu of %llu events reached the window\n",
                         shown, static_cast<unsigned long long>(fed.load()));
            return 1;
        }
        std::printf("smoke: OK\n");
    }
    return 0;
}
