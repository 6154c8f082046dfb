// A scenario (or the scale-out guide) run step by step for the GUI. It is the
// scenario engine's own Runner, not a second implementation: the runner runs
// on a thread of its own, and before each step it waits until the person
// presses Next (one step) or Run all. What happens comes back as the
// runner's trace records (steps, expectations, faults, node states,
// violations, verdicts) and its narrated lines, as queued signals, so the UI
// never waits on the run.
#pragma once

#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QStringList>
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "scenarios/runner/scenario.h"

namespace raftlab::gui {

class ScenarioPlayer : public QObject {
    Q_OBJECT
  public:
    explicit ScenarioPlayer(QObject* parent = nullptr);
    ~ScenarioPlayer() override;  // cancels the run and waits for it (its nodes are killed)

    // Parses the file. Returns "" or the parser's message (file:line: problem; fix).
    QString load(const QString& path);
    const scenario::Scenario& scenario() const { return scenario_; }
    bool loaded() const { return loaded_; }

    // Where the runner writes its trace (default: a file in a fresh temp dir).
    QString tracePath() const { return trace_path_; }
    // Starts the runner; it stops before step 1 until next() or runAll().
    void start(const QString& node_bin);
    void next();    // let one more step run
    void runAll();  // let every remaining step run
    // Ends the run at the next step or wait (non-blocking); wait() joins it.
    void cancel();
    void wait();
    bool running() const { return running_.load(); }
    bool finished() const { return finished_.load(); }
    int exitCode() const { return exit_code_.load(); }

  signals:
    // The runner stands before step `index` (1-based) until Next.
    void waitingBefore(int index);
    void stepStarted(int index);
    // A wait-for / expect step's condition: whether it held and what was seen.
    void expectation(int index, bool held, const QString& condition, const QString& seen);
    // Every trace record of the run, in order.
    void record(const QJsonObject& record);
    // A node of the run was started (start, join, restart): its address
    // serves KV, Cluster and Lab.
    void nodeStarted(quint64 id, const QString& address);
    void narration(const QString& line);
    // The run is over: 0 passed, 1 failed, 77 needs the lab plane; `failures` says why.
    void runFinished(int exit_code, const QStringList& failures);

  private:
    bool beforeStep(int index);
    void onRecord(const QJsonObject& o);

    scenario::Scenario scenario_;
    bool loaded_ = false;
    QString trace_path_;
    QString trace_dir_;
    std::thread thread_;
    std::mutex mu_;
    std::condition_variable cv_;
    int credits_ = 0;       // guarded by mu_: steps allowed to start
    bool run_all_ = false;  // guarded by mu_
    std::atomic<bool> cancel_{false};
    std::atomic<bool> running_{false};
    std::atomic<bool> finished_{false};
    std::atomic<int> exit_code_{-1};
    std::map<quint64, QString> addresses_;  // runner thread: from the "run" record
    QStringList failures_;                  // runner thread: the run's verdict record
};

}  // namespace raftlab::gui
