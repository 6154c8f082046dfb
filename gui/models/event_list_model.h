// The event list: what happened, in plain words, newest last. A ring buffer
// of at most `capacity` rows, so a long live session keeps bounded memory:
// the oldest rows leave (with proper removal notifications) as new ones come.
// A row keeps only what the filters ask for; its words (kind and narration)
// are read from the History when a view asks for them, so taking in a
// flood costs a few copies per event and only the rows on screen pay for
// their text. The history must outlive the rows (the window clears the
// model when the session resets its history).
#pragma once

#include <QAbstractTableModel>
#include <QString>
#include <vector>

#include "gui/model/event.h"

namespace raftlab::gui {

class History;

class EventListModel : public QAbstractTableModel {
    Q_OBJECT
  public:
    enum Column { Time, Node, Kind, What, ColumnCount };

    explicit EventListModel(std::size_t capacity = 50000, QObject* parent = nullptr);

    // Copies history events [first, first+count) in; called on eventsAppended.
    void append(const History& history, std::size_t first, std::size_t count);
    void clear();
    std::size_t capacity() const { return ring_.size(); }
    // The first row whose time is >= t (for "scroll to the playhead").
    int rowAtTime(std::int64_t t) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

  private:
    struct Item {
        std::int64_t t_ms = 0;
        NodeId node = kNoNode;
        NodeId peer = kNoNode;
        EventKind kind = EventKind::Unknown;
        MsgType msg = MsgType::Other;
        std::size_t seq = 0;  // the event's place in the history since it began
    };
    // The history's event for a row, or nullptr once it was forgotten.
    const Event* event(const Item& it) const;
    QString narration(const Item& it) const;
    const Item& at(int row) const { return ring_[(head_ + row) % ring_.size()]; }

    const History* history_ = nullptr;
    std::vector<Item> ring_;
    std::size_t head_ = 0;  // ring index of row 0
    std::size_t size_ = 0;
};

}  // namespace raftlab::gui
