#include "gui/models/event_filter_proxy.h"

#include "gui/models/model_roles.h"

namespace raftlab::gui {

EventFilterProxy::EventFilterProxy(QObject* parent) : QSortFilterProxyModel(parent) {}

namespace {
template <typename Set, typename T>
bool set_hidden(Set& hidden, T key, bool visible) {
    if (visible == !hidden.contains(key)) return false;
    if (visible) {
        hidden.remove(key);
    } else {
        hidden.insert(key);
    }
    return true;
}
}  // namespace

void EventFilterProxy::setNodeVisible(NodeId node, bool visible) {
    if (set_hidden(hidden_nodes_, quint64(node), visible)) invalidateFilter();
}

void EventFilterProxy::setKindVisible(EventKind kind, bool visible) {
    if (set_hidden(hidden_kinds_, int(kind), visible)) invalidateFilter();
}

void EventFilterProxy::setFamilyVisible(MsgFamily family, bool visible) {
    if (set_hidden(hidden_families_, int(family), visible)) invalidateFilter();
}

bool EventFilterProxy::filterAcceptsRow(int row, const QModelIndex& parent) const {
    const QModelIndex i = sourceModel()->index(row, 0, parent);
    const auto node = i.data(NodeIdRole).value<quint64>();
    if (node != kNoNode && hidden_nodes_.contains(node)) return false;
    const int kind = i.data(EventKindRole).toInt();
    // A live node's periodic state report changes the pictures, not the
    // story: the list would drown in "node 2 reports its state".
    if (kind == int(EventKind::State)) return false;
    if (hidden_kinds_.contains(kind)) return false;
    const int family = i.data(MsgFamilyRole).toInt();
    return family < 0 || !hidden_families_.contains(family);
}

}  // namespace raftlab::gui
