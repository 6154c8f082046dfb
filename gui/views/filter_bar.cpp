#include "gui/views/filter_bar.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace raftlab::gui {

FilterBar::FilterBar(bool with_kinds, QWidget* parent) : QWidget(parent) {
    auto* rows = new QVBoxLayout(this);
    rows->setContentsMargins(4, 2, 4, 2);
    rows->setSpacing(2);
    auto* row = new QHBoxLayout;
    rows->addLayout(row);
    row->addWidget(new QLabel(tr("Nodes:")));
    nodes_layout_ = new QHBoxLayout;
    row->addLayout(nodes_layout_);
    row->addSpacing(12);
    row->addWidget(new QLabel(tr("Messages:")));
    for (MsgFamily f :
         {MsgFamily::Heartbeat, MsgFamily::Append, MsgFamily::Vote, MsgFamily::Snapshot}) {
        auto* box = new QCheckBox(QString::fromLatin1(to_string(f)));
        box->setChecked(true);
        box->setToolTip(tr("Show %1 messages and their replies").arg(to_string(f)));
        connect(box, &QCheckBox::toggled, this, [this, f](bool on) { emit familyToggled(f, on); });
        family_boxes_[int(f)] = box;
        row->addWidget(box);
    }
    row->addStretch(1);
    if (with_kinds) {
        // Kinds on a second row: the dock stays narrow enough to sit beside the cluster.
        row = new QHBoxLayout;
        rows->addLayout(row);
        row->addWidget(new QLabel(tr("Show:")));
        const std::pair<KindGroup, QString> groups[] = {
            {KindGroup::Roles, tr("Roles")},
            {KindGroup::Notes, tr("Votes && notes")},
            {KindGroup::Messages, tr("Sends/receives")},
            {KindGroup::Log, tr("Log")},
            {KindGroup::Client, tr("Client")},
            {KindGroup::Faults, tr("Faults && config")}};
        for (const auto& [g, label] : groups) {
            auto* box = new QCheckBox(label);
            box->setChecked(true);
            connect(box, &QCheckBox::toggled, this, [this, g = g](bool on) {
                for (EventKind k : kindsOf(g))
                    emit kindToggled(k, on);
            });
            kind_boxes_[int(g)] = box;
            row->addWidget(box);
        }
    }
    row->addStretch(1);
}

std::vector<EventKind> FilterBar::kindsOf(KindGroup group) {
    switch (group) {
        case KindGroup::Roles:
            return {EventKind::Role};
        case KindGroup::Notes:
            return {EventKind::Note, EventKind::Unknown};
        case KindGroup::Messages:
            return {EventKind::Send, EventKind::Recv, EventKind::Drop};
        case KindGroup::Log:
            return {EventKind::Persist, EventKind::Apply, EventKind::Snapshot};
        case KindGroup::Client:
            return {EventKind::Client};
        case KindGroup::Faults:
            return {EventKind::Fault, EventKind::Config, EventKind::Transfer};
    }
    return {};
}

void FilterBar::setNodes(const std::vector<NodeId>& ids) {
    bool same = ids.size() == node_boxes_.size();
    for (NodeId id : ids)
        same = same && node_boxes_.count(id);
    if (same) return;
    for (auto& [id, box] : node_boxes_)
        delete box;
    node_boxes_.clear();
    for (NodeId id : ids) {
        auto* box = new QCheckBox(QString::number(id));
        box->setChecked(true);
        box->setToolTip(tr("Show node %1").arg(id));
        connect(box, &QCheckBox::toggled, this, [this, id](bool on) { emit nodeToggled(id, on); });
        node_boxes_[id] = box;
        nodes_layout_->addWidget(box);
    }
}

void FilterBar::setFamilyChecked(MsgFamily family, bool checked) {
    auto it = family_boxes_.find(int(family));
    if (it != family_boxes_.end()) it->second->setChecked(checked);
}

void FilterBar::setKindGroupChecked(KindGroup group, bool checked) {
    auto it = kind_boxes_.find(int(group));
    if (it != kind_boxes_.end()) it->second->setChecked(checked);
}

}  // namespace raftlab::gui
