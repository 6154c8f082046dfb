// Every action of the lab, with its keyboard shortcut, in one place so the
// menu, the toolbars, the context menus and docs/gui.md agree. Actions that
// act on real processes, links or the lab clock exist already but stay
// disabled, with a tooltip that says why, until a live source is attached.
#pragma once

#include <QAction>
#include <QList>
#include <QObject>

namespace raftlab::gui {

class LabActions : public QObject {
    Q_OBJECT
  public:
    explicit LabActions(QObject* parent = nullptr);

    // File
    QAction* openTrace;
    QAction* exportCluster;
    QAction* exportTimeline;
    QAction* quit;
    // Record and reproduce
    QAction* saveTrace;
    QAction* saveScenario;
    // Guide player (--guide, --scenario)
    QAction* guideNext;
    QAction* guideRunAll;
    // Playback (replays and scrubbing)
    QAction* playPause;
    QAction* stepBack;
    QAction* stepForward;
    QAction* toStart;
    QAction* toEnd;
    QAction* slower;
    QAction* faster;
    QAction* follow;
    // View
    QAction* classroom;
    QAction* hideHeartbeats;
    QAction* zoomIn;
    QAction* zoomOut;
    QAction* shortcuts;
    // Live cluster: per node
    QAction* killNode;
    QAction* stopNode;
    QAction* pauseNode;
    QAction* resumeNode;
    QAction* restartNode;
    QAction* transferLeader;
    QAction* removeNode;
    QAction* addNode;
    // Live cluster: links and time
    QAction* isolateLeader;
    QAction* split21;
    QAction* slowFollower;
    QAction* healAll;
    QAction* freezeClock;
    QAction* slowMotion;
    QAction* stepClock;

    QList<QAction*> liveNodeActions() const;
    QList<QAction*> liveClusterActions() const;
    QList<QAction*> all() const;
    // Enables or disables the live actions; the tooltip says what they need.
    void setLive(bool live);

  private:
    QAction* make(const QString& text, const QKeySequence& key, const QString& tip);
    QAction* makeLive(const QString& text, const QKeySequence& key, const QString& what);
    QList<QAction*> all_;
    QList<QAction*> live_node_;
    QList<QAction*> live_cluster_;
};

}  // namespace raftlab::gui
