#include "gui/app/client_panel.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSlider>

#include "gui/live/lab_controller.h"

namespace raftlab::gui {

namespace {
// The workload timer's period: rates up to 200/s are sent a few per tick,
// so the UI thread wakes 20 times a second whatever the rate.
constexpr int kWorkloadTickMs = 50;
}  // namespace

ClientPanel::ClientPanel(LabController* controller, QWidget* parent)
    : QWidget(parent), controller_(controller) {
    auto* form = new QFormLayout(this);
    node_ = new QComboBox;
    node_->setToolTip(
        tr("The node the request goes to; a follower answers NOT_LEADER "
           "for writes and linearizable reads it cannot serve"));
    consistency_ = new QComboBox;
    // kv.proto numbering: 0 linearizable (ReadIndex), 1 lease, 2 eventual.
    consistency_->addItem(tr("linearizable (ReadIndex)"), 0);
    consistency_->addItem(tr("lease"), 1);
    consistency_->addItem(tr("eventual (any node's applied state)"), 2);
    key_ = new QLineEdit(QStringLiteral("x"));
    value_ = new QLineEdit(QStringLiteral("1"));
    form->addRow(tr("Node"), node_);
    form->addRow(tr("Read consistency"), consistency_);
    form->addRow(tr("Key"), key_);
    form->addRow(tr("Value"), value_);
    auto* buttons = new QHBoxLayout;
    for (const char* op : {"put", "get", "delete"}) {
        auto* b = new QPushButton(QString::fromLatin1(op).toUpper().left(1) +
                                  QString::fromLatin1(op).mid(1));
        connect(b, &QPushButton::clicked, this, [this, op] { send(QString::fromLatin1(op)); });
        buttons->addWidget(b);
    }
    form->addRow(buttons);
    answer_ = new QLabel(tr("No request yet"));
    answer_->setWordWrap(true);
    form->addRow(tr("Answer"), answer_);
    rate_ = new QSlider(Qt::Horizontal);
    rate_->setRange(0, 200);
    rate_->setToolTip(tr("Workload: puts per second to the chosen node (0 = off)"));
    rate_label_ = new QLabel(tr("off"));
    auto* rate_row = new QHBoxLayout;
    rate_row->addWidget(rate_);
    rate_row->addWidget(rate_label_);
    form->addRow(tr("Workload"), rate_row);
    connect(rate_, &QSlider::valueChanged, this, [this](int v) {
        rate_label_->setText(v == 0 ? tr("off") : tr("%1 puts/s").arg(v));
        if (v == 0) {
            workload_.stop();
        } else if (!workload_.isActive()) {
            workload_.start(kWorkloadTickMs);
        }
    });
    connect(&workload_, &QTimer::timeout, this, &ClientPanel::workloadTick);
    connect(controller_, &LabController::clientAnswer, answer_, &QLabel::setText);
}

void ClientPanel::setNodes(const std::vector<NodeId>& ids) {
    if (ids == ids_) return;
    ids_ = ids;
    const QVariant keep = node_->currentData();
    node_->clear();
    for (NodeId id : ids)
        node_->addItem(tr("node %1").arg(id), QVariant::fromValue<quint64>(id));
    const int i = node_->findData(keep);
    if (i >= 0) node_->setCurrentIndex(i);
}

void ClientPanel::detach() {
    workload_.stop();
    controller_ = nullptr;
    setEnabled(false);
}

void ClientPanel::send(const QString& op) {
    if (node_->currentIndex() < 0 || !controller_) return;
    answer_->setText(tr("%1 sent…").arg(op));
    controller_->clientOp(node_->currentData().value<quint64>(), op, key_->text(), value_->text(),
                          consistency_->currentData().toInt());
}

void ClientPanel::workloadTick() {
    if (node_->currentIndex() < 0 || !controller_) return;
    // Carry fractions so 5/s is one put every 200 ms, not none.
    owed_ += rate_->value() * kWorkloadTickMs / 1000.0;
    for (int i = 0; i < 10 && owed_ >= 1; ++i, owed_ -= 1) {
        const QString key = QStringLiteral("w%1").arg(sent_ % 100);
        controller_->clientOp(node_->currentData().value<quint64>(), QStringLiteral("put"), key,
                              QString::number(sent_), 0);
        ++sent_;
    }
}

void ClientPanel::setTarget(NodeId id) {
    const int i = node_->findData(QVariant::fromValue<quint64>(id));
    if (i >= 0) node_->setCurrentIndex(i);
}

}  // namespace raftlab::gui
