// The link between two nodes (elasticnodes' Edge). Solid when healthy; a
// cut in either direction draws it dashed in vermillion with a "cut" label,
// and injected delay or loss is written on the link itself, so a fault is
// visible where it acts.
#pragma once

#include <QGraphicsItem>

#include "gui/model/cluster_state.h"

namespace raftlab::gui {

class NodeItem;

class LinkItem : public QGraphicsItem {
  public:
    LinkItem(NodeItem* a, NodeItem* b);

    NodeItem* a() const { return a_; }
    NodeItem* b() const { return b_; }
    void setLinks(const LinkState& ab, const LinkState& ba);
    bool isCut() const { return ab_.cut || ba_.cut; }
    void adjust();  // endpoints moved

    QRectF boundingRect() const override;
    void paint(QPainter* p, const QStyleOptionGraphicsItem* opt, QWidget* w) override;

  private:
    QString faultText() const;

    NodeItem* a_;
    NodeItem* b_;
    LinkState ab_;
    LinkState ba_;
    QPointF pa_;
    QPointF pb_;
};

}  // namespace raftlab::gui
