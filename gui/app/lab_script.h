// A few live steps run one after another on the UI thread's event loop,
// for reproducible demonstrations and the README's screenshots of a live
// cluster: `raftlab --lab-script "leader; kill-leader; until candidate;
// freeze; shot out.png; quit"`. Waiting steps poll the window's state on a
// timer with a deadline; nothing blocks. Steps act through the same
// QActions a person clicks.
//
//   leader                 until a leader is known and every node reports
//   until ROLE             until some node is ROLE (Candidate, PreCandidate, Learner...)
//   until-voters N         until the cluster has N voters
//   until-caught-up        until every node's last index equals the leader's
//   wait MS                wall-clock pause
//   kill-leader, pause-leader, isolate-leader, split, slow-follower, heal,
//   add-node, freeze, rate X, step
//   workload N             client workload at N puts/s (0 stops it)
//   delay MS               delay every link by MS (lab time), both ways
//   hide-heartbeats        the Ctrl+B filter
//   select ID              select a node (what node actions act on)
//   shot FILE [WIDGET]     save a PNG of window|cluster|log|timeline|charts
//   guide-next             the guide player's Next
//   until-step N           until the guide player has started step N
//   quit                   close the window (stops every process)
#pragma once

#include <QObject>
#include <QString>
#include <QStringList>
#include <QTimer>
#include <functional>

namespace raftlab::gui {

class MainWindow;

class LabScript : public QObject {
    Q_OBJECT
  public:
    LabScript(MainWindow* window, const QString& script, QObject* parent = nullptr);
    void start();
    // Empty if the script parses; else which step is wrong.
    static QString check(const QString& script);

  signals:
    void failed(const QString& why);
    void finished();

  private:
    void next();
    // Polls `done` every 20 ms for up to `timeout_ms`, then goes on.
    void waitUntil(std::function<bool()> done, int timeout_ms, const QString& what);

    MainWindow* window_;
    QStringList steps_;
    int at_ = 0;
    QTimer poll_;
};

}  // namespace raftlab::gui
