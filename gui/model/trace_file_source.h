// Replays a JSON Lines trace file. With speed 0 it delivers the whole file at
// once (what the scrubber wants); with speed s > 0 it delivers each event
// when (wall time since start) * s reaches the event's time, as a live
// cluster would, so the same views can be watched filling up.
#pragma once

#include <QElapsedTimer>
#include <QString>
#include <QTimer>
#include <vector>

#include "gui/model/event_source.h"

namespace raftlab::gui {

class TraceFileSource : public EventSource {
    Q_OBJECT
  public:
    explicit TraceFileSource(QString path, double speed = 0, QObject* parent = nullptr);

    void start() override;
    void stop() override;
    bool isLive() const override { return false; }
    QString description() const override;

    // Lines that were not valid events; the replay skips them and says how many.
    int skippedLines() const { return skipped_; }
    QString firstProblem() const { return first_problem_; }

  private:
    bool load();
    void deliverDue();

    QString path_;
    double speed_;
    std::vector<Event> events_;
    std::size_t next_ = 0;
    int skipped_ = 0;
    QString first_problem_;
    QTimer timer_;
    QElapsedTimer clock_;
    std::int64_t origin_ms_ = 0;
};

}  // namespace raftlab::gui
