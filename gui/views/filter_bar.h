// A row of check boxes that filters a view by node, by message family and
// (for the event list) by kind of event. It only emits what was toggled;
// the view or proxy it drives decides what that means.
#pragma once

#include <QWidget>
#include <map>
#include <vector>

#include "gui/model/event.h"

class QCheckBox;
class QHBoxLayout;

namespace raftlab::gui {

class FilterBar : public QWidget {
    Q_OBJECT
  public:
    // Groups of event kinds the event list can hide, in the lab's words.
    enum class KindGroup { Roles, Notes, Messages, Log, Client, Faults };

    FilterBar(bool with_kinds, QWidget* parent = nullptr);

    void setNodes(const std::vector<NodeId>& ids);
    void setFamilyChecked(MsgFamily family, bool checked);
    void setKindGroupChecked(KindGroup group, bool checked);
    static std::vector<EventKind> kindsOf(KindGroup group);

  signals:
    void nodeToggled(raftlab::gui::NodeId node, bool visible);
    void familyToggled(raftlab::gui::MsgFamily family, bool visible);
    void kindToggled(raftlab::gui::EventKind kind, bool visible);

  private:
    QHBoxLayout* nodes_layout_;
    std::map<NodeId, QCheckBox*> node_boxes_;
    std::map<int, QCheckBox*> family_boxes_;
    std::map<int, QCheckBox*> kind_boxes_;
};

}  // namespace raftlab::gui
