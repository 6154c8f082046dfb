#include "gui/app/lab_actions.h"

namespace raftlab::gui {

namespace {
const char* kLiveWhat = "raftlab_live_what";
}

QAction* LabActions::make(const QString& text, const QKeySequence& key, const QString& tip) {
    auto* a = new QAction(text, this);
    a->setShortcut(key);
    a->setShortcutContext(Qt::ApplicationShortcut);
    const QString with_key =
        key.isEmpty() ? tip
                      : QStringLiteral("%1 (%2)").arg(tip, key.toString(QKeySequence::NativeText));
    a->setToolTip(with_key);
    a->setStatusTip(tip);
    all_.append(a);
    return a;
}

QAction* LabActions::makeLive(const QString& text, const QKeySequence& key, const QString& what) {
    QAction* a = make(text, key, what);
    a->setProperty(kLiveWhat, what);
    return a;
}

LabActions::LabActions(QObject* parent) : QObject(parent) {
    openTrace = make(tr("&Open trace…"), QKeySequence(tr("Ctrl+O")),
                     tr("Open a recorded JSON Lines trace"));
    exportCluster = make(tr("Export cluster view as PNG…"), QKeySequence(tr("Ctrl+E")),
                         tr("Save the cluster view as a PNG image"));
    exportTimeline = make(tr("Export timeline as PNG…"), QKeySequence(tr("Ctrl+Shift+E")),
                          tr("Save the timeline as a PNG image"));
    quit = make(tr("&Quit"), QKeySequence(tr("Ctrl+Q")), tr("Quit the lab"));
    saveTrace = make(tr("Save session trace…"), QKeySequence(tr("Ctrl+S")),
                     tr("Save everything seen so far as a JSON Lines trace (--replay opens it)"));
    saveScenario =
        make(tr("Save session as scenario…"), QKeySequence(tr("Ctrl+Shift+S")),
             tr("Save what you did (kill, pause, partition, delay, clock, put…) as a scenario "
                "file that raftlab-scenario run replays"));
    guideNext = make(tr("Next step ▶"), QKeySequence(tr("N")), tr("Run the guide's next step"));
    guideRunAll = make(tr("Run all ▶▶"), QKeySequence(tr("Shift+N")),
                       tr("Run every remaining step of the guide"));
    guideNext->setEnabled(false);
    guideRunAll->setEnabled(false);

    playPause = make(tr("Play / pause"), QKeySequence(Qt::Key_Space),
                     tr("Play the replay from the playhead, or pause it"));
    playPause->setCheckable(true);
    stepBack = make(tr("Step back"), QKeySequence(Qt::Key_Left), tr("Move the playhead 1 ms back"));
    stepForward =
        make(tr("Step forward"), QKeySequence(Qt::Key_Right), tr("Move the playhead 1 ms forward"));
    toStart =
        make(tr("To start"), QKeySequence(Qt::Key_Home), tr("Move the playhead to the start"));
    toEnd =
        make(tr("To end"), QKeySequence(Qt::Key_End), tr("Move the playhead to the newest event"));
    slower = make(tr("Slower"), QKeySequence(Qt::Key_BracketLeft), tr("Halve the replay speed"));
    faster = make(tr("Faster"), QKeySequence(Qt::Key_BracketRight), tr("Double the replay speed"));
    follow = make(tr("Follow newest"), QKeySequence(tr("Ctrl+F")),
                  tr("Keep the playhead on the newest event as events arrive"));
    follow->setCheckable(true);

    classroom = make(tr("&Classroom mode"), QKeySequence(tr("Ctrl+Shift+C")),
                     tr("Large fonts and high contrast, for a projector"));
    classroom->setCheckable(true);
    hideHeartbeats = make(tr("Hide heartbeats"), QKeySequence(tr("Ctrl+B")),
                          tr("Hide heartbeat messages in the timeline and the event list"));
    hideHeartbeats->setCheckable(true);
    zoomIn = make(tr("Zoom timeline in"), QKeySequence(tr("Ctrl+=")),
                  tr("Show a shorter stretch of time in the timeline"));
    zoomOut = make(tr("Zoom timeline out"), QKeySequence(tr("Ctrl+-")),
                   tr("Show a longer stretch of time in the timeline"));
    shortcuts = make(tr("Keyboard shortcuts"), QKeySequence(Qt::Key_F1),
                     tr("List every action and its shortcut"));

    killNode =
        makeLive(tr("Kill -9"), QKeySequence(tr("K")), tr("kill -9 the selected node's process"));
    stopNode =
        makeLive(tr("Stop"), QKeySequence(tr("S")), tr("stop the selected node with SIGTERM"));
    pauseNode =
        makeLive(tr("Pause"), QKeySequence(tr("P")), tr("pause the selected node (SIGSTOP)"));
    resumeNode =
        makeLive(tr("Resume"), QKeySequence(tr("R")), tr("resume a paused node (SIGCONT)"));
    restartNode =
        makeLive(tr("Restart"), QKeySequence(tr("Shift+R")), tr("restart the selected node"));
    transferLeader = makeLive(tr("Transfer leadership here"), QKeySequence(tr("T")),
                              tr("transfer leadership to the selected node"));
    removeNode = makeLive(tr("Remove from cluster"), QKeySequence(tr("Shift+Del")),
                          tr("remove the selected node from the membership"));
    addNode = makeLive(tr("Add node (learner)"), QKeySequence(tr("Ctrl+N")),
                       tr("start a new node and join it as a learner"));
    isolateLeader = makeLive(tr("Isolate the leader"), QKeySequence(tr("Ctrl+I")),
                             tr("cut every link of the current leader"));
    split21 = makeLive(tr("Split 2 | 1"), QKeySequence(tr("Ctrl+2")),
                       tr("partition the cluster into a majority and a minority"));
    slowFollower = makeLive(tr("Slow one follower"), QKeySequence(tr("Ctrl+L")),
                            tr("add 200 ms of delay to one follower's links"));
    healAll = makeLive(tr("Heal all links"), QKeySequence(tr("Ctrl+H")),
                       tr("clear every injected network fault"));
    freezeClock = makeLive(tr("Freeze lab time"), QKeySequence(tr("F")),
                           tr("freeze lab time on every node (rate 0)"));
    slowMotion = makeLive(tr("Slow motion 0.1×"), QKeySequence(tr("Shift+F")),
                          tr("run lab time at 0.1× on every node"));
    stepClock = makeLive(tr("Step lab time +100 ms"), QKeySequence(tr("Ctrl+Right")),
                         tr("advance frozen lab time by 100 ms"));

    live_node_ = {killNode,    stopNode,       pauseNode, resumeNode,
                  restartNode, transferLeader, removeNode};
    live_cluster_ = {addNode, isolateLeader, split21,    slowFollower,
                     healAll, freezeClock,   slowMotion, stepClock};
    setLive(false);
}

QList<QAction*> LabActions::liveNodeActions() const {
    return live_node_;
}
QList<QAction*> LabActions::liveClusterActions() const {
    return live_cluster_;
}
QList<QAction*> LabActions::all() const {
    return all_;
}

void LabActions::setLive(bool live) {
    for (QAction* a : live_node_ + live_cluster_) {
        a->setEnabled(live);
        const QString what = a->property(kLiveWhat).toString();
        const QString key = a->shortcut().toString(QKeySequence::NativeText);
        a->setToolTip(live ? QStringLiteral("%1 (%2)").arg(what, key)
                           : tr("Needs a live cluster: this would %1. A replayed trace has no "
                                "processes to act on; start the lab without --replay once live "
                                "clusters are available.")
                                 .arg(what));
        a->setStatusTip(a->toolTip());
    }
}

}  // namespace raftlab::gui
