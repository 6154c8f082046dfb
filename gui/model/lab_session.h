// The one object the views listen to: it owns the History fed by an
// EventSource and a playhead, the moment the views show. Replaying a trace
// moves the playhead at a speed factor; a live source (later) pins it to the
// newest event unless the person scrubs back. No widgets here.
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include "gui/model/cluster_state.h"
#include "gui/model/event_source.h"
#include "gui/model/history.h"

namespace raftlab::gui {

class LabSession : public QObject {
    Q_OBJECT
  public:
    // max_events bounds the history (0 = keep everything, right for a trace
    // file; a live session will pass a bound).
    explicit LabSession(QObject* parent = nullptr, std::size_t max_events = 0);

    // Takes ownership; replaces (and deletes) any previous source.
    void setSource(EventSource* source);
    // Bounds the history (oldest events forgotten past it); 0 = unbounded.
    void setMaxEvents(std::size_t max_events) { history_.set_max_events(max_events); }
    void setLostAfter(std::int64_t ms) { history_.set_lost_after(ms); }
    EventSource* source() const { return source_; }
    bool isLive() const { return source_ != nullptr && source_->isLive(); }

    const History& history() const { return history_; }
    std::int64_t playhead() const { return playhead_; }
    // The cluster as it was at the playhead.
    const ClusterState& state() const { return state_; }
    bool isPlaying() const { return timer_.isActive(); }
    double speed() const { return speed_; }
    bool following() const { return following_; }

  public slots:
    void seek(std::int64_t t_ms);
    void stepBy(std::int64_t dt_ms);
    void seekToStart() { seek(history_.start_ms()); }
    void seekToEnd();
    void play();
    void pause();
    void togglePlay();
    void setSpeed(double speed);
    void setFollowing(bool follow);

  signals:
    // New events were appended to the history: indexes [first, first+count).
    void eventsAppended(std::size_t first, std::size_t count);
    void historyReset();
    void playheadChanged(std::int64_t t_ms);
    void playingChanged(bool playing);
    void speedChanged(double speed);
    void sourceEnded();
    void error(const QString& message);

  private:
    void onEvents(const std::vector<Event>& batch);
    void onFolded(std::shared_ptr<FoldedBatch> batch);
    void appended(bool was_empty, std::size_t count, std::size_t forgotten);
    void onFrame();

    History history_;
    QPointer<EventSource> source_;
    ClusterState state_;
    std::size_t state_count_ = 0;  // events folded into state_
    std::int64_t playhead_ = 0;
    double speed_ = 0.1;
    bool following_ = false;
    QTimer timer_;
    QElapsedTimer frame_clock_;
    double carry_ms_ = 0;  // fractions of a ms of lab time owed to the next frame
};

}  // namespace raftlab::gui
