#include "gui/views/message_layer.h"

#include <QPainter>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <unordered_set>

#include "gui/views/node_item.h"
#include "gui/views/palette.h"

namespace raftlab::gui {

namespace {
// A message lost at the moment it was sent has no flight time; show its
// cross for this long so the loss is seen at all.
constexpr std::int64_t kLostVisibleMs = 6;
}  // namespace

MessageLayer::MessageLayer() {
    setZValue(1);
}

void MessageLayer::setFlights(const std::vector<const Flight*>& flights, std::int64_t now,
                              const std::map<NodeId, NodeItem*>& nodes) {
    prepareGeometryChange();
    dots_.clear();
    rect_ = QRectF();
    std::unordered_set<std::uint64_t> spots;
    for (const Flight* f : flights) {
        auto a = nodes.find(f->from);
        auto b = nodes.find(f->to);
        if (a == nodes.end() || b == nodes.end()) continue;
        const std::int64_t end =
            f->done_ms < 0 ? now
                           : std::max(f->done_ms, f->sent_ms + (f->dropped ? kLostVisibleMs : 0));
        if (now < f->sent_ms || now > end) continue;
        double progress = 0.5;
        if (!f->dropped && f->done_ms > f->sent_ms) {
            progress = static_cast<double>(now - f->sent_ms) /
                       static_cast<double>(f->done_ms - f->sent_ms);
        } else if (f->done_ms < 0) {
            progress = 0.5;  // still in flight when the trace ends
        }
        // Start and end at the node's rim, not its centre.
        const QPointF pa = a->second->pos(), pb = b->second->pos();
        const QLineF line(pa, pb);
        const double rim = a->second->radius() / std::max(1.0, line.length());
        const double t = rim + (1 - 2 * rim) * std::clamp(progress, 0.0, 1.0);
        Dot d{pa + (pb - pa) * t, family_of(f->type), is_response(f->type), f->dropped};
        // Dots of one kind on the same spot (a flood of messages on one
        // link) are drawn once: the picture is the same and the paint stays
        // bounded by the view's area, not the message rate.
        const auto grid = [](double v) { return static_cast<std::uint64_t>(std::lround(v / 2)); };
        const std::uint64_t key =
            (grid(d.at.x()) & 0xfffff) << 32 | (grid(d.at.y()) & 0xfffff) << 12 |
            static_cast<std::uint64_t>(d.family) << 2 | (d.response ? 2u : 0u) | (d.lost ? 1u : 0u);
        if (!spots.insert(key).second) continue;
        dots_.push_back(d);
        rect_ |= QRectF(d.at - QPointF(14, 14), QSizeF(28, 28));
    }
    update();
}

void MessageLayer::paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) {
    const LabPalette& pal = LabPalette::instance();
    p->setRenderHint(QPainter::Antialiasing);
    const qreal r = pal.classroom() ? 10 : 7;
    for (const Dot& d : dots_) {
        const QColor c = pal.message(d.family);
        if (d.lost) {
            p->setPen(QPen(pal.cut(), pal.lineWidth() * 2, Qt::SolidLine, Qt::RoundCap));
            p->drawLine(d.at + QPointF(-r, -r), d.at + QPointF(r, r));
            p->drawLine(d.at + QPointF(-r, r), d.at + QPointF(r, -r));
            continue;
        }
        p->setPen(QPen(c.darker(140), pal.lineWidth()));
        p->setBrush(d.response ? QBrush(Qt::white) : QBrush(c));
        if (d.response) p->setPen(QPen(c, pal.lineWidth() * 1.8));
        p->drawEllipse(d.at, r, r);
    }
}

}  // namespace raftlab::gui
