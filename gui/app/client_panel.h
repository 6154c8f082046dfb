// The client panel of a live cluster: put, get and delete with a
// consistency level and a target node, and a workload whose rate a slider
// sets. It only asks; the LabController makes the calls off the UI thread
// and the answer comes back as a line here.
#pragma once

#include <QPointer>
#include <QTimer>
#include <QWidget>
#include <vector>

#include "gui/model/event.h"

class QComboBox;
class QLineEdit;
class QLabel;
class QSlider;

namespace raftlab::gui {

class LabController;

class ClientPanel : public QWidget {
    Q_OBJECT
  public:
    ClientPanel(LabController* controller, QWidget* parent = nullptr);
    void setNodes(const std::vector<NodeId>& ids);
    // Requests sent by the workload so far.
    std::uint64_t workloadSent() const { return sent_; }
    QSlider* rateSlider() const { return rate_; }
    // The node the calls go to (a person picks it in the combo box).
    void setTarget(NodeId id);

    // The cluster is gone: stop the workload, ask nothing more.
    void detach();

  private:
    void send(const QString& op);
    void workloadTick();

    // The controller goes away when the window closes (before the panel).
    QPointer<LabController> controller_;
    QComboBox* node_;
    QComboBox* consistency_;
    QLineEdit* key_;
    QLineEdit* value_;
    QLabel* answer_;
    QSlider* rate_;
    QLabel* rate_label_;
    QTimer workload_;
    std::uint64_t sent_ = 0;
    double owed_ = 0;  // puts the workload owes (fractions carry to the next tick)
    std::vector<NodeId> ids_;
};

}  // namespace raftlab::gui
