#include "gui/models/node_table_model.h"

#include "gui/models/model_roles.h"

namespace raftlab::gui {

namespace {
// What the person cares about in a node table; the log itself and per-peer
// progress change constantly and are shown elsewhere, so they do not count
// as a change of the row.
bool same_row(const NodeState& a, const NodeState& b) {
    return a.id == b.id && a.role == b.role && a.term == b.term && a.vote == b.vote &&
           a.leader == b.leader && a.commit_index == b.commit_index &&
           a.applied_index == b.applied_index && a.last_index() == b.last_index() &&
           a.snapshot_index == b.snapshot_index && a.liveness == b.liveness &&
           a.membership == b.membership && a.promotable == b.promotable;
}

QString id_or_dash(NodeId id) {
    return id == kNoNode ? QStringLiteral("–") : QString::number(id);
}
}  // namespace

QString node_status_text(const NodeState& n) {
    QString s = QString::fromLatin1(to_string(n.membership));
    if (n.membership == Membership::Learner) {
        s += n.promotable ? QStringLiteral(" (promotable)") : QStringLiteral(" (read-only)");
    }
    return s + QStringLiteral(", ") + QString::fromLatin1(to_string(n.liveness));
}

NodeTableModel::NodeTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void NodeTableModel::setState(const ClusterState& state) {
    std::vector<NodeState> next;
    std::vector<QString> catch_up;
    next.reserve(state.nodes().size());
    // How far behind each node is, as the leader sees it: what a learner's
    // promotion waits for (its match_index within the catch-up threshold).
    const NodeState* leader = state.node(state.leader());
    for (const auto& [id, n] : state.nodes()) {
        if (leader == nullptr) {
            catch_up.push_back(QStringLiteral("–"));
        } else if (id == leader->id) {
            catch_up.push_back(tr("leader: %1").arg(leader->last_index()));
        } else if (auto p = leader->progress.find(id); p != leader->progress.end()) {
            catch_up.push_back(
                QStringLiteral("%1 / %2").arg(p->second.match_index).arg(leader->last_index()));
        } else {
            catch_up.push_back(QStringLiteral("–"));
        }
    }
    for (const auto& [id, n] : state.nodes()) {
        NodeState copy;  // without the log and progress: the table shows numbers only
        copy.id = n.id;
        copy.role = n.role;
        copy.term = n.term;
        copy.vote = n.vote;
        copy.leader = n.leader;
        copy.commit_index = n.commit_index;
        copy.applied_index = n.applied_index;
        copy.snapshot_index = n.snapshot_index;
        copy.liveness = n.liveness;
        copy.membership = n.membership;
        copy.promotable = n.promotable;
        copy.log.write(n.last_index(), n.last_index(), n.log.term_at(n.last_index()));
        next.push_back(std::move(copy));
    }
    bool same_ids = next.size() == rows_.size();
    for (std::size_t i = 0; same_ids && i < next.size(); ++i)
        same_ids = next[i].id == rows_[i].id;
    if (!same_ids) {
        // Nodes come and go rarely (join, scrub to before a join): a reset is honest and cheap.
        beginResetModel();
        rows_ = std::move(next);
        catch_up_ = std::move(catch_up);
        endResetModel();
        return;
    }
    for (std::size_t i = 0; i < next.size(); ++i) {
        if (same_row(rows_[i], next[i]) && catch_up_[i] == catch_up[i]) continue;
        rows_[i] = std::move(next[i]);
        catch_up_[i] = std::move(catch_up[i]);
        const int r = static_cast<int>(i);
        emit dataChanged(index(r, 0), index(r, ColumnCount - 1));
    }
}

const NodeState* NodeTableModel::nodeAt(int row) const {
    return row >= 0 && row < static_cast<int>(rows_.size()) ? &rows_[row] : nullptr;
}

int NodeTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int NodeTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant NodeTableModel::data(const QModelIndex& index, int role) const {
    const NodeState* n = nodeAt(index.row());
    if (n == nullptr || index.column() < 0 || index.column() >= ColumnCount) return {};
    switch (role) {
        case NodeIdRole:
            return QVariant::fromValue<quint64>(n->id);
        case RaftRoleRole:
            return static_cast<int>(n->role);
        case LivenessRole:
            return static_cast<int>(n->liveness);
        case MembershipRole:
            return static_cast<int>(n->membership);
        case Qt::TextAlignmentRole:
            return index.column() == RoleCol || index.column() == Status
                       ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                       : QVariant(Qt::AlignRight | Qt::AlignVCenter);
        case Qt::ToolTipRole:
            if (index.column() == Commit) {
                return tr("Highest index known to be stored on a majority of voters");
            }
            if (index.column() == Applied)
                return tr("Highest index applied to the key-value state");
            if (index.column() == Last) return tr("Index of the last entry in this node's log");
            if (index.column() == CatchUp) {
                return tr(
                    "The leader's match_index for this node, out of the leader's last index: "
                    "how far the leader knows this log agrees with its own. A learner is "
                    "promoted once it is close enough.");
            }
            return {};
        case Qt::DisplayRole:
            break;
        default:
            return {};
    }
    switch (index.column()) {
        case Node:
            return QString::number(n->id);
        case RoleCol:
            return QString::fromLatin1(to_string(n->role));
        case TermCol:
            return QString::number(n->term);
        case Vote:
            return id_or_dash(n->vote);
        case Leader:
            return id_or_dash(n->leader);
        case Commit:
            return QString::number(n->commit_index);
        case Applied:
            return QString::number(n->applied_index);
        case Last:
            return QString::number(n->last_index());
        case Snapshot:
            return QString::number(n->snapshot_index);
        case Status:
            return node_status_text(*n);
        case CatchUp:
            return catch_up_[index.row()];
        default:
            return {};
    }
}

QVariant NodeTableModel::headerData(int section, Qt::Orientation o, int role) const {
    if (role != Qt::DisplayRole || o != Qt::Horizontal) return {};
    switch (section) {
        case Node:
            return tr("Node");
        case RoleCol:
            return tr("Role");
        case TermCol:
            return tr("Term");
        case Vote:
            return tr("Vote");
        case Leader:
            return tr("Leader");
        case Commit:
            return QStringLiteral("commit_index");
        case Applied:
            return QStringLiteral("applied_index");
        case Last:
            return QStringLiteral("last_index");
        case Snapshot:
            return QStringLiteral("snapshot_index");
        case Status:
            return tr("Status");
        case CatchUp:
            return tr("match / leader's last");
        default:
            return {};
    }
}

}  // namespace raftlab::gui
