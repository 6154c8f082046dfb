// The live cluster as an EventSource: one Lab.Watch stream per node, each on
// its own thread (a gRPC stream read blocks), merged into one time-ordered
// feed for the UI thread. A stream that ends (the node was killed, stopped
// or restarted) is reopened until the node answers again, so a restarted
// node reappears by itself. The merge thread (MergeFold) puts the events in
// time order, narrates, folds and judges them; the UI thread only takes a
// folded batch at most 30 times a second. It never waits on the network,
// and its cost per event is a few moves.
#pragma once

#include <QTimer>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "gui/live/merge_fold.h"
#include "gui/model/event_source.h"

namespace raftlab::gui {

class LiveWatchSource : public EventSource {
    Q_OBJECT
  public:
    // `origin_ns`: the CLOCK_MONOTONIC instant that is t = 0 on screen.
    explicit LiveWatchSource(std::int64_t origin_ns, QObject* parent = nullptr);
    ~LiveWatchSource() override;

    void start() override;
    void stop() override;
    bool isLive() const override { return true; }
    QString description() const override;

    // Thread-safe. Opens (or keeps) the node's stream at its Lab address.
    void watch(NodeId id, const std::string& lab_address);
    void forget(NodeId id);
    // Thread-safe. A lab-side event (a kill, a link rule): merged with the
    // nodes' events in time order. Its t_ns/t_ms are set to now.
    void inject(Event e);

    std::int64_t origin_ns() const { return origin_ns_; }
    std::int64_t now_ns() const;  // since the origin
    std::size_t watched() const;
    // Events the nodes dropped for this watcher (WatchEvent.dropped_before).
    std::uint64_t droppedEvents() const { return dropped_.load(); }
    // Events this window shed because it fell too far behind to show them.
    std::uint64_t shedEvents() const { return merge_.shed(); }
    // Thread-safe: a scenario engine record for the health board, which is
    // judged on the merge thread together with the events.
    void recordHealth(const QJsonObject& o) { merge_.record(o); }
    // Thread-safe: a judgement from outside the streams (AppliedAudit, the
    // lab client's lincheck verdict), made on the same board.
    void judgeHealth(std::function<void(HealthBoard&)> f) { merge_.judge(std::move(f)); }
    // The health lights as of the newest batch (UI thread).
    MergeFold::HealthChecks healthChecks() const { return merge_.health(); }

  signals:
    // A node's state named a member nobody watches yet (thread: UI).
    void memberSeen(quint64 id);

  private:
    struct Stream;
    void run(Stream* s);
    void push(std::vector<Event>&& events);
    void deliver();
    std::int64_t horizon() const;

    std::int64_t origin_ns_;
    QTimer timer_;
    mutable std::mutex mu_;
    std::map<NodeId, std::unique_ptr<Stream>> streams_;
    std::vector<NodeId> seen_;    // members named in states, guarded by mu_
    std::set<NodeId> announced_;  // UI thread: memberSeen is said once per node
    std::atomic<std::uint64_t> dropped_{0};
    MergeFold merge_;
};

std::int64_t monotonic_now_ns();

}  // namespace raftlab::gui
