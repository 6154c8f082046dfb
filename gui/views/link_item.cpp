#include "gui/views/link_item.h"

#include <QPainter>
#include <cmath>

#include "gui/views/node_item.h"
#include "gui/views/palette.h"

namespace raftlab::gui {

LinkItem::LinkItem(NodeItem* a, NodeItem* b) : a_(a), b_(b) {
    setZValue(0);
    adjust();
}

void LinkItem::setLinks(const LinkState& ab, const LinkState& ba) {
    if (ab == ab_ && ba == ba_) return;
    ab_ = ab;
    ba_ = ba;
    update();
}

void LinkItem::adjust() {
    prepareGeometryChange();
    pa_ = a_->pos();
    pb_ = b_->pos();
}

QRectF LinkItem::boundingRect() const {
    return QRectF(pa_, pb_).normalized().adjusted(-80, -30, 80, 30);
}

QString LinkItem::faultText() const {
    auto one = [](const LinkState& l) {
        QStringList parts;
        if (l.delay_ms > 0) parts << QStringLiteral("+%1 ms").arg(l.delay_ms);
        if (l.loss > 0) parts << QStringLiteral("%1% loss").arg(qRound(l.loss * 100));
        return parts.join(QStringLiteral(", "));
    };
    if (ab_.cut && ba_.cut) return QObject::tr("✂ cut");
    if (ab_.cut) return QObject::tr("✂ cut %1→%2").arg(a_->id()).arg(b_->id());
    if (ba_.cut) return QObject::tr("✂ cut %1→%2").arg(b_->id()).arg(a_->id());
    const QString x = one(ab_), y = one(ba_);
    if (x.isEmpty() && y.isEmpty()) return {};
    if (x == y) return x;
    QStringList both;
    if (!x.isEmpty()) both << QStringLiteral("%1→%2 %3").arg(a_->id()).arg(b_->id()).arg(x);
    if (!y.isEmpty()) both << QStringLiteral("%1→%2 %3").arg(b_->id()).arg(a_->id()).arg(y);
    return both.join(QStringLiteral("; "));
}

void LinkItem::paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) {
    const LabPalette& pal = LabPalette::instance();
    p->setRenderHint(QPainter::Antialiasing);
    const bool cut = ab_.cut || ba_.cut;
    QPen pen(cut ? pal.cut() : pal.faint(), cut ? pal.lineWidth() * 2 : pal.lineWidth());
    if (cut) pen.setStyle(Qt::DashLine);
    p->setPen(pen);
    p->drawLine(pa_, pb_);
    const QString text = faultText();
    if (text.isEmpty()) return;
    p->setFont(pal.font(pal.smallTextSize(), true));
    // Beside the middle of the link, not on it: message dots run along the
    // line, and in a ring of four or more the diagonals cross at their
    // middles, where two labels would otherwise pile up. On the side toward
    // the ring's centre (the scene's origin), away from the nodes' own
    // texts, which sit outside and below them.
    const QPointF d = pb_ - pa_;
    const qreal len = std::hypot(d.x(), d.y());
    QPointF normal = len > 0 ? QPointF(-d.y() / len, d.x() / len) : QPointF(0, 0);
    const QPointF centre = mapFromScene(QPointF(0, 0));
    const QPointF half = (pa_ + pb_) / 2;
    if (QPointF::dotProduct(normal, centre - half) < 0) normal = -normal;
    // Just far enough that the label's box clears the line, so labels of
    // neighbouring links do not crowd together toward the centre.
    const QRectF size = p->boundingRect(QRectF(0, 0, 150, 22), Qt::AlignCenter, text);
    const qreal clear =
        std::abs(normal.x()) * size.width() / 2 + std::abs(normal.y()) * size.height() / 2 + 6;
    const QPointF mid = half + normal * clear;
    const QRectF box(mid.x() - 75, mid.y() - 11, 150, 22);
    p->setPen(Qt::NoPen);
    p->setBrush(QColor(255, 255, 255, 230));
    const QRectF tight = p->boundingRect(box, Qt::AlignCenter, text).adjusted(-4, -1, 4, 1);
    p->drawRoundedRect(tight, 4, 4);
    p->setPen(cut ? pal.cut() : pal.ink());
    p->drawText(box, Qt::AlignCenter, text);
}

}  // namespace raftlab::gui
