// raftlab: the desktop lab. `raftlab` alone starts a local 3-node cluster
// and shows it live; `--attach` watches nodes it did not start; `--replay
// TRACE` opens a recorded trace. Without a display it says so and names the
// headless runner instead of letting Qt abort.
#include <QApplication>
#include <QCommandLineParser>
#include <QDockWidget>
#include <QFileInfo>
#include <QTimer>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "gui/app/lab_script.h"
#include "gui/app/main_window.h"
#include "gui/views/cluster_view.h"
#include "gui/views/log_view.h"
#include "gui/views/timeline_view.h"
#include "scenarios/runner/runner.h"

namespace {

// Qt aborts when it cannot open a display, so decide before QApplication
// exists. Platforms that need no display (offscreen, minimal, vnc) are fine.
bool has_display(int argc, char** argv) {
    const char* platform = std::getenv("QT_QPA_PLATFORM");
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::strcmp(argv[i], "-platform") == 0 || std::strcmp(argv[i], "--platform") == 0) {
            platform = argv[i + 1];
        }
    }
    if (platform != nullptr) {
        const std::string p(platform);
        for (const char* headless : {"offscreen", "minimal", "vnc", "eglfs", "linuxfb"}) {
            if (p.rfind(headless, 0) == 0) return true;
        }
    }
    const char* x = std::getenv("DISPLAY");
    const char* w = std::getenv("WAYLAND_DISPLAY");
    return (x != nullptr && *x != '\0') || (w != nullptr && *w != '\0');
}

// --help and --version only print; they must work on a machine with no screen.
bool only_prints(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        for (const char* flag : {"-h", "--help", "--help-all", "-v", "--version"}) {
            if (std::strcmp(argv[i], flag) == 0) return true;
        }
    }
    return false;
}

int fail(const QString& message) {
    std::fprintf(stderr, "raftlab: %s\n", qPrintable(message));
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (only_prints(argc, argv)) {
        qputenv("QT_QPA_PLATFORM", "offscreen");
    } else if (!has_display(argc, argv)) {
        std::fprintf(
            stderr,
            "raftlab: no display found (neither DISPLAY nor WAYLAND_DISPLAY is set).\n"
            "  The desktop lab needs a screen. Without one, run scenarios headless:\n"
            "    raftlab-scenario run FILE      (narrated timeline, exit code says pass/fail)\n"
            "  or render offscreen: QT_QPA_PLATFORM=offscreen raftlab --replay TRACE "
            "--screenshot out.png\n");
        return 3;
    }
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("raftlab"));
    QApplication::setApplicationVersion(QStringLiteral("0.1.0"));

    QCommandLineParser cli;
    cli.setApplicationDescription(
        QStringLiteral("Raft Lab: watch a Raft cluster elect, replicate, fail and heal."));
    cli.addHelpOption();
    cli.addVersionOption();
    const QCommandLineOption replay(QStringLiteral("replay"),
                                    QStringLiteral("Open a recorded JSON Lines trace."),
                                    QStringLiteral("TRACE"));
    const QCommandLineOption at_time(QStringLiteral("at-time"),
                                     QStringLiteral("Move the playhead to T ms after loading."),
                                     QStringLiteral("T"));
    const QCommandLineOption classroom(
        QStringLiteral("classroom"),
        QStringLiteral("Start in classroom mode (large, high contrast)."));
    const QCommandLineOption screenshot(
        QStringLiteral("screenshot"),
        QStringLiteral("Save a PNG of the window (or --screenshot-widget) and exit."),
        QStringLiteral("FILE"));
    const QCommandLineOption shot_widget(
        QStringLiteral("screenshot-widget"),
        QStringLiteral("What --screenshot grabs: window, cluster, log, timeline or charts."),
        QStringLiteral("NAME"), QStringLiteral("window"));
    const QCommandLineOption size(QStringLiteral("size"),
                                  QStringLiteral("Window size as WIDTHxHEIGHT (default 1500x950)."),
                                  QStringLiteral("WxH"));
    const QCommandLineOption span(QStringLiteral("timeline-span"),
                                  QStringLiteral("How many ms the timeline shows (default 200)."),
                                  QStringLiteral("MS"));
    const QCommandLineOption play(QStringLiteral("play"),
                                  QStringLiteral("Start playing the replay right away."));
    const QCommandLineOption speed(
        QStringLiteral("speed"), QStringLiteral("Replay speed, lab ms per wall ms (default 0.1)."),
        QStringLiteral("X"));
    const QCommandLineOption attach(
        QStringLiteral("attach"),
        QStringLiteral("Watch running nodes by their Lab service addresses (host:port,...)."),
        QStringLiteral("ADDRS"));
    const QCommandLineOption nodes(QStringLiteral("nodes"),
                                   QStringLiteral("Voters of the local cluster (default 3)."),
                                   QStringLiteral("N"), QStringLiteral("3"));
    const QCommandLineOption node_bin(
        QStringLiteral("node-bin"),
        QStringLiteral("The raftlab-node binary (default: next to raftlab)."),
        QStringLiteral("PATH"));
    const QCommandLineOption lab_script(
        QStringLiteral("lab-script"),
        QStringLiteral("Run live steps, e.g. \"leader; kill-leader; until Candidate; freeze; "
                       "shot out.png; quit\" (see gui/app/lab_script.h)."),
        QStringLiteral("STEPS"));
    const QCommandLineOption guide(
        QStringLiteral("guide"),
        QStringLiteral("Play the scale-out guide step by step: node 1 alone, then join 2, then "
                       "join 3 (Next / Run all)."));
    const QCommandLineOption scenario_file(
        QStringLiteral("scenario"),
        QStringLiteral("Play a scenario file step by step in the guide player."),
        QStringLiteral("FILE"));
    const QCommandLineOption run_all(
        QStringLiteral("run-all"),
        QStringLiteral("With --guide or --scenario: run every step without waiting for Next."));
    for (const auto& o :
         {replay, at_time, classroom, screenshot, shot_widget, size, span, play, speed, attach,
          nodes, node_bin, lab_script, guide, scenario_file, run_all}) {
        cli.addOption(o);
    }
    cli.process(app);  // unknown options: a clear message and exit code 1

    if (!cli.positionalArguments().isEmpty()) {
        return fail(QStringLiteral("unexpected argument '%1'. Did you mean --replay %1?")
                        .arg(cli.positionalArguments().first()));
    }
    bool ok = true;
    qint64 t = 0;
    if (cli.isSet(at_time)) {
        t = cli.value(at_time).toLongLong(&ok);
        if (!ok)
            return fail(
                QStringLiteral("--at-time wants milliseconds, got '%1'").arg(cli.value(at_time)));
    }
    qint64 span_ms = 0;
    if (cli.isSet(span)) {
        span_ms = cli.value(span).toLongLong(&ok);
        if (!ok || span_ms < 10) {
            return fail(QStringLiteral("--timeline-span wants milliseconds (at least 10), got '%1'")
                            .arg(cli.value(span)));
        }
    }
    double speed_x = 0;
    if (cli.isSet(speed)) {
        speed_x = cli.value(speed).toDouble(&ok);
        if (!ok || speed_x <= 0 || speed_x > 1000) {
            return fail(
                QStringLiteral("--speed wants a factor above 0 (0.1 = slow motion), got '%1'")
                    .arg(cli.value(speed)));
        }
    }
    const QString widget = cli.value(shot_widget);
    if (!QStringList{"window", "cluster", "log", "timeline", "charts"}.contains(widget)) {
        return fail(
            QStringLiteral("--screenshot-widget must be window, cluster, log, timeline or charts, "
                           "not '%1'")
                .arg(widget));
    }
    QSize window_size(1500, 950);
    if (cli.isSet(size)) {
        const QStringList wh = cli.value(size).split('x');
        bool okw = false, okh = false;
        if (wh.size() == 2) window_size = QSize(wh[0].toInt(&okw), wh[1].toInt(&okh));
        if (!okw || !okh || window_size.width() < 200 || window_size.height() < 200) {
            return fail(QStringLiteral("--size wants WIDTHxHEIGHT like 1600x1000, got '%1'")
                            .arg(cli.value(size)));
        }
    }
    if (cli.isSet(replay)) {
        const QFileInfo trace(cli.value(replay));
        if (!trace.isFile() || !trace.isReadable()) {
            return fail(QStringLiteral("cannot read trace '%1'. Record one with "
                                       "raftlab-sim --seed N --trace > trace.jsonl")
                            .arg(cli.value(replay)));
        }
    }

    if (cli.isSet(replay) && cli.isSet(attach)) {
        return fail(
            QStringLiteral("--replay and --attach exclude each other: a trace is the past, "
                           "--attach the present"));
    }
    const int node_count = cli.value(nodes).toInt(&ok);
    if (!ok || node_count < 1 || node_count > 9) {
        return fail(QStringLiteral("--nodes wants 1 to 9 voters, got '%1'").arg(cli.value(nodes)));
    }
    QString node_path = cli.value(node_bin);
    if (node_path.isEmpty()) node_path = qEnvironmentVariable("RAFTLAB_NODE_BIN");
    if (node_path.isEmpty()) {
        node_path = QCoreApplication::applicationDirPath() + QStringLiteral("/raftlab-node");
    }
    QString scenario_path;
    if (cli.isSet(guide) && cli.isSet(scenario_file)) {
        return fail(QStringLiteral("--guide and --scenario exclude each other: --guide is "
                                   "--scenario %1")
                        .arg(QString::fromStdString(raftlab::scenario::default_library_dir() +
                                                    "/single-node-expansion.toml")));
    }
    if (cli.isSet(guide)) {
        scenario_path = QString::fromStdString(raftlab::scenario::default_library_dir() +
                                               "/single-node-expansion.toml");
    }
    if (cli.isSet(scenario_file)) scenario_path = cli.value(scenario_file);
    const bool scripted = !scenario_path.isEmpty();
    if (scripted && (cli.isSet(replay) || cli.isSet(attach))) {
        return fail(
            QStringLiteral("--guide/--scenario start their own nodes; drop --replay and "
                           "--attach"));
    }
    if (scripted && !QFileInfo(scenario_path).isReadable()) {
        return fail(QStringLiteral("cannot read scenario '%1'. The shipped ones are in %2 "
                                   "(raftlab-scenario list)")
                        .arg(scenario_path,
                             QString::fromStdString(raftlab::scenario::default_library_dir())));
    }
    const bool local = !cli.isSet(replay) && !cli.isSet(attach) && !scripted;
    if ((local || scripted) && !QFileInfo(node_path).isExecutable()) {
        return fail(QStringLiteral("cannot run '%1' to start a local cluster. Build it "
                                   "(cmake --build build --target raftlab-node), pass "
                                   "--node-bin PATH, or open a trace with --replay")
                        .arg(node_path));
    }
    if (cli.isSet(lab_script)) {
        const QString bad = raftlab::gui::LabScript::check(cli.value(lab_script));
        if (!bad.isEmpty()) return fail(bad);
    }
    std::vector<std::string> attach_to;
    if (cli.isSet(attach)) {
        for (const QString& a : cli.value(attach).split(',', Qt::SkipEmptyParts)) {
            if (!a.contains(':')) {
                return fail(QStringLiteral("--attach wants host:port of each node's Lab "
                                           "service, got '%1'")
                                .arg(a));
            }
            attach_to.push_back(a.trimmed().toStdString());
        }
        if (attach_to.empty()) return fail(QStringLiteral("--attach needs at least one address"));
    }

    raftlab::gui::MainWindow window;
    window.resize(window_size);
    if (cli.isSet(classroom)) window.setClassroom(true);
    if (span_ms > 0) window.timelineView()->setSpan(span_ms);
    if (cli.isSet(replay)) {
        window.openTrace(cli.value(replay));
        if (window.session().history().size() == 0) {
            const QString why = window.lastError();
            return fail(why.isEmpty()
                            ? QStringLiteral("trace '%1' holds no events").arg(cli.value(replay))
                            : why);
        }
        if (cli.isSet(at_time)) window.session().seek(t);
        if (speed_x > 0) window.setSpeed(speed_x);
        if (cli.isSet(play)) window.session().play();
    }
    if (cli.isSet(attach)) window.attachCluster(attach_to);
    if (local) window.startLocalCluster(node_count, node_path);
    if (scripted) {
        const QString bad = window.startScenario(scenario_path, node_path);
        if (!bad.isEmpty()) return fail(bad);
        if (cli.isSet(run_all)) window.actions().guideRunAll->trigger();
    }
    window.show();
    raftlab::gui::LabScript script(&window, cli.value(lab_script));
    int script_exit = 0;
    if (cli.isSet(lab_script)) {
        QObject::connect(&script, &raftlab::gui::LabScript::failed, &window, [&](const QString&) {
            script_exit = 4;
            window.close();
        });
        script.start();
    }

    if (cli.isSet(screenshot)) {
        // Let layouts and docks settle for a few frames, then grab.
        const QString file = cli.value(screenshot);
        // A dock shot gets the dock enlarged first: a teacher's picture of
        // the timeline should not be a 150-pixel strip.
        if (widget == "log" || widget == "timeline" || widget == "charts") {
            QDockWidget* d = window.dock(widget);
            d->raise();
            window.resizeDocks({d}, {window.height() * 11 / 20}, Qt::Vertical);
        }
        QTimer::singleShot(500, &window, [&] {
            QWidget* target = &window;
            if (widget == "cluster") target = window.clusterView();
            if (widget == "log") target = window.dock("log")->widget();
            if (widget == "timeline") target = window.dock("timeline")->widget();
            if (widget == "charts") target = window.dock("charts")->widget();
            const bool saved = target->grab().save(file, "PNG");
            if (!saved) {
                std::fprintf(stderr, "raftlab: could not write screenshot '%s'\n",
                             qPrintable(file));
            }
            QApplication::exit(saved ? 0 : 2);
        });
    }
    const int code = QApplication::exec();
    window.stopLiveCluster();
    return script_exit != 0 ? script_exit : code;
}
