#include "gui/models/event_list_model.h"

#include <algorithm>

#include "gui/model/history.h"
#include "gui/models/model_roles.h"

namespace raftlab::gui {

EventListModel::EventListModel(std::size_t capacity, QObject* parent)
    : QAbstractTableModel(parent), ring_(std::max<std::size_t>(1, capacity)) {}

void EventListModel::clear() {
    beginResetModel();
    head_ = 0;
    size_ = 0;
    endResetModel();
}

void EventListModel::append(const History& history, std::size_t first, std::size_t count) {
    const std::size_t cap = ring_.size();
    // Of a batch larger than the ring only the newest `cap` events survive.
    if (count > cap) {
        first += count - cap;
        count = cap;
    }
    if (count == 0) return;
    const std::size_t overflow = size_ + count > cap ? size_ + count - cap : 0;
    if (overflow > 0) {
        beginRemoveRows({}, 0, static_cast<int>(overflow) - 1);
        head_ = (head_ + overflow) % cap;
        size_ -= overflow;
        endRemoveRows();
    }
    beginInsertRows({}, static_cast<int>(size_), static_cast<int>(size_ + count) - 1);
    for (std::size_t i = 0; i < count; ++i) {
        const Event& e = history.event(first + i);
        Item& it = ring_[(head_ + size_ + i) % cap];
        it.t_ms = e.t_ms;
        it.node = e.node;
        it.peer = e.peer;
        it.kind = e.kind;
        it.msg = e.msg;
        it.seq = history.forgotten() + first + i;
    }
    history_ = &history;
    size_ += count;
    endInsertRows();
}

const Event* EventListModel::event(const Item& it) const {
    if (history_ == nullptr || it.seq < history_->forgotten()) return nullptr;
    const std::size_t i = it.seq - history_->forgotten();
    return i < history_->size() ? &history_->event(i) : nullptr;
}

QString EventListModel::narration(const Item& it) const {
    const Event* e = event(it);
    if (e == nullptr) return {};
    return QString::fromStdString(history_->narration(it.seq - history_->forgotten()));
}

int EventListModel::rowAtTime(std::int64_t t) const {
    int lo = 0, hi = static_cast<int>(size_);
    while (lo < hi) {
        const int mid = (lo + hi) / 2;
        if (at(mid).t_ms < t) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

int EventListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(size_);
}

int EventListModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventListModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= static_cast<int>(size_)) return {};
    const Item& it = at(index.row());
    const bool message =
        it.kind == EventKind::Send || it.kind == EventKind::Recv || it.kind == EventKind::Drop;
    switch (role) {
        case TimeRole:
            return QVariant::fromValue<qint64>(it.t_ms);
        case NodeIdRole:
            return QVariant::fromValue<quint64>(it.node);
        case PeerRole:
            return QVariant::fromValue<quint64>(it.peer);
        case EventKindRole:
            return static_cast<int>(it.kind);
        case MsgFamilyRole:
            return message ? static_cast<int>(family_of(it.msg)) : -1;
        case Qt::ToolTipRole:
            return narration(it);
        case Qt::DisplayRole:
            break;
        default:
            return {};
    }
    switch (index.column()) {
        case Time:
            return QStringLiteral("%1 ms").arg(it.t_ms);
        case Node:
            return it.node == kNoNode ? QStringLiteral("all") : QString::number(it.node);
        case Kind: {
            const Event* e = event(it);
            return e != nullptr ? QString::fromStdString(e->kind_name)
                                : QString::fromLatin1(to_string(it.kind));
        }
        case What:
            return narration(it);
        default:
            return {};
    }
}

QVariant EventListModel::headerData(int section, Qt::Orientation o, int role) const {
    if (role != Qt::DisplayRole || o != Qt::Horizontal) return {};
    switch (section) {
        case Time:
            return tr("Time");
        case Node:
            return tr("Node");
        case Kind:
            return tr("Kind");
        case What:
            return tr("What happened");
        default:
            return {};
    }
}

}  // namespace raftlab::gui
