// Messages in flight, drawn as dots on one item rather than an item per
// message: a busy cluster has hundreds in the air and the scene should not
// churn items every frame. Colour says the family (heartbeat, append, vote,
// snapshot); a request is a filled dot, a response a hollow one; a lost
// message ends in a cross halfway.
#pragma once

#include <QGraphicsItem>
#include <map>
#include <vector>

#include "gui/model/history.h"

namespace raftlab::gui {

class NodeItem;

class MessageLayer : public QGraphicsItem {
  public:
    MessageLayer();
    void setFlights(const std::vector<const Flight*>& flights, std::int64_t now_ms,
                    const std::map<NodeId, NodeItem*>& nodes);

    QRectF boundingRect() const override { return rect_; }
    int dotCount() const { return static_cast<int>(dots_.size()); }
    void paint(QPainter* p, const QStyleOptionGraphicsItem* opt, QWidget* w) override;

  private:
    struct Dot {
        QPointF at;
        MsgFamily family;
        bool response;
        bool lost;
    };
    std::vector<Dot> dots_;
    QRectF rect_;
};

}  // namespace raftlab::gui
