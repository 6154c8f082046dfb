// The lab's window: the cluster view in the middle, docks around it (nodes,
// events, log, timeline, charts), a transport bar with the time scrubber at
// the bottom. It wires a LabSession to the models and views and owns no
// Raft logic of its own.
#pragma once

#include <QElapsedTimer>
#include <QMainWindow>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gui/app/lab_actions.h"
#include "gui/model/lab_session.h"

class QLabel;
class QSlider;
class QStackedWidget;
class QTableView;
class QComboBox;
class QDockWidget;

namespace raftlab::gui {

class ClusterView;
class LogView;
class TimelineView;
class FilterBar;
class CommitChart;
class ClientChart;
class WelcomePage;
class NodeTableModel;
class EventListModel;
class EventFilterProxy;
class LogModel;
class LabController;
class LiveWatchSource;
class ClientPanel;
class ScenarioPlayer;
class GuidePanel;
class HealthBoard;
class SessionRecorder;
class HealthPanel;
class AppliedAudit;

class MainWindow : public QMainWindow {
    Q_OBJECT
  public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    LabSession& session() { return session_; }
    LabActions& actions() { return *actions_; }
    // Replays a trace file (all events at once; the playhead starts at 0).
    void openTrace(const QString& path);
    void setClassroom(bool on);
    // Saves every event of the session as a JSON Lines trace; "" or why not.
    QString saveTrace(const QString& path);
    // Saves what the person did to the local cluster as a scenario file
    // (raftlab-scenario run replays it); "" or why not.
    QString saveScenario(const QString& path);
    // The last problem a source reported ("" if none), e.g. why a trace did not load.
    QString lastError() const { return last_error_; }
    // Picks the replay speed (the speed box shows the nearest preset).
    void setSpeed(double speed);
    // Live clusters (main_window_live.cpp). Starts `nodes` raftlab-node
    // processes on loopback and shows them live.
    void startLocalCluster(int nodes, const QString& node_bin);
    // Watches nodes the app did not start, by their Lab service addresses.
    void attachCluster(const std::vector<std::string>& lab_addresses);
    LabController* controller() const { return controller_; }
    LiveWatchSource* liveSource() const { return live_; }
    // Stops every process the app started; blocks until they are gone.
    void stopLiveCluster();
    // The guide player (--guide, --scenario FILE): the scenario engine runs
    // the file step by step (Next / Run all) and the window shows its nodes
    // live. Returns "" or why the file cannot be played.
    QString startScenario(const QString& path, const QString& node_bin);
    ScenarioPlayer* scenarioPlayer() const { return player_; }
    GuidePanel* guidePanel() const { return guide_; }
    // A trace's health board; a live session's is judged on the live
    // source's merge thread (LiveWatchSource::healthChecks).
    const HealthBoard& health() const { return *health_; }
    HealthPanel* healthPanel() const { return health_panel_; }

    // For tests and --screenshot.
    ClusterView* clusterView() const { return cluster_; }
    LogView* logView() const { return log_view_; }
    TimelineView* timelineView() const { return timeline_; }
    CommitChart* commitChart() const { return chart_; }
    ClientChart* clientChart() const { return client_chart_; }
    NodeTableModel* nodeModel() const { return node_model_; }
    EventListModel* eventModel() const { return event_model_; }
    EventFilterProxy* eventProxy() const { return event_proxy_; }
    LogModel* logModel() const { return log_model_; }
    QSlider* scrubber() const { return scrubber_; }
    QDockWidget* dock(const QString& name) const;

  protected:
    void closeEvent(QCloseEvent* event) override;

  private:
    void buildDocks();
    void becomeLive(const QString& title);
    void connectLiveActions();
    // The live health checks that ask the nodes (State Machine Safety) or
    // the lab's client (Linearizability) instead of the Watch stream.
    void startLiveChecks();
    void updateLiveActions();
    NodeId targetNode() const;
    std::vector<NodeId> liveNodes() const;
    void setPanelsVisible(bool visible);
    void buildMenus();
    void buildTransport();
    void connectSession();
    void onPlayhead(std::int64_t t);
    void onEventsAppended(std::size_t first, std::size_t count);
    void showNodeMenu(NodeId id, const QPoint& pos);
    void exportPng(QWidget* w, const QString& name);
    void showShortcuts();
    void setHeartbeatsHidden(bool hidden);

    LabSession session_;
    LabActions* actions_;
    QStackedWidget* stack_;
    WelcomePage* welcome_;
    ClusterView* cluster_;
    LogView* log_view_;
    TimelineView* timeline_;
    CommitChart* chart_;
    ClientChart* client_chart_ = nullptr;
    FilterBar* timeline_filter_;
    FilterBar* event_filter_;
    QTableView* node_table_;
    QTableView* event_table_;
    NodeTableModel* node_model_;
    EventListModel* event_model_;
    EventFilterProxy* event_proxy_;
    LogModel* log_model_;
    QSlider* scrubber_;
    QLabel* time_label_;
    QComboBox* speed_box_;
    QLabel* source_label_;
    QLabel* dropped_label_ = nullptr;
    QString last_error_;
    QElapsedTimer chart_clock_;
    LiveWatchSource* live_ = nullptr;  // owned by session_
    LabController* controller_ = nullptr;
    AppliedAudit* audit_ = nullptr;
    ClientPanel* client_panel_ =
        nullptr;  // rebuilds the chart at most once a second while events stream in
    ScenarioPlayer* player_ = nullptr;
    GuidePanel* guide_ = nullptr;
    std::unique_ptr<HealthBoard> health_;
    HealthPanel* health_panel_ = nullptr;
    std::unique_ptr<SessionRecorder> recorder_;
};

}  // namespace raftlab::gui
