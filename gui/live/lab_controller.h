// Everything the lab does to a live cluster, done off the UI thread: the
// processes the app started (through the scenario engine's Supervisor),
// the links and the lab clock (Lab service), membership (Cluster service).
// The UI posts a request and goes on; what happened comes back as an event
// in the live source (so it lands on the timeline) and as a status line.
//
// One worker thread owns the Supervisor for the whole session, because the
// kernel's PR_SET_PDEATHSIG fires when the *thread* that forked a node
// exits: nodes started from a short-lived thread would die with it.
#pragma once

#include <QObject>
#include <QString>
#include <QThread>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "gui/live/client_history.h"
#include "gui/model/event.h"

namespace raftlab::scenario {
class Supervisor;
}

namespace raftlab::gui {

class LiveWatchSource;
class SessionRecorder;

// One directed link's rule, as the Lab service takes it (LinkRule).
struct LinkRuleSpec {
    NodeId from = kNoNode;
    NodeId to = kNoNode;
    std::uint32_t delay_ms = 0;
    std::uint32_t jitter_ms = 0;
    double loss_pct = 0;
    bool cut = false;
};

// The [raft] timing the lab's nodes run with (10 ms ticks, 150–300 ms
// election timeout): fast enough for a class to see a failover.
const char* lab_raft_toml();

class LabController : public QObject {
    Q_OBJECT
  public:
    // Events are injected into `source` (which must outlive this object).
    explicit LabController(LiveWatchSource* source, QObject* parent = nullptr);
    ~LabController() override;  // stops every process it started

    // Start `nodes` voters on free loopback ports under `run_dir` (empty: a
    // fresh directory under /tmp, removed at the end).
    void startLocal(int nodes, const QString& node_bin, const QString& run_dir = {});
    // Watch nodes this app did not start, by their Lab service addresses;
    // each node's id is learned from the first event of its stream.
    void attach(const std::vector<std::string>& lab_addresses);
    // A node someone else started (the scenario engine of the guide player)
    // at `address` (KV, Cluster and Lab): streamed, and its links, clock and
    // client calls work; process actions do not.
    void adopt(NodeId id, const std::string& address);
    bool ownsProcesses() const { return owns_processes_; }
    // Whether process actions work on this node (the app started it).
    bool canControl(NodeId id) const;
    // The run directory of app-started nodes (configs, data, logs).
    QString runDir() const;
    // Each node's address (KV, Cluster and Lab on one port), any thread.
    std::map<NodeId, std::string> nodeAddresses() const;

    // Per node (processes the app started).
    void kill9(NodeId id);
    void stop(NodeId id);
    void pause(NodeId id);
    void resume(NodeId id);
    void restart(NodeId id);
    // Cluster service, through the current leader.
    void transferLeadership(NodeId leader, NodeId to);
    void remove(NodeId leader, NodeId id);
    void addLearner();
    // Links: rules replace the sender's rules for those peers.
    void setLinkRules(const std::vector<LinkRuleSpec>& rules, const QString& what);
    void healAll(const std::vector<NodeId>& nodes);
    // Lab time on every node.
    void setClock(const std::vector<NodeId>& nodes, double rate);
    void stepClock(const std::vector<NodeId>& nodes, std::uint64_t ms);
    // Client: op "put", "get" or "delete"; consistency 0..2 (kv.proto).
    void clientOp(NodeId node, const QString& op, const QString& key, const QString& value,
                  int consistency);

    // Client writes are recorded here too (the window's session recorder).
    void setRecorder(SessionRecorder* recorder) { recorder_ = recorder; }

    // Blocks until every started process is gone (for shutdown and tests).
    void shutdown();

  signals:
    void status(const QString& message);  // what was done, or why it failed
    void nodeStarted(quint64 id);
    void clientAnswer(const QString& text);
    // A linearizability verdict over the lab's own client calls (at most one
    // every second or so); `verdict` is ClientHistory::Judgement::Verdict.
    void clientHistoryJudged(int verdict, const QString& summary, const QString& evidence);

  private:
    // Runs `work` on the worker thread.
    void post(std::function<void()> work);
    void fault(NodeId node, const std::string& what, const std::string& detail = {},
               NodeId peer = kNoNode);
    std::string labAddress(NodeId id) const;
    std::string clientAddress(NodeId id) const;
    std::string clientAddressLocked(NodeId id) const;  // any thread
    void startNode(NodeId id);

    LiveWatchSource* source_;
    SessionRecorder* recorder_ = nullptr;  // UI thread
    QThread thread_;
    QObject* worker_;  // lives on thread_; posted work runs in its context
    // Client calls wait on a leader that may be dead (2 s deadline): they
    // get their own thread, so a kill never queues behind a workload.
    QThread client_thread_;
    QObject* client_worker_;
    std::map<std::string, std::shared_ptr<void>> kv_stubs_;  // client thread
    ClientHistory client_history_;                           // client thread
    // Touched only on the worker thread, except the maps set before start.
    std::unique_ptr<scenario::Supervisor> supervisor_;
    std::map<NodeId, std::string> attached_;  // id -> Lab address (attach mode)
    std::filesystem::path run_dir_;
    bool owns_run_dir_ = false;
    bool owns_processes_ = false;
    // The next joining node's id. Picked on the caller's thread, so the
    // session recorder writes a join with its id at the moment the person
    // asked for it, in order with the other actions.
    std::atomic<NodeId> next_id_ = 1;
    mutable std::mutex mu_;
    std::set<NodeId> controllable_;                   // guarded by mu_: processes the app started
    std::map<NodeId, std::string> client_addresses_;  // guarded by mu_
};

}  // namespace raftlab::gui
