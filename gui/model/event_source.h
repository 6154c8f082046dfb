// Where events come from. A recorded trace today (TraceFileSource); later
// the live Lab.Watch stream of every node (LiveWatchSource, issue 5) and the
// scenario engine (issue 6) implement the same three signals, so nothing
// above this line changes when the lab goes live.
#pragma once

#include <QObject>
#include <QString>
#include <memory>
#include <vector>

#include "gui/model/event.h"
#include "gui/model/event_fold.h"

namespace raftlab::gui {

class EventSource : public QObject {
    Q_OBJECT
  public:
    using QObject::QObject;
    ~EventSource() override = default;

    // Starts delivering. Events arrive in time order, in batches.
    virtual void start() = 0;
    virtual void stop() = 0;
    // Whether this source drives real processes (kill, pause, partition...).
    virtual bool isLive() const = 0;
    virtual QString description() const = 0;

  signals:
    void eventsArrived(const std::vector<raftlab::gui::Event>& batch);
    // Events another thread already narrated and folded (the live source's
    // merge thread), from the moment the source started; the receiver may
    // move from the batch.
    void eventsFolded(std::shared_ptr<raftlab::gui::FoldedBatch> batch);
    void sourceEnded();
    // Something a person can act on: what failed, with which value, what to do.
    void error(const QString& message);
};

}  // namespace raftlab::gui
