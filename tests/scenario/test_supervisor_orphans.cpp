// The supervisor: process control on real raftlab-node processes, and the
// promise that no node outlives the lab, even when the lab is kill -9'd.
//
// The orphan test runs this same binary as a child "lab" (--supervise DIR):
// it starts three nodes through a Supervisor and writes their pids, then the
// test SIGKILLs that lab and waits for every node to be gone.
#include <signal.h>
#include <unistd.h>

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "scenarios/runner/supervisor.h"

using namespace raftlab::scenario;
using Clock = std::chrono::steady_clock;

namespace {

bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        if (cond()) return true;
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

// Alive and not a zombie (an orphan's zombie may linger until init reaps it).
bool process_alive(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) return false;
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    auto close = text.rfind(')');
    return close != std::string::npos && close + 2 < text.size() && text[close + 2] != 'Z';
}

std::string cmdline(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    for (auto& c : text) {
        if (c == '\0') c = ' ';
    }
    return text;
}

SupervisorOptions options_for(const std::string& dir) {
    SupervisorOptions o;
    o.run_dir = dir;
    o.node_bin = std::string(RAFTLAB_BIN_DIR) + "/raftlab-node";
    o.lab = false;  // process control only; the Lab service is not needed here
    return o;
}

// The child "lab": start three nodes, publish their pids, wait to be killed.
int supervise(const std::string& dir) {
    Supervisor sup(options_for(dir));
    for (NodeId id = 1; id <= 3; ++id)
        sup.plan(id, false);
    std::ostringstream pids;
    for (NodeId id = 1; id <= 3; ++id) {
        std::string e = sup.start(id);
        if (!e.empty()) {
            std::fprintf(stderr, "start node %llu: %s\n", static_cast<unsigned long long>(id),
                         e.c_str());
            return 1;
        }
        pids << sup.pid(id) << "\n";
    }
    {
        std::ofstream out(dir + "/pids.tmp");
        out << pids.str();
    }
    std::rename((dir + "/pids.tmp").c_str(), (dir + "/pids").c_str());
    // Bounded: the test kills us long before this.
    std::this_thread::sleep_for(std::chrono::seconds(120));
    return 0;
}

}  // namespace

class TestSupervisorOrphans : public QObject {
    Q_OBJECT

  private slots:
    void nodes_die_with_a_killed_lab() {
        QTemporaryDir dir;
        QProcess lab;
        lab.setProcessChannelMode(QProcess::ForwardedChannels);
        lab.start(QCoreApplication::applicationFilePath(), {"--supervise", dir.path()});
        QVERIFY(lab.waitForStarted(5000));
        const std::string pid_file = dir.filePath("pids").toStdString();
        QVERIFY2(
            wait_until([&] { return std::ifstream(pid_file).good(); }, std::chrono::seconds(20)),
            "the child lab never wrote its nodes' pids");
        std::vector<pid_t> pids;
        std::ifstream in(pid_file);
        for (pid_t p; in >> p;)
            pids.push_back(p);
        QCOMPARE(pids.size(), size_t{3});
        for (pid_t p : pids) {
            // The pid is published right after fork(); exec may still be on its way.
            QVERIFY2(
                wait_until([&] { return cmdline(p).find("raftlab-node") != std::string::npos; },
                           std::chrono::seconds(5)),
                cmdline(p).c_str());
            QVERIFY2(process_alive(p), "a node died before the lab was killed");
        }

        lab.kill();  // SIGKILL: the lab gets no chance to clean up
        QVERIFY(lab.waitForFinished(5000));

        for (pid_t p : pids) {
            QVERIFY2(wait_until([&] { return !process_alive(p); }, std::chrono::seconds(10)),
                     qPrintable(QString("node pid %1 outlived the kill -9'd lab").arg(p)));
        }
    }

    void process_control_and_captured_output() {
        QTemporaryDir dir;
        Supervisor sup(options_for(dir.path().toStdString()));
        sup.plan(1, false);
        std::atomic<int> lines{0};
        sup.on_line([&](NodeId id, const std::string&) {
            if (id == 1) ++lines;
        });
        QCOMPARE(sup.state(1), ProcessState::NotStarted);
        QCOMPARE(sup.start(1), std::string());
        QVERIFY(sup.config_text(1).find("role = 0, status = 2") != std::string::npos);
        QCOMPARE(sup.state(1), ProcessState::Running);
        // The node prints its role changes; they reach the handler and the log.
        QVERIFY(wait_until([&] { return lines > 0; }, std::chrono::seconds(10)));
        QVERIFY(std::filesystem::file_size(sup.log_path(1)) > 0);

        sup.pause(1);
        QCOMPARE(sup.state(1), ProcessState::Paused);
        sup.resume(1);
        QCOMPARE(sup.state(1), ProcessState::Running);

        // SIGTERM stops a node cleanly, even right after a pause.
        sup.pause(1);
        QCOMPARE(sup.stop(1), 0);
        QCOMPARE(sup.state(1), ProcessState::Exited);

        QCOMPARE(sup.start(1), std::string());
        const pid_t pid = sup.pid(1);
        sup.kill9(1);
        QCOMPARE(sup.exit_code(1), 128 + SIGKILL);
        QVERIFY(!process_alive(pid));

        QCOMPARE(sup.restart(1), std::string());
        QCOMPARE(sup.state(1), ProcessState::Running);
        sup.kill_all();
        QCOMPARE(sup.state(1), ProcessState::Exited);
    }

    void learner_config_has_role_3_status_0() {
        QTemporaryDir dir;
        Supervisor sup(options_for(dir.path().toStdString()));
        sup.plan(1, false);
        sup.plan(2, true);
        const std::string n2 = sup.config_text(2);
        QVERIFY2(n2.find("{ id = 2, address = \"" + sup.node(2).address +
                         "\", role = 3, status = 0 }") != std::string::npos,
                 n2.c_str());
        QVERIFY(n2.find("{ id = 1, address = \"" + sup.node(1).address +
                        "\", role = 0, status = 2 }") != std::string::npos);
        // A bootstrap voter does not list a learner that has not joined yet.
        QVERIFY(sup.config_text(1).find("id = 2") == std::string::npos);
        QVERIFY(sup.node(1).address.rfind("127.0.0.1:", 0) == 0);
    }
};

int main(int argc, char** argv) {
    if (argc == 3 && std::string(argv[1]) == "--supervise") return supervise(argv[2]);
    QCoreApplication app(argc, argv);
    TestSupervisorOrphans test;
    return QTest::qExec(&test, argc, argv);
}
#include "test_supervisor_orphans.moc"
