// Where events come from. A recorded trace today (TraceFileSource); later
// the live Lab.Watch stream of every node (LiveWatchSource, issue 5) and the
// scenario engine (issue 6) implement the same three signals, so nothing
// above this line changes when the lab goes live.
#pragma once

#include <QObject>
#include <QString>
#include <vector>

#include "gui/model/event.h"

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
    void sourceEnded();
    // Something a person can act on: what failed, with which value, what to do.
    void error(const QString& message);
};

}  // namespace raftlab::gui
