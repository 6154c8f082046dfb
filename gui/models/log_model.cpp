#include "gui/models/log_model.h"

#include <algorithm>
#include <limits>

#include "gui/models/model_roles.h"

namespace raftlab::gui {

namespace {
// Qt models count columns in int; a log longer than that is shown up to here.
constexpr Index kMaxColumns = std::numeric_limits<int>::max() - 1;
}  // namespace

LogModel::LogModel(QObject* parent) : QAbstractTableModel(parent) {}

void LogModel::setState(const ClusterState& state) {
    std::vector<NodeId> ids = state.node_ids();
    Index max_index = 0;
    for (const auto& [id, n] : state.nodes())
        max_index = std::max(max_index, n.last_index());
    max_index = std::min(max_index, kMaxColumns);

    if (ids != ids_) {
        beginResetModel();
        state_ = state;
        ids_ = std::move(ids);
        max_index_ = max_index;
        endResetModel();
        return;
    }
    if (max_index > max_index_) {
        beginInsertColumns({}, static_cast<int>(max_index_), static_cast<int>(max_index) - 1);
        max_index_ = max_index;
        state_ = state;
        endInsertColumns();
    } else if (max_index < max_index_) {
        // Scrubbing back, or a truncated suffix: the longest log got shorter.
        beginRemoveColumns({}, static_cast<int>(max_index), static_cast<int>(max_index_) - 1);
        max_index_ = max_index;
        state_ = state;
        endRemoveColumns();
    } else {
        state_ = state;
    }
    if (!ids_.empty() && max_index_ > 0) {
        // One notification for the whole table: views repaint what is visible.
        emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
    }
}

const NodeState* LogModel::nodeAt(int row) const {
    if (row < 0 || row >= static_cast<int>(ids_.size())) return nullptr;
    return state_.node(ids_[row]);
}

int LogModel::rowOf(NodeId id) const {
    auto it = std::find(ids_.begin(), ids_.end(), id);
    return it == ids_.end() ? -1 : static_cast<int>(it - ids_.begin());
}

int LogModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(ids_.size());
}

int LogModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(max_index_);
}

QVariant LogModel::data(const QModelIndex& index, int role) const {
    const NodeState* n = nodeAt(index.row());
    if (n == nullptr || index.column() < 0 || index.column() >= columnCount()) return {};
    const Index i = static_cast<Index>(index.column()) + 1;
    const Term term = n->log.term_at(i);
    // Every index up to the node's last one exists: inside its snapshot
    // (installed from a leader: the terms are not known), or in its log,
    // where a term can be unknown too (appended before the lab's Watch
    // stream of that node opened: the node's state says how long its log
    // is, not which terms). An unknown term is drawn faint, never hidden.
    const bool exists = i <= n->last_index() || i <= n->snapshot_index;
    switch (role) {
        case Qt::DisplayRole:
            return term == 0 ? QVariant() : QVariant(QString::number(term));
        case TermRole:
            return QVariant::fromValue<quint64>(term);
        case ExistsRole:
            return exists;
        case CommittedRole:
            return exists && i <= n->commit_index;
        case AppliedRole:
            return exists && i <= n->applied_index;
        case CompactedRole:
            return exists && i <= n->snapshot_index;
        case NodeIdRole:
            return QVariant::fromValue<quint64>(n->id);
        case Qt::ToolTipRole:
            if (!exists) return {};
            if (term == 0 && i <= n->snapshot_index)
                return tr("Node %1, index %2: inside a snapshot").arg(n->id).arg(i);
            if (term == 0)
                return tr("Node %1, index %2: term not seen (appended before the lab watched "
                          "this node)")
                    .arg(n->id)
                    .arg(i);
            return tr("Node %1, index %2, term %3%4")
                .arg(n->id)
                .arg(i)
                .arg(term)
                .arg(i <= n->commit_index ? tr(", committed") : tr(", not committed yet"));
        default:
            return {};
    }
}

QVariant LogModel::headerData(int section, Qt::Orientation o, int role) const {
    if (role != Qt::DisplayRole) return {};
    if (o == Qt::Horizontal) {
        if (section < 0 || section >= columnCount()) return {};
        return QString::number(section + 1);
    }
    const NodeState* n = nodeAt(section);
    if (n == nullptr) return {};
    return tr("Node %1").arg(n->id);
}

}  // namespace raftlab::gui
