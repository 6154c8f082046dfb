// Filters the event list by node and by kind, and message events by family
// (heartbeats drown everything else, so a teacher hides them first).
// Cluster-wide events (partition, heal) have no node and always pass the
// node filter.
#pragma once

#include <QSet>
#include <QSortFilterProxyModel>

#include "gui/model/event.h"

namespace raftlab::gui {

class EventFilterProxy : public QSortFilterProxyModel {
    Q_OBJECT
  public:
    explicit EventFilterProxy(QObject* parent = nullptr);

    void setNodeVisible(NodeId node, bool visible);
    void setKindVisible(EventKind kind, bool visible);
    void setFamilyVisible(MsgFamily family, bool visible);
    bool isNodeVisible(NodeId node) const { return !hidden_nodes_.contains(node); }
    bool isKindVisible(EventKind kind) const { return !hidden_kinds_.contains(int(kind)); }
    bool isFamilyVisible(MsgFamily f) const { return !hidden_families_.contains(int(f)); }

  protected:
    bool filterAcceptsRow(int source_row, const QModelIndex& source_parent) const override;

  private:
    QSet<quint64> hidden_nodes_;
    QSet<int> hidden_kinds_;
    QSet<int> hidden_families_;
};

}  // namespace raftlab::gui
