#include "gui/app/main_window.h"

#include <QApplication>
#include <QComboBox>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontMetrics>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QSignalBlocker>
#include <QSlider>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>
#include <cmath>

#include "gui/app/health_panel.h"
#include "gui/app/welcome_page.h"
#include "gui/live/health_board.h"
#include "gui/live/live_watch_source.h"
#include "gui/live/session_recorder.h"
#include "gui/model/trace_file_source.h"
#include "gui/model/trace_writer.h"
#include "gui/models/event_filter_proxy.h"
#include "gui/models/event_list_model.h"
#include "gui/models/log_model.h"
#include "gui/models/model_roles.h"
#include "gui/models/node_table_model.h"
#include "gui/views/client_chart.h"
#include "gui/views/cluster_view.h"
#include "gui/views/commit_chart.h"
#include "gui/views/filter_bar.h"
#include "gui/views/log_view.h"
#include "gui/views/palette.h"
#include "gui/views/timeline_view.h"

namespace raftlab::gui {

namespace {
const double kSpeeds[] = {0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2, 5};

QDockWidget* makeDock(QMainWindow* w, const QString& title, const QString& name, QWidget* body) {
    auto* d = new QDockWidget(title, w);
    d->setObjectName(name);
    d->setWidget(body);
    return d;
}
}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(tr("Raft Lab"));
    actions_ = new LabActions(this);
    node_model_ = new NodeTableModel(this);
    event_model_ = new EventListModel(50000, this);
    event_proxy_ = new EventFilterProxy(this);
    event_proxy_->setSourceModel(event_model_);
    log_model_ = new LogModel(this);

    stack_ = new QStackedWidget;
    welcome_ = new WelcomePage;
    cluster_ = new ClusterView;
    stack_->addWidget(welcome_);
    stack_->addWidget(cluster_);
    setCentralWidget(stack_);
    connect(welcome_, &WelcomePage::openTraceRequested, actions_->openTrace, &QAction::trigger);

    buildDocks();
    buildTransport();
    buildMenus();
    connectSession();
    source_label_ = new QLabel(tr("No trace loaded"));
    statusBar()->addPermanentWidget(source_label_);
    dropped_label_ = new QLabel;
    dropped_label_->setObjectName(QStringLiteral("droppedEvents"));
    statusBar()->addPermanentWidget(dropped_label_);
    // Nothing to show yet: the welcome page gets the whole window, the
    // panels appear with the first trace.
    setPanelsVisible(false);
    resize(1500, 950);
}

MainWindow::~MainWindow() {
    // Before the session (and the live source the controller feeds) goes.
    stopLiveCluster();
}

QDockWidget* MainWindow::dock(const QString& name) const {
    return findChild<QDockWidget*>(name);
}

void MainWindow::buildDocks() {
    setDockOptions(AnimatedDocks | AllowTabbedDocks | AllowNestedDocks);
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);

    node_table_ = new QTableView;
    node_table_->setModel(node_model_);
    node_table_->verticalHeader()->hide();
    node_table_->horizontalHeader()->setStretchLastSection(true);
    node_table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    node_table_->setAlternatingRowColors(true);
    // A handful of rows: sizing to contents on every change is cheap and
    // keeps "PreCandidate" readable.
    node_table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    health_ = std::make_unique<HealthBoard>();
    health_panel_ = new HealthPanel;
    addDockWidget(Qt::RightDockWidgetArea, makeDock(this, tr("Health"), "health", health_panel_));
    addDockWidget(Qt::RightDockWidgetArea, makeDock(this, tr("Nodes"), "nodes", node_table_));

    auto* events = new QWidget;
    auto* ev_col = new QVBoxLayout(events);
    ev_col->setContentsMargins(0, 0, 0, 0);
    event_filter_ = new FilterBar(/*with_kinds=*/true);
    event_table_ = new QTableView;
    event_table_->setModel(event_proxy_);
    event_table_->verticalHeader()->hide();
    event_table_->horizontalHeader()->setStretchLastSection(true);
    event_table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    event_table_->setWordWrap(false);
    event_table_->setToolTip(tr("Double-click an event to move the playhead to it"));
    event_table_->setColumnWidth(EventListModel::Time, 80);
    event_table_->setColumnWidth(EventListModel::Node, 48);
    event_table_->setColumnWidth(EventListModel::Kind, 70);
    ev_col->addWidget(event_filter_);
    ev_col->addWidget(event_table_);
    connect(event_filter_, &FilterBar::nodeToggled, event_proxy_,
            &EventFilterProxy::setNodeVisible);
    connect(event_filter_, &FilterBar::familyToggled, event_proxy_,
            &EventFilterProxy::setFamilyVisible);
    connect(event_filter_, &FilterBar::kindToggled, event_proxy_,
            &EventFilterProxy::setKindVisible);
    connect(event_table_, &QTableView::doubleClicked, this, [this](const QModelIndex& i) {
        session_.setFollowing(false);
        session_.seek(i.data(TimeRole).toLongLong());
    });
    addDockWidget(Qt::RightDockWidgetArea, makeDock(this, tr("Events"), "events", events));

    log_view_ = new LogView;
    log_view_->setModel(log_model_);
    auto* log_box = new QWidget;
    auto* log_col = new QVBoxLayout(log_box);
    log_col->setContentsMargins(0, 0, 0, 0);
    log_col->setSpacing(2);
    log_col->addWidget(log_view_, 1);
    auto* legend =
        new QLabel(tr("Each square is an entry, its colour and number its term. "
                      "<b>Solid</b> = committed, <b>dashed</b> = not committed yet, "
                      "<b>hatched</b> = in a snapshot. ▲ applied_index · ┃ snapshot "
                      "boundary · on a follower's row, the leader's <b>m</b> = "
                      "match_index and <b>→n</b> = next_index for it."));
    legend->setObjectName(QStringLiteral("logLegend"));
    legend->setWordWrap(true);
    legend->setContentsMargins(6, 0, 6, 2);
    log_col->addWidget(legend);
    auto* log_dock = makeDock(this, tr("Log"), "log", log_box);
    addDockWidget(Qt::BottomDockWidgetArea, log_dock);

    auto* tl = new QWidget;
    auto* tl_col = new QVBoxLayout(tl);
    tl_col->setContentsMargins(0, 0, 0, 0);
    timeline_filter_ = new FilterBar(/*with_kinds=*/false);
    timeline_ = new TimelineView;
    timeline_->setHistory(&session_.history());
    tl_col->addWidget(timeline_filter_);
    tl_col->addWidget(timeline_, 1);
    connect(timeline_filter_, &FilterBar::nodeToggled, timeline_, &TimelineView::setNodeVisible);
    connect(timeline_filter_, &FilterBar::familyToggled, timeline_,
            &TimelineView::setFamilyVisible);
    connect(timeline_, &TimelineView::seekRequested, this, [this](std::int64_t t) {
        session_.setFollowing(false);
        session_.seek(t);
    });
    auto* tl_dock = makeDock(this, tr("Timeline"), "timeline", tl);
    addDockWidget(Qt::BottomDockWidgetArea, tl_dock);

    // commit_index per node, and the client load (writes/s, latency) beside it.
    chart_ = new CommitChart;
    chart_->setHistory(&session_.history());
    client_chart_ = new ClientChart;
    client_chart_->setHistory(&session_.history());
    auto* charts = new QSplitter(Qt::Horizontal);
    charts->addWidget(chart_);
    charts->addWidget(client_chart_);
    auto* charts_dock = makeDock(this, tr("Charts"), "charts", charts);
    splitDockWidget(log_dock, tl_dock, Qt::Vertical);
    tabifyDockWidget(tl_dock, charts_dock);
    tl_dock->raise();
    // The cluster view gets the most room: it is what a class looks at.
    resizeDocks({log_dock, tl_dock}, {230, 240}, Qt::Vertical);
    resizeDocks({dock("nodes"), dock("events")}, {170, 600}, Qt::Vertical);
    resizeDocks({dock("nodes")}, {620}, Qt::Horizontal);
}

void MainWindow::buildTransport() {
    auto* bar = new QToolBar(tr("Time"));
    bar->setObjectName("transport");
    bar->setMovable(false);
    bar->addAction(actions_->toStart);
    bar->addAction(actions_->stepBack);
    bar->addAction(actions_->playPause);
    bar->addAction(actions_->stepForward);
    bar->addAction(actions_->toEnd);
    speed_box_ = new QComboBox;
    for (double s : kSpeeds)
        speed_box_->addItem(QStringLiteral("%1×").arg(s), s);
    speed_box_->setToolTip(
        tr("Replay speed: lab milliseconds per wall-clock millisecond ([ and ])"));
    speed_box_->setCurrentIndex(3);
    bar->addWidget(speed_box_);
    scrubber_ = new QSlider(Qt::Horizontal);
    scrubber_->setToolTip(tr("Time scrubber: drag to see the cluster at any past moment"));
    scrubber_->setEnabled(false);
    bar->addWidget(scrubber_);
    time_label_ = new QLabel(QStringLiteral("  t = 0 ms  "));
    time_label_->setMinimumWidth(150);
    bar->addWidget(time_label_);
    addToolBar(Qt::BottomToolBarArea, bar);

    auto* live = new QToolBar(tr("Live cluster"));
    live->setObjectName("live");
    live->addAction(actions_->openTrace);
    live->addSeparator();
    for (QAction* a : actions_->liveNodeActions())
        live->addAction(a);
    live->addSeparator();
    for (QAction* a : actions_->liveClusterActions())
        live->addAction(a);
    live->addSeparator();
    live->addAction(actions_->classroom);
    addToolBar(Qt::TopToolBarArea, live);

    connect(speed_box_, &QComboBox::currentIndexChanged, this,
            [this](int i) { session_.setSpeed(speed_box_->itemData(i).toDouble()); });
    connect(scrubber_, &QSlider::valueChanged, this, [this](int v) {
        session_.setFollowing(false);
        session_.seek(v);
    });
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(actions_->openTrace);
    file->addSeparator();
    file->addAction(actions_->saveTrace);
    file->addAction(actions_->saveScenario);
    file->addSeparator();
    file->addAction(actions_->exportCluster);
    file->addAction(actions_->exportTimeline);
    file->addSeparator();
    file->addAction(actions_->quit);

    QMenu* guide = menuBar()->addMenu(tr("&Guide"));
    guide->setToolTipsVisible(true);
    guide->addAction(actions_->guideNext);
    guide->addAction(actions_->guideRunAll);

    QMenu* play = menuBar()->addMenu(tr("&Playback"));
    for (QAction* a :
         {actions_->playPause, actions_->stepBack, actions_->stepForward, actions_->toStart,
          actions_->toEnd, actions_->slower, actions_->faster, actions_->follow}) {
        play->addAction(a);
    }

    QMenu* node = menuBar()->addMenu(tr("&Node"));
    node->setToolTipsVisible(true);
    for (QAction* a : actions_->liveNodeActions())
        node->addAction(a);
    node->addSeparator();
    node->addAction(actions_->addNode);

    QMenu* net = menuBar()->addMenu(tr("Net&work && time"));
    net->setToolTipsVisible(true);
    for (QAction* a : actions_->liveClusterActions()) {
        if (a != actions_->addNode) net->addAction(a);
    }

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(actions_->classroom);
    view->addAction(actions_->hideHeartbeats);
    view->addAction(actions_->zoomIn);
    view->addAction(actions_->zoomOut);
    view->addSeparator();
    for (QDockWidget* d : findChildren<QDockWidget*>())
        view->addAction(d->toggleViewAction());

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(actions_->shortcuts);

    connect(actions_->openTrace, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open trace"), QString(), tr("Traces (*.jsonl *.json);;All files (*)"));
        if (!path.isEmpty()) openTrace(path);
    });
    connect(actions_->exportCluster, &QAction::triggered, this,
            [this] { exportPng(cluster_, QStringLiteral("cluster.png")); });
    connect(actions_->exportTimeline, &QAction::triggered, this,
            [this] { exportPng(timeline_, QStringLiteral("timeline.png")); });
    connect(actions_->saveTrace, &QAction::triggered, this, [this] {
        const QString path =
            QFileDialog::getSaveFileName(this, tr("Save session trace"),
                                         QStringLiteral("session.jsonl"), tr("Traces (*.jsonl)"));
        if (path.isEmpty()) return;
        const QString why = saveTrace(path);
        if (!why.isEmpty()) QMessageBox::warning(this, tr("Save failed"), why);
    });
    connect(actions_->quit, &QAction::triggered, this, &QWidget::close);
    connect(actions_->playPause, &QAction::triggered, &session_, &LabSession::togglePlay);
    connect(actions_->stepBack, &QAction::triggered, this, [this] { session_.stepBy(-1); });
    connect(actions_->stepForward, &QAction::triggered, this, [this] { session_.stepBy(1); });
    connect(actions_->toStart, &QAction::triggered, &session_, &LabSession::seekToStart);
    connect(actions_->toEnd, &QAction::triggered, &session_, &LabSession::seekToEnd);
    connect(actions_->slower, &QAction::triggered, this,
            [this] { speed_box_->setCurrentIndex(std::max(0, speed_box_->currentIndex() - 1)); });
    connect(actions_->faster, &QAction::triggered, this, [this] {
        speed_box_->setCurrentIndex(
            std::min(speed_box_->count() - 1, speed_box_->currentIndex() + 1));
    });
    connect(actions_->follow, &QAction::toggled, &session_, &LabSession::setFollowing);
    connect(actions_->classroom, &QAction::toggled, this, &MainWindow::setClassroom);
    connect(actions_->hideHeartbeats, &QAction::toggled, this, &MainWindow::setHeartbeatsHidden);
    connect(actions_->shortcuts, &QAction::triggered, this, &MainWindow::showShortcuts);
    connect(actions_->zoomIn, &QAction::triggered, timeline_, &TimelineView::zoomIn);
    connect(actions_->zoomOut, &QAction::triggered, timeline_, &TimelineView::zoomOut);
    connect(cluster_, &ClusterView::nodeContextMenuRequested, this, &MainWindow::showNodeMenu);
    // One selected node across the cluster view, the table and the log.
    connect(cluster_, &ClusterView::nodeSelected, this, [this](NodeId id) {
        log_view_->setHighlightedNode(id);
        for (int r = 0; r < node_model_->rowCount(); ++r) {
            if (node_model_->nodeAt(r)->id == id) {
                node_table_->selectRow(r);
                return;
            }
        }
        if (id == kNoNode) node_table_->clearSelection();
    });
    connect(node_table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                const NodeState* n = node_model_->nodeAt(current.row());
                cluster_->selectNode(n != nullptr ? n->id : kNoNode);
            });
}

void MainWindow::connectSession() {
    connect(&session_, &LabSession::eventsAppended, this, &MainWindow::onEventsAppended);
    connect(&session_, &LabSession::playheadChanged, this, &MainWindow::onPlayhead);
    connect(&session_, &LabSession::historyReset, event_model_, &EventListModel::clear);
    connect(&session_, &LabSession::playingChanged, actions_->playPause, &QAction::setChecked);
    connect(&session_, &LabSession::error, this, [this](const QString& message) {
        statusBar()->showMessage(message);
        welcome_->setProblem(message);
        last_error_ = message;
    });
    connect(&session_, &LabSession::historyReset, this, [this] {
        chart_->rebuild();
        client_chart_->rebuild();
    });
    connect(&session_, &LabSession::sourceEnded, this, [this] {
        chart_->rebuild();
        client_chart_->rebuild();
        statusBar()->showMessage(tr("Loaded %1 events, %2 ms to %3 ms")
                                     .arg(session_.history().size())
                                     .arg(session_.history().start_ms())
                                     .arg(session_.history().end_ms()),
                                 8000);
    });
}

void MainWindow::openTrace(const QString& path) {
    welcome_->setProblem(QString());
    last_error_.clear();
    health_ = std::make_unique<HealthBoard>();  // a new history is judged afresh
    session_.setSource(new TraceFileSource(path, /*speed=*/0));
    actions_->setLive(session_.isLive());
    if (session_.history().size() > 0) {
        setPanelsVisible(true);
        stack_->setCurrentWidget(cluster_);
        source_label_->setText(tr("Replaying %1").arg(path));
        setWindowTitle(tr("Raft Lab — %1").arg(QFileInfo(path).fileName()));
    } else {
        stack_->setCurrentWidget(welcome_);
    }
}

QString MainWindow::saveTrace(const QString& path) {
    const std::string why = write_trace(session_.history(), path.toStdString());
    if (why.empty()) {
        statusBar()->showMessage(tr("Saved %1 events to %2 (raftlab --replay opens it)")
                                     .arg(session_.history().size())
                                     .arg(path),
                                 8000);
    }
    return QString::fromStdString(why);
}

void MainWindow::setPanelsVisible(bool visible) {
    for (QDockWidget* d : findChildren<QDockWidget*>())
        d->setVisible(visible);
    if (QToolBar* transport = findChild<QToolBar*>(QStringLiteral("transport"))) {
        transport->setVisible(visible);
    }
    if (visible) dock(QStringLiteral("timeline"))->raise();
}

void MainWindow::onEventsAppended(std::size_t first, std::size_t count) {
    event_model_->append(session_.history(), first, count);
    const History& h = session_.history();
    if (live_ != nullptr) {
        health_panel_->show(live_->healthChecks());  // judged on the merge thread
    } else {
        for (std::size_t i = first; i < first + count && i < h.size(); ++i)
            health_->observe(h.event(i));
        health_panel_->show(*health_);
    }
    if (live_ != nullptr) {
        // A watcher too slow for a node loses events (the node's bounded
        // buffer); say how many, so a gap in the timeline is explained.
        const auto dropped = live_->droppedEvents();
        const auto shed = live_->shedEvents();
        QString text = dropped == 0
                           ? tr("Watch: no events lost")
                           : tr("Watch: %1 events lost by the nodes' buffers").arg(dropped);
        if (shed > 0) text += tr(" · %1 shed by this window (it fell behind)").arg(shed);
        dropped_label_->setText(text);
    }
    const QSignalBlocker block(scrubber_);
    scrubber_->setRange(static_cast<int>(h.start_ms()), static_cast<int>(h.end_ms()));
    scrubber_->setPageStep(std::max<int>(1, static_cast<int>((h.end_ms() - h.start_ms()) / 20)));
    scrubber_->setEnabled(true);
    const auto ids = h.head().node_ids();
    timeline_filter_->setNodes(ids);
    event_filter_->setNodes(ids);
    if (!chart_clock_.isValid() || chart_clock_.elapsed() > 1000) {
        chart_->refresh();
        client_chart_->refresh();
        chart_clock_.restart();
    }
    timeline_->update();
}

void MainWindow::onPlayhead(std::int64_t t) {
    const ClusterState& s = session_.state();
    node_model_->setState(s);
    log_model_->setState(s);
    cluster_->setState(s, session_.history().flights_between(t, t));
    timeline_->setPlayhead(t);
    chart_->setPlayhead(t);
    {
        const QSignalBlocker block(scrubber_);
        scrubber_->setValue(static_cast<int>(t));
    }
    time_label_->setText(QStringLiteral("  t = %1 ms  ").arg(t));
    // Keep the narration of "now" in sight, whether playing or scrubbing.
    // The newest row at or before t that the filters show (with heartbeats
    // hidden, the newest row is usually one of them); a bounded walk back.
    const int row = event_model_->rowAtTime(t + 1) - 1;
    for (int r = row; r >= 0 && r > row - 5000; --r) {
        const QModelIndex proxy = event_proxy_->mapFromSource(event_model_->index(r, 0));
        if (!proxy.isValid()) continue;
        event_table_->scrollTo(proxy, QAbstractItemView::PositionAtBottom);
        break;
    }
}

void MainWindow::showNodeMenu(NodeId id, const QPoint& pos) {
    // The menu's actions act on the selected node: this one.
    cluster_->selectNode(id);
    updateLiveActions();
    QMenu menu;
    menu.setToolTipsVisible(true);
    menu.addSection(tr("Node %1").arg(id));
    for (QAction* a : actions_->liveNodeActions())
        menu.addAction(a);
    menu.exec(pos);
}

void MainWindow::exportPng(QWidget* w, const QString& name) {
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Export PNG"), name, tr("PNG (*.png)"));
    if (path.isEmpty()) return;
    if (!w->grab().save(path, "PNG")) {
        QMessageBox::warning(this, tr("Export failed"), tr("Could not write %1.").arg(path));
    }
}

void MainWindow::setSpeed(double speed) {
    int best = 0;
    for (int i = 0; i < speed_box_->count(); ++i) {
        if (std::abs(speed_box_->itemData(i).toDouble() - speed) <
            std::abs(speed_box_->itemData(best).toDouble() - speed)) {
            best = i;
        }
    }
    speed_box_->setCurrentIndex(best);
    session_.setSpeed(speed);  // exactly what was asked, even between presets
}

void MainWindow::setHeartbeatsHidden(bool hidden) {
    timeline_filter_->setFamilyChecked(MsgFamily::Heartbeat, !hidden);
    event_filter_->setFamilyChecked(MsgFamily::Heartbeat, !hidden);
}

void MainWindow::setClassroom(bool on) {
    LabPalette::instance().setClassroom(on);
    {
        const QSignalBlocker block(actions_->classroom);
        actions_->classroom->setChecked(on);
    }
    // Set on the window, not the application: it reaches every dock and
    // table inside, and leaves dialogs of other windows alone.
    QFont f = font();
    f.setPointSizeF(on ? 14 : QApplication::font().pointSizeF());
    setFont(f);
    const QString contrast = on ? QStringLiteral(
                                      "QTableView { color: black; background: white; "
                                      "gridline-color: #444; }")
                                : QString();
    setStyleSheet(contrast);
    // The log's legend keeps the normal size: at 14 pt it took three lines
    // and left room for one node's row. The log gets the rows' extra height.
    if (auto* legend = findChild<QLabel*>(QStringLiteral("logLegend")))
        legend->setFont(QApplication::font());
    // The filter check boxes too: controls, not what the class reads, and
    // at 14 pt the events' filter row alone made the window wider than
    // 1600 px beside the guide player.
    // Each child by name: the style sheet's repolish has already given them
    // the window's font, which a parent's font no longer overrides.
    for (FilterBar* bar : {event_filter_, timeline_filter_}) {
        bar->setFont(QApplication::font());
        for (QWidget* child : bar->findChildren<QWidget*>())
            child->setFont(QApplication::font());
    }
    resizeDocks({dock(QStringLiteral("log"))}, {on ? 300 : 230}, Qt::Vertical);
    // Fixed columns sized for the normal font: "12345 ms" must not be cut.
    const QFontMetrics fm(f);
    event_table_->setColumnWidth(EventListModel::Time,
                                 fm.horizontalAdvance(QStringLiteral("123456 ms")) + 12);
    event_table_->setColumnWidth(EventListModel::Node,
                                 fm.horizontalAdvance(QStringLiteral("Node")) + 12);
    cluster_->refreshStyle();
    log_view_->setFollowing(log_view_->following());
    timeline_->update();
    onPlayhead(session_.playhead());
}

void MainWindow::showShortcuts() {
    QString rows;
    for (QAction* a : actions_->all()) {
        if (a->shortcut().isEmpty()) continue;
        rows += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>")
                    .arg(a->shortcut().toString(QKeySequence::NativeText).toHtmlEscaped(),
                         a->text().remove('&').toHtmlEscaped());
    }
    QMessageBox::information(this, tr("Keyboard shortcuts"),
                             QStringLiteral("<table cellspacing='4'>%1</table>").arg(rows));
}

}  // namespace raftlab::gui
