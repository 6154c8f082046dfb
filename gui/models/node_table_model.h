// One row per node: the numbers a teacher points at while explaining an
// election or a commit. Fed a ClusterState; emits the smallest change
// (dataChanged per changed row) so a playing replay does not reset views.
#pragma once

#include <QAbstractTableModel>
#include <vector>

#include "gui/model/cluster_state.h"

namespace raftlab::gui {

class NodeTableModel : public QAbstractTableModel {
    Q_OBJECT
  public:
    enum Column {
        Node,
        RoleCol,
        Status,
        TermCol,
        Vote,
        Leader,
        CatchUp,
        Commit,
        Applied,
        Last,
        Snapshot,
        ColumnCount
    };

    explicit NodeTableModel(QObject* parent = nullptr);

    void setState(const ClusterState& state);
    const NodeState* nodeAt(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

  private:
    std::vector<NodeState> rows_;
    // Per row, the leader's view of that node: "match_index / leader's last index".
    std::vector<QString> catch_up_;
};

// "voter, alive" / "learner (promotable), paused": the Status column.
QString node_status_text(const NodeState& n);

}  // namespace raftlab::gui
