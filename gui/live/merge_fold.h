// The live source's merge thread: the per-event work of a live session,
// off the UI thread. The nodes' Watch streams push events here; every
// 33 ms this thread puts what is old enough into time order, folds it
// (EventFold: narration, the newest ClusterState, checkpoints) and judges
// it (HealthBoard), and leaves one folded batch for the UI thread to take.
// The UI thread only swaps a pointer under a short lock and moves the
// batch into its History, so its cost per event is a few moves, whatever
// the event rate; a flood backs up here and the oldest are shed.
#pragma once

#include <QJsonObject>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "gui/live/health_board.h"
#include "gui/model/event_fold.h"

namespace raftlab::gui {

class MergeFold {
  public:
    using HealthChecks = std::array<HealthCheck, HealthBoard::kCount>;
    // `horizon(now_ns)`: the newest event time (ns since the origin) that
    // may be folded now, i.e. one no stream can still undercut.
    using Horizon = std::function<std::int64_t()>;

    explicit MergeFold(Horizon horizon);
    ~MergeFold();
    void start();
    void stop();  // joins the thread; what was not folded stays unfolded

    // Any thread.
    void push(std::vector<Event>&& events);
    // Any thread: a scenario engine record for the health board, judged in
    // order with the events on the merge thread.
    void record(const QJsonObject& o);
    // Any thread: a judgement from outside the stream (applied entries read
    // back, the lab client's lincheck verdict), run on the merge thread's
    // board in order with the events.
    void judge(std::function<void(HealthBoard&)> f);
    std::uint64_t shed() const { return shed_.load(); }

    // UI thread: everything folded since the last take (nullptr if none).
    std::shared_ptr<FoldedBatch> take();
    // UI thread: the health lights as of the last fold.
    HealthChecks health() const;

  private:
    void run();
    void tick();
    std::vector<Event> take_ready();

    Horizon horizon_;
    std::thread thread_;
    mutable std::mutex mu_;
    std::condition_variable wake_;
    bool running_ = false;                 // guarded by mu_
    std::vector<Event> fresh_;             // guarded by mu_: pushed since the last tick
    std::vector<QJsonObject> records_;     // guarded by mu_
    std::shared_ptr<FoldedBatch> outbox_;  // guarded by mu_: folded, not yet taken
    HealthChecks health_checks_;           // guarded by mu_
    std::atomic<std::uint64_t> shed_{0};

    // Guarded by mu_: judgements waiting for the next tick.
    std::vector<std::function<void(HealthBoard&)>> judgements_;

    // The merge thread's own (no lock).
    std::deque<Event> backlog_;  // time ordered, waiting for the horizon
    EventFold fold_;
    HealthBoard board_;
};

}  // namespace raftlab::gui
