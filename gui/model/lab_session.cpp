#include "gui/model/lab_session.h"

namespace raftlab::gui {

namespace {
// Past this many new events, copying the head is cheaper than folding them.
constexpr std::size_t kCopyHeadPast = 16;
}  // namespace

LabSession::LabSession(QObject* parent, std::size_t max_events)
    : QObject(parent), history_(256, max_events) {
    timer_.setInterval(16);
    connect(&timer_, &QTimer::timeout, this, &LabSession::onFrame);
}

void LabSession::setSource(EventSource* source) {
    pause();
    if (source_) {
        // The old source may still have a timer running: silence it now,
        // or its events would land in the new history.
        source_->stop();
        disconnect(source_, nullptr, this, nullptr);
        source_->deleteLater();
    }
    history_.clear();
    state_ = history_.head();
    state_count_ = 0;
    playhead_ = 0;
    emit historyReset();
    source_ = source;
    if (source == nullptr) return;
    source->setParent(this);
    following_ = source->isLive();
    connect(source, &EventSource::eventsArrived, this, &LabSession::onEvents);
    connect(source, &EventSource::eventsFolded, this, &LabSession::onFolded);
    connect(source, &EventSource::sourceEnded, this, &LabSession::sourceEnded);
    connect(source, &EventSource::error, this, &LabSession::error);
    source->start();
}

void LabSession::onEvents(const std::vector<Event>& batch) {
    const bool was_empty = history_.size() == 0;
    const std::size_t forgotten = history_.append(batch);
    appended(was_empty, batch.size(), forgotten);
}

void LabSession::onFolded(std::shared_ptr<FoldedBatch> batch) {
    const bool was_empty = history_.size() == 0;
    const std::size_t size = batch->size();
    std::size_t forgotten = 0;
    if (!history_.adopt(std::move(*batch), &forgotten)) {
        // Folded for another history (a source that outlived a reset):
        // showing it would pair narrations with the wrong state.
        emit error(tr("A batch of %1 live events did not continue the history; it was left out")
                       .arg(size));
        return;
    }
    appended(was_empty, size, forgotten);
}

void LabSession::appended(bool was_empty, std::size_t size, std::size_t forgotten) {
    const std::size_t count = std::min(size, history_.size());
    if (forgotten > 0) {
        // The oldest events are gone: refold the playhead's state from the
        // checkpoint that now starts the history.
        state_ = history_.state_at(playhead_);
        state_count_ = history_.count_until(playhead_);
    }
    emit eventsAppended(history_.size() - count, count);
    if (following_) {
        seek(history_.end_ms());
    } else if (was_empty) {
        seek(history_.start_ms());
    }
}

void LabSession::seek(std::int64_t t) {
    if (t < history_.start_ms()) t = history_.start_ms();
    if (t > history_.end_ms()) t = history_.end_ms();
    const std::size_t n = history_.count_until(t);
    if (t >= playhead_ && n >= state_count_) {
        if (n == history_.size() && n - state_count_ > kCopyHeadPast) {
            // To the newest event (a live session following): the history's
            // head is that state already, folded on whichever thread folded
            // the events; a copy costs the same however many events came.
            state_ = history_.head();
        } else {
            // Forward: fold only the new events; playing costs O(new events).
            for (std::size_t i = state_count_; i < n; ++i)
                state_.apply(history_.event(i));
        }
        state_.advance_to(t);
    } else {
        state_ = history_.state_at(t);
    }
    state_count_ = n;
    playhead_ = t;
    emit playheadChanged(t);
}

void LabSession::stepBy(std::int64_t dt) {
    setFollowing(false);
    seek(playhead_ + dt);
}

void LabSession::seekToEnd() {
    seek(history_.end_ms());
}

void LabSession::play() {
    if (timer_.isActive() || history_.size() == 0) return;
    if (playhead_ >= history_.end_ms()) seek(history_.start_ms());
    frame_clock_.start();
    timer_.start();
    emit playingChanged(true);
}

void LabSession::pause() {
    if (!timer_.isActive()) return;
    timer_.stop();
    emit playingChanged(false);
}

void LabSession::togglePlay() {
    isPlaying() ? pause() : play();
}

void LabSession::setSpeed(double speed) {
    if (speed <= 0 || speed == speed_) return;
    speed_ = speed;
    emit speedChanged(speed);
}

void LabSession::setFollowing(bool follow) {
    following_ = follow;
    if (follow) seekToEnd();
}

void LabSession::onFrame() {
    // Elapsed wall time, not frame count: a slow frame must not slow the replay.
    const double wall = static_cast<double>(frame_clock_.restart());
    carry_ms_ += wall * speed_;
    const auto dt = static_cast<std::int64_t>(carry_ms_);
    if (dt <= 0) return;
    carry_ms_ -= static_cast<double>(dt);
    seek(playhead_ + dt);
    if (playhead_ >= history_.end_ms() && !isLive()) pause();
}

}  // namespace raftlab::gui
