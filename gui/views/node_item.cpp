#include "gui/views/node_item.h"

#include <QFontMetricsF>
#include <QPainter>
#include <QPainterPath>
#include <algorithm>
#include <cmath>

#include "gui/views/palette.h"

namespace raftlab::gui {

namespace {

// One line of text in `rect`, its font shrunk to fit if it is wider (a
// seven-digit commit index must not be cut off at both ends).
void draw_fitted(QPainter* p, const QRectF& rect, const QString& text) {
    const qreal w = QFontMetricsF(p->font()).horizontalAdvance(text);
    if (w > rect.width()) {
        QFont f = p->font();
        f.setPointSizeF(std::max<qreal>(5, f.pointSizeF() * rect.width() / w));
        p->setFont(f);
    }
    p->drawText(rect, Qt::AlignCenter, text);
}

}  // namespace

NodeItem::NodeItem(NodeId id, QGraphicsItem* parent) : QGraphicsObject(parent), id_(id) {
    setFlag(ItemIsMovable);
    setFlag(ItemSendsGeometryChanges);
    setFlag(ItemIsSelectable);
    setCacheMode(DeviceCoordinateCache);
    setZValue(2);
    node_.id = id;
}

qreal NodeItem::radius() const {
    return LabPalette::instance().classroom() ? 62 : 46;
}

void NodeItem::setNode(const NodeState& n, std::int64_t now_ms, const Timing& timing) {
    const bool timer_moves = n.election_reset_ms >= 0 || node_.election_reset_ms >= 0;
    if (n == node_ && (now_ms == now_ms_ || !timer_moves)) return;
    prepareGeometryChange();
    node_ = n;
    node_.log = TermRuns{};  // the view only needs numbers; keep the copy small
    node_.log.write(n.last_index(), n.last_index(), n.log.term_at(n.last_index()));
    now_ms_ = now_ms;
    timing_ = timing;
    update();
}

QRectF NodeItem::boundingRect() const {
    const qreal r = radius();
    // Room for the name above, the timer ring around and the indexes below.
    // (and the guide's arrow above, a learner's catch-up bar below).
    return QRectF(-r * 2.6, -r - 64, r * 5.2, r * 2 + 64 + 94);
}

QVariant NodeItem::itemChange(GraphicsItemChange change, const QVariant& value) {
    if (change == ItemPositionHasChanged) emit moved();
    return QGraphicsItem::itemChange(change, value);
}

double NodeItem::electionTimerLeft() const {
    if (node_.election_reset_ms < 0 || node_.role == Role::Leader ||
        node_.liveness == Liveness::Killed) {
        return -1;
    }
    const double span = static_cast<double>(timing_.election_timeout_max_ms);
    const double elapsed = static_cast<double>(now_ms_ - node_.election_reset_ms);
    return std::clamp(1.0 - elapsed / span, 0.0, 1.0);
}

void NodeItem::setHighlighted(bool on) {
    if (on == highlighted_) return;
    highlighted_ = on;
    update();
}

void NodeItem::setLearnerProgress(Index match, Index leader_last, Index threshold,
                                  int snapshot_pct) {
    learner_match_ = match;
    learner_leader_last_ = leader_last;
    learner_threshold_ = threshold;
    learner_snapshot_pct_ = snapshot_pct;
    update();
}

bool NodeItem::showsPromotion() const {
    // 600 ms of lab time: 6 s at the default 0.1x replay speed.
    return node_.promoted_at_ms >= 0 && now_ms_ >= node_.promoted_at_ms &&
           now_ms_ - node_.promoted_at_ms <= 600;
}

Role NodeItem::shownRole() const {
    // A joining node calls itself a Follower until the configuration that
    // made it a learner reaches it; the leader already counts it as one.
    // The shape is a learner's, so the name and colour say so too.
    if (node_.membership == Membership::Learner && node_.role == Role::Follower)
        return Role::Learner;
    return node_.role;
}

void NodeItem::paintShape(QPainter* p, const QRectF& r) const {
    const LabPalette& pal = LabPalette::instance();
    const bool killed = node_.liveness == Liveness::Killed;
    QColor fill = killed ? pal.killed() : pal.role(shownRole());
    if (node_.liveness == Liveness::Paused) fill = fill.lighter(135);
    QPen pen(pal.ink(), pal.lineWidth() * 1.4);
    if (!killed && node_.role == Role::Candidate) pen.setStyle(Qt::DashLine);
    if (!killed && node_.role == Role::PreCandidate) pen.setStyle(Qt::DotLine);
    if (isSelected()) pen.setColor(QColor(0x00, 0x72, 0xB2));
    p->setPen(pen);
    p->setBrush(fill);
    if (node_.membership == Membership::Learner) {
        p->drawRoundedRect(r, r.width() * 0.22, r.width() * 0.22);
    } else {
        p->drawEllipse(r);
    }
    if (!killed && node_.role == Role::Leader) {
        // The leader's double ring: visible without colour.
        p->setBrush(Qt::NoBrush);
        p->drawEllipse(r.adjusted(-7, -7, 7, 7));
    }
    if (killed) {
        QPen cross(QColor(0x40, 0x40, 0x40, 110), pal.lineWidth() * 3, Qt::SolidLine, Qt::RoundCap);
        p->setPen(cross);
        const QRectF c =
            r.adjusted(r.width() * 0.12, r.height() * 0.12, -r.width() * 0.12, -r.height() * 0.12);
        p->drawLine(c.topLeft(), c.bottomRight());
        p->drawLine(c.topRight(), c.bottomLeft());
    }
}

void NodeItem::paintElectionTimer(QPainter* p, const QRectF& r) const {
    // The election timer drains in lab time (§5.2); it fires somewhere in
    // [min, max), so the ring empties at max and a tick marks min.
    if (node_.election_reset_ms < 0 || node_.role == Role::Leader ||
        node_.liveness == Liveness::Killed) {
        return;
    }
    const LabPalette& pal = LabPalette::instance();
    const double span = static_cast<double>(timing_.election_timeout_max_ms);
    const double left = electionTimerLeft();
    const QRectF ring = r.adjusted(-12, -12, 12, 12);
    p->setBrush(Qt::NoBrush);
    p->setPen(QPen(pal.lane(), pal.lineWidth() * 3, Qt::SolidLine, Qt::FlatCap));
    p->drawEllipse(ring);
    p->setPen(QPen(pal.ink(), pal.lineWidth() * 3, Qt::SolidLine, Qt::FlatCap));
    p->drawArc(ring, 90 * 16, static_cast<int>(left * 360 * 16));
    // Tick at the minimum timeout: before it, this node cannot time out.
    const double min_frac = 1.0 - timing_.election_timeout_min_ms / span;
    const double a = (90 + min_frac * 360) * M_PI / 180;
    const QPointF c = ring.center();
    const double rr = ring.width() / 2;
    p->setPen(QPen(pal.warning(), pal.lineWidth() * 1.5));
    p->drawLine(c + QPointF(std::cos(a) * (rr - 7), -std::sin(a) * (rr - 7)),
                c + QPointF(std::cos(a) * (rr + 7), -std::sin(a) * (rr + 7)));
}

void NodeItem::paintPauseBadge(QPainter* p, const QRectF& r) const {
    const qreal s = r.width() * 0.36;
    const QRectF badge(r.right() - s * 0.6, r.top() - s * 0.4, s, s);
    p->setPen(QPen(Qt::white, 2));
    p->setBrush(QColor(0x20, 0x20, 0x20));
    p->drawEllipse(badge);
    p->setPen(Qt::NoPen);
    p->setBrush(Qt::white);
    const qreal w = s * 0.14, h = s * 0.46;
    p->drawRect(QRectF(badge.center().x() - w * 1.6, badge.center().y() - h / 2, w, h));
    p->drawRect(QRectF(badge.center().x() + w * 0.6, badge.center().y() - h / 2, w, h));
}

void NodeItem::paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) {
    const LabPalette& pal = LabPalette::instance();
    p->setRenderHint(QPainter::Antialiasing);
    // A node removed from the configuration is no longer part of the cluster:
    // it fades, whatever it still believes about itself.
    if (node_.membership == Membership::Removed) p->setOpacity(0.35);
    const qreal r = radius();
    const QRectF body(-r, -r, 2 * r, 2 * r);

    // The promotion of a learner is a moment to see: a halo for 600 ms of
    // lab time (6 s at the default 0.1x replay speed).
    const bool just_promoted = showsPromotion();
    if (just_promoted) {
        p->setPen(Qt::NoPen);
        p->setBrush(QColor(0xF0, 0xE4, 0x42, 170));
        p->drawEllipse(body.adjusted(-26, -26, 26, 26));
    }
    if (highlighted_) {
        // The guide's "look here": blue (Okabe–Ito) dashed ring, an arrow above.
        p->setPen(QPen(QColor(0x00, 0x72, 0xB2), pal.lineWidth() * 4, Qt::DashLine));
        p->setBrush(Qt::NoBrush);
        p->drawEllipse(body.adjusted(-20, -20, 20, 20));
        p->setFont(pal.font(pal.titleSize(), true));
        p->setPen(QColor(0x00, 0x72, 0xB2));
        p->drawText(QRectF(-r * 2, -r - 62, r * 4, 24), Qt::AlignCenter, tr("▼ look here"));
    }
    paintElectionTimer(p, body);
    paintShape(p, body);
    if (node_.liveness == Liveness::Paused) paintPauseBadge(p, body);

    const bool killed = node_.liveness == Liveness::Killed;
    // Name above.
    p->setPen(pal.ink());
    p->setFont(pal.font(pal.titleSize(), true));
    p->drawText(QRectF(-r * 2, -r - 36, r * 4, 22), Qt::AlignCenter,
                QStringLiteral("Node %1").arg(id_));

    // Role, term and vote inside, in words.
    QString role = QString::fromLatin1(to_string(shownRole()));
    if (killed) role = QStringLiteral("killed");
    if (node_.liveness == Liveness::Paused) role += QStringLiteral("\n(paused)");
    // Shrink the role's name until it fits inside the shape ("PreCandidate").
    QFont role_font = pal.font(pal.textSize(), true);
    while (role_font.pointSizeF() > 5 &&
           QFontMetricsF(role_font).horizontalAdvance(role.section('\n', 0, 0)) > r * 1.8) {
        role_font.setPointSizeF(role_font.pointSizeF() - 0.5);
    }
    p->setFont(role_font);
    p->setPen(killed ? QColor(0x30, 0x30, 0x30) : Qt::black);
    p->drawText(QRectF(-r, -r * 0.62, 2 * r, r * 0.62), Qt::AlignCenter, role);
    p->setFont(pal.font(pal.textSize()));
    const QString vote = node_.vote == kNoNode ? QStringLiteral("–") : QString::number(node_.vote);
    p->drawText(QRectF(-r, 0, 2 * r, r * 0.42), Qt::AlignCenter,
                QStringLiteral("term %1").arg(node_.term));
    p->setFont(pal.font(pal.smallTextSize()));
    p->drawText(QRectF(-r, r * 0.38, 2 * r, r * 0.4), Qt::AlignCenter,
                QStringLiteral("vote %1").arg(vote));

    // Indexes below, in the words the rest of the lab uses.
    p->setPen(pal.ink());
    p->setFont(pal.font(pal.smallTextSize()));
    const QString idx = QStringLiteral("commit %1 · applied %2 · last %3")
                            .arg(node_.commit_index)
                            .arg(node_.applied_index)
                            .arg(node_.last_index());
    draw_fitted(p, QRectF(-r * 2.6, r + 14, r * 5.2, 20), idx);
    p->setFont(pal.font(pal.smallTextSize()));
    if (just_promoted) {
        p->setFont(pal.font(pal.textSize(), true));
        draw_fitted(p, QRectF(-r * 2.6, r + 32, r * 5.2, 20), tr("★ PROMOTED TO VOTER"));
    } else if (node_.membership == Membership::Learner) {
        draw_fitted(p, QRectF(-r * 2.6, r + 32, r * 5.2, 20),
                    node_.promotable ? tr("learner · promotable") : tr("learner · read-only"));
        p->setFont(pal.font(pal.smallTextSize()));
        if (learner_leader_last_ > 0) {
            // Catch-up bar: match_index out of the leader's last index; the
            // tick marks where the leader will promote (last - threshold).
            const QRectF bar(-r * 1.6, r + 56, r * 3.2, 12);
            const double last = static_cast<double>(learner_leader_last_);
            const double done = std::min(1.0, static_cast<double>(learner_match_) / last);
            p->setPen(QPen(pal.ink(), 1));
            p->setBrush(Qt::white);
            p->drawRect(bar);
            p->setPen(Qt::NoPen);
            p->setBrush(pal.role(Role::Learner));
            p->drawRect(QRectF(bar.left(), bar.top(), bar.width() * done, bar.height()));
            if (learner_threshold_ > 0 && learner_threshold_ < learner_leader_last_) {
                const double at = 1.0 - static_cast<double>(learner_threshold_) / last;
                p->setPen(QPen(pal.warning(), 3));
                p->drawLine(QPointF(bar.left() + bar.width() * at, bar.top() - 4),
                            QPointF(bar.left() + bar.width() * at, bar.bottom() + 4));
            }
            p->setPen(pal.ink());
            p->setFont(pal.font(pal.smallTextSize()));
            // Short enough to sit under the node: "match 772 / 772 · lag ≤ 100 · snap 25%".
            QString text = tr("match %1 / %2").arg(learner_match_).arg(learner_leader_last_);
            if (learner_threshold_ > 0) text += tr(" · lag ≤ %1").arg(learner_threshold_);
            if (learner_snapshot_pct_ >= 0) text += tr(" · snap %1%").arg(learner_snapshot_pct_);
            draw_fitted(p, QRectF(-r * 2.6, r + 70, r * 5.2, 20), text);
        }
    } else if (node_.membership == Membership::Removed) {
        p->setFont(pal.font(pal.textSize(), true));
        draw_fitted(p, QRectF(-r * 2.6, r + 32, r * 5.2, 20), tr("removed from the cluster"));
    }
}

}  // namespace raftlab::gui
