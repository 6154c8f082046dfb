// Rows are nodes, columns are log indexes (column c is index c + 1). Nothing
// is stored per entry: every cell is computed on demand from the node's
// term runs, so the view asks only for the visible range and a log of
// 1,000,000 entries costs what a log of ten does. The live source will page
// through Lab.ReadLog the same way.
#pragma once

#include <QAbstractTableModel>
#include <vector>

#include "gui/model/cluster_state.h"

namespace raftlab::gui {

class LogModel : public QAbstractTableModel {
    Q_OBJECT
  public:
    explicit LogModel(QObject* parent = nullptr);

    void setState(const ClusterState& state);
    const ClusterState& state() const { return state_; }
    const NodeState* nodeAt(int row) const;
    int rowOf(NodeId id) const;
    // The longest log among the nodes: the number of columns.
    Index maxIndex() const { return max_index_; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

  private:
    ClusterState state_;
    std::vector<NodeId> ids_;
    Index max_index_ = 0;
};

}  // namespace raftlab::gui
