// The live half of the window: starting or attaching to a real cluster,
// and what the live actions do. Every action only posts a request to the
// LabController (its own thread); nothing here waits on a process or an RPC.
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QJsonObject>
#include <QLabel>
#include <QMessageBox>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTimer>
#include <QToolBar>

#include "gui/app/client_panel.h"
#include "gui/app/guide_panel.h"
#include "gui/app/health_panel.h"
#include "gui/app/main_window.h"
#include "gui/live/applied_audit.h"
#include "gui/live/health_board.h"
#include "gui/live/lab_controller.h"
#include "gui/live/live_watch_source.h"
#include "gui/live/scenario_player.h"
#include "gui/live/session_recorder.h"
#include "gui/views/cluster_view.h"

namespace raftlab::gui {

namespace {
// A live session keeps this many events (about half an hour of a busy
// 3-node cluster with heartbeats); older ones are forgotten a chunk at a time.
constexpr std::size_t kLiveHistoryEvents = 400'000;
constexpr std::uint32_t kSlowFollowerDelayMs = 200;
// A live message unanswered for this long was swallowed (a cut link, a
// dead receiver): the timeline ends it in a cross instead of an arrow to now.
// Generous against slow motion: 0.1× with a 50 ms link delay is 500 ms.
constexpr std::int64_t kLostAfterMs = 1000;
}  // namespace

void MainWindow::becomeLive(const QString& title) {
    session_.setMaxEvents(kLiveHistoryEvents);
    session_.setLostAfter(kLostAfterMs);
    live_ = new LiveWatchSource(monotonic_now_ns());
    controller_ = new LabController(live_);
    connect(controller_, &LabController::status, this,
            [this](const QString& m) { statusBar()->showMessage(m, 8000); });
    session_.setSource(live_);  // the session owns the source from here
    actions_->setLive(true);
    connectLiveActions();
    startLiveChecks();
    setPanelsVisible(true);
    stack_->setCurrentWidget(cluster_);
    source_label_->setText(title);
    setWindowTitle(tr("Raft Lab — %1").arg(title));

    client_panel_ = new ClientPanel(controller_, this);
    auto* client_dock = new QDockWidget(tr("Client"), this);
    client_dock->setObjectName(QStringLiteral("client"));
    client_dock->setWidget(client_panel_);
    addDockWidget(Qt::RightDockWidgetArea, client_dock);
    // A tab beside the events: stacked below them it squeezed the Nodes
    // table to one row, and health, nodes and events are what a class reads.
    tabifyDockWidget(dock(QStringLiteral("events")), client_dock);
    dock(QStringLiteral("events"))->raise();
    resizeDocks({dock(QStringLiteral("health")), dock(QStringLiteral("nodes"))}, {215, 175},
                Qt::Vertical);
    connect(&session_, &LabSession::eventsAppended, this,
            [this] { client_panel_->setNodes(session_.history().head().node_ids()); });

    // Lab time as a choice, 0.1× to 1×, next to the freeze/step actions.
    if (auto* bar = findChild<QToolBar*>(QStringLiteral("live"))) {
        auto* rate = new QComboBox;
        rate->setObjectName(QStringLiteral("labTimeRate"));
        rate->setToolTip(tr("How fast lab time runs on every node (slow motion)"));
        for (double r : {1.0, 0.5, 0.25, 0.1})
            rate->addItem(tr("lab time %1×").arg(r), r);
        connect(rate, &QComboBox::activated, this, [this, rate](int i) {
            controller_->setClock(liveNodes(), rate->itemData(i).toDouble());
        });
        bar->addWidget(rate);
    }
}

void MainWindow::startLiveChecks() {
    audit_ = new AppliedAudit(
        [this](std::vector<AppliedEntry> found) {
            if (found.empty() || live_ == nullptr) return;
            // Judged on the merge thread's board, the one the lights show.
            live_->judgeHealth(
                [found = std::move(found)](HealthBoard& b) { b.observeApplied(found); });
        },
        this);
    auto* every_second = new QTimer(audit_);
    connect(every_second, &QTimer::timeout, this, [this] {
        if (controller_ == nullptr || audit_ == nullptr) return;
        std::map<NodeId, AppliedAudit::Target> targets;
        const auto addresses = controller_->nodeAddresses();
        for (const auto& [id, n] : session_.history().head().nodes()) {
            auto a = addresses.find(id);
            if (a != addresses.end() && n.liveness == Liveness::Alive)
                targets[id] = {a->second, n.applied_index};
        }
        audit_->poll(targets);
    });
    every_second->start(1000);
    connect(controller_, &LabController::clientHistoryJudged, this,
            [this](int verdict, const QString& summary, const QString& evidence) {
                ClientHistory::Judgement j;
                j.verdict = static_cast<ClientHistory::Judgement::Verdict>(verdict);
                j.summary = summary.toStdString();
                j.evidence = evidence.toStdString();
                if (live_ != nullptr)
                    live_->judgeHealth([j](HealthBoard& b) { b.judgeClientHistory(j); });
            });
}

void MainWindow::startLocalCluster(int nodes, const QString& node_bin) {
    becomeLive(tr("Live: %1 local nodes").arg(nodes));
    recorder_ = std::make_unique<SessionRecorder>(nodes, lab_raft_toml());
    controller_->setRecorder(recorder_.get());
    controller_->startLocal(nodes, node_bin);
}

void MainWindow::attachCluster(const std::vector<std::string>& lab_addresses) {
    QStringList where;
    for (const auto& a : lab_addresses)
        where << QString::fromStdString(a);
    becomeLive(tr("Attached to %1").arg(where.join(QStringLiteral(", "))));
    controller_->attach(lab_addresses);
    connect(live_, &LiveWatchSource::memberSeen, this, [this](quint64 id) {
        // The Lab service does not say where a member's own Lab service
        // listens, so a member we were not told about is shown (from the
        // others' states) but not streamed.
        statusBar()->showMessage(
            tr("Node %1 is a member; pass its Lab address to --attach to watch it too").arg(id),
            8000);
    });
}

QString MainWindow::saveScenario(const QString& path) {
    if (!recorder_) {
        return tr(
            "Only a local cluster started by this window (raftlab with no --replay, "
            "--attach or --scenario) is recorded as a scenario");
    }
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text))
        return tr("Cannot write %1: %2").arg(path, f.errorString());
    const std::string name = QFileInfo(path).completeBaseName().toStdString();
    f.write(QByteArray::fromStdString(recorder_->toml(name.empty() ? "session" : name)));
    statusBar()->showMessage(tr("Saved %1 actions as %2 (raftlab-scenario run replays it)")
                                 .arg(recorder_->actions())
                                 .arg(path),
                             8000);
    return {};
}

QString MainWindow::startScenario(const QString& path, const QString& node_bin) {
    auto* player = new ScenarioPlayer(this);
    const QString bad = player->load(path);
    if (!bad.isEmpty()) {
        delete player;
        return bad;
    }
    player_ = player;
    const auto& sc = player_->scenario();
    becomeLive(tr("Scenario: %1").arg(QString::fromStdString(sc.name)));
    // The scenario engine starts and stops the nodes; the window streams
    // each one as it starts, and its links, clock and client work.
    connect(player_, &ScenarioPlayer::nodeStarted, this,
            [this](quint64 id, const QString& address) {
                if (controller_) controller_->adopt(id, address.toStdString());
            });
    // The engine's faults (start, join, kill, restart...) go on the timeline.
    connect(player_, &ScenarioPlayer::record, this, [this](const QJsonObject& o) {
        if (live_ == nullptr || o.value(QLatin1String("kind")).toString() != QLatin1String("fault"))
            return;
        Event e;
        e.kind = EventKind::Fault;
        e.kind_name = "fault";
        e.node = o.value(QLatin1String("node")).toInteger();
        e.what = o.value(QLatin1String("what")).toString().toStdString();
        e.text = o.value(QLatin1String("detail")).toString().toStdString();
        live_->inject(std::move(e));
    });
    connect(player_, &ScenarioPlayer::record, this, [this](const QJsonObject& o) {
        // Judged in order with the events, on the merge thread; the lights
        // show it with the next batch.
        live_->recordHealth(o);
    });
    connect(player_, &ScenarioPlayer::narration, this,
            [this](const QString& line) { statusBar()->showMessage(line, 6000); });

    guide_ = new GuidePanel(player_, actions_->guideNext, actions_->guideRunAll);
    auto* dock = new QDockWidget(tr("Guide"), this);
    dock->setObjectName(QStringLiteral("guide"));
    dock->setWidget(guide_);
    addDockWidget(Qt::LeftDockWidgetArea, dock);
    // Three columns of about equal weight: guide, cluster, the right docks.
    resizeDocks({dock, this->dock(QStringLiteral("nodes"))}, {width() * 2 / 7, width() * 2 / 7},
                Qt::Horizontal);
    connect(guide_, &GuidePanel::focusChanged, cluster_, &ClusterView::setHighlighted);
    connect(actions_->guideNext, &QAction::triggered, player_, &ScenarioPlayer::next);
    connect(actions_->guideRunAll, &QAction::triggered, player_, &ScenarioPlayer::runAll);
    actions_->guideNext->setEnabled(true);
    actions_->guideRunAll->setEnabled(true);
    player_->start(node_bin);
    return {};
}

void MainWindow::stopLiveCluster() {
    // The scenario engine first: it kills the nodes it started when its run
    // ends (cancelled at its next step or wait), from its own thread.
    if (player_ != nullptr) {
        player_->cancel();
        player_->wait();
    }
    if (controller_ == nullptr) return;
    if (client_panel_ != nullptr) client_panel_->detach();
    // No more reads of the nodes' logs: they are going away.
    delete audit_;
    audit_ = nullptr;
    controller_->shutdown();
    delete controller_;
    controller_ = nullptr;
    actions_->setLive(false);  // nothing left to act on
    if (live_) live_->stop();
}

void MainWindow::closeEvent(QCloseEvent* event) {
    // Closing the lab stops every process it started (issue 7), before the
    // window goes, so no raftlab-node outlives it.
    stopLiveCluster();
    QMainWindow::closeEvent(event);
}

NodeId MainWindow::targetNode() const {
    return cluster_->selectedNode();
}

std::vector<NodeId> MainWindow::liveNodes() const {
    return session_.history().head().node_ids();
}

void MainWindow::updateLiveActions() {
    if (controller_ == nullptr) return;
    const NodeId id = targetNode();
    const bool process = id != kNoNode && controller_->canControl(id);
    const QString why = id == kNoNode
                            ? tr("Select a node first (click it in the cluster view)")
                            : tr("Node %1 was not started by this app: only its Lab service "
                                 "(links, clock) is reachable")
                                  .arg(id);
    for (QAction* a :
         {actions_->killNode, actions_->stopNode, actions_->pauseNode, actions_->resumeNode,
          actions_->restartNode, actions_->transferLeader, actions_->removeNode}) {
        a->setEnabled(process);
        if (!process) a->setStatusTip(why);
    }
    actions_->addNode->setEnabled(controller_->ownsProcesses());
}

void MainWindow::connectLiveActions() {
    connect(cluster_, &ClusterView::nodeSelected, this, &MainWindow::updateLiveActions);
    connect(controller_, &LabController::nodeStarted, this, &MainWindow::updateLiveActions);
    updateLiveActions();
    auto on_node = [this](QAction* a, void (LabController::*f)(NodeId), const char* step) {
        connect(a, &QAction::triggered, this, [this, f, step] {
            const NodeId id = targetNode();
            if (id == kNoNode || controller_ == nullptr) {
                statusBar()->showMessage(tr("Select a node first (click it in the cluster view)"),
                                         5000);
                return;
            }
            if (recorder_ && controller_->canControl(id))
                recorder_->process(step, id, id == session_.history().head().leader());
            (controller_->*f)(id);
        });
    };
    on_node(actions_->killNode, &LabController::kill9, "kill");
    on_node(actions_->stopNode, &LabController::stop, "stop");
    on_node(actions_->pauseNode, &LabController::pause, "pause");
    on_node(actions_->resumeNode, &LabController::resume, "resume");
    on_node(actions_->restartNode, &LabController::restart, "restart");
    connect(actions_->transferLeader, &QAction::triggered, this, [this] {
        const NodeId leader = session_.history().head().leader();
        if (leader == kNoNode || targetNode() == kNoNode) {
            statusBar()->showMessage(tr("Transfer needs a leader and a selected node"), 5000);
            return;
        }
        if (recorder_) recorder_->transfer(targetNode());
        controller_->transferLeadership(leader, targetNode());
    });
    connect(actions_->removeNode, &QAction::triggered, this, [this] {
        const NodeId leader = session_.history().head().leader();
        if (leader == kNoNode || targetNode() == kNoNode) {
            statusBar()->showMessage(tr("Remove needs a leader and a selected node"), 5000);
            return;
        }
        if (recorder_) recorder_->remove(targetNode(), targetNode() == leader);
        controller_->remove(leader, targetNode());
    });
    connect(actions_->addNode, &QAction::triggered, this, [this] { controller_->addLearner(); });

    // Network presets: rules go to the *sending* node of each directed link,
    // so a partition is a cut on both ends (lab.proto, SetLinkRules).
    connect(actions_->isolateLeader, &QAction::triggered, this, [this] {
        const NodeId leader = session_.history().head().leader();
        if (leader == kNoNode) {
            statusBar()->showMessage(tr("There is no leader to isolate right now"), 5000);
            return;
        }
        if (recorder_) recorder_->isolate(leader, true);
        std::vector<LinkRuleSpec> rules;
        for (NodeId other : liveNodes()) {
            if (other == leader) continue;
            rules.push_back({leader, other, 0, 0, 0, true});
            rules.push_back({other, leader, 0, 0, 0, true});
        }
        controller_->setLinkRules(
            rules, tr("Leader %1 isolated: every link to and from it is cut").arg(leader));
    });
    connect(actions_->split21, &QAction::triggered, this, [this] {
        // The leader keeps a majority; the last follower is alone. (Isolate
        // the leader for the other split.)
        const auto ids = liveNodes();
        if (ids.size() < 3) return;
        const NodeId leader = session_.history().head().leader();
        NodeId alone = ids.back() == leader ? ids[ids.size() - 2] : ids.back();
        if (recorder_) recorder_->isolate(alone, false);
        std::vector<LinkRuleSpec> rules;
        for (NodeId other : ids) {
            if (other == alone) continue;
            rules.push_back({alone, other, 0, 0, 0, true});
            rules.push_back({other, alone, 0, 0, 0, true});
        }
        controller_->setLinkRules(
            rules, tr("Split: node %1 alone, the others keep a majority").arg(alone));
    });
    connect(actions_->slowFollower, &QAction::triggered, this, [this] {
        const NodeId leader = session_.history().head().leader();
        NodeId slow = kNoNode;
        for (NodeId id : liveNodes())
            if (id != leader) {
                slow = id;
                break;
            }
        if (slow == kNoNode) return;
        if (recorder_) recorder_->delay(slow, false, kSlowFollowerDelayMs, 20);
        std::vector<LinkRuleSpec> rules;
        for (NodeId other : liveNodes()) {
            if (other == slow) continue;
            rules.push_back({slow, other, kSlowFollowerDelayMs, 20, 0, false});
            rules.push_back({other, slow, kSlowFollowerDelayMs, 20, 0, false});
        }
        controller_->setLinkRules(rules,
                                  tr("Node %1 is slow: %2 ms ± 20 ms on its links, both ways")
                                      .arg(slow)
                                      .arg(kSlowFollowerDelayMs));
    });
    connect(actions_->healAll, &QAction::triggered, this, [this] {
        if (recorder_) recorder_->heal();
        controller_->healAll(liveNodes());
    });
    connect(actions_->freezeClock, &QAction::triggered, this, [this] {
        if (recorder_) recorder_->clock(0);
        controller_->setClock(liveNodes(), 0);
    });
    connect(actions_->slowMotion, &QAction::triggered, this, [this] {
        if (recorder_) recorder_->clock(0.1);
        controller_->setClock(liveNodes(), 0.1);
    });
    connect(actions_->stepClock, &QAction::triggered, this, [this] {
        if (recorder_) recorder_->clockStep(100);
        controller_->stepClock(liveNodes(), 100);
    });
    connect(actions_->saveScenario, &QAction::triggered, this, [this] {
        const QString path =
            QFileDialog::getSaveFileName(this, tr("Save session as scenario"),
                                         QStringLiteral("session.toml"), tr("Scenarios (*.toml)"));
        if (path.isEmpty()) return;
        const QString why = saveScenario(path);
        if (!why.isEmpty()) QMessageBox::warning(this, tr("Save failed"), why);
    });
}

}  // namespace raftlab::gui
