#include "gui/views/timeline_view.h"

#include <QFontMetricsF>
#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "gui/model/cluster_state.h"
#include "gui/model/history.h"
#include "gui/views/palette.h"

namespace raftlab::gui {

namespace {
constexpr int kTop = 26;  // time axis
constexpr int kBottom = 8;
// Past this many messages in the window the arrows are drawn the cheap way.
constexpr std::size_t kDenseFlights = 400;
}  // namespace

TimelineView::TimelineView(QWidget* parent) : QWidget(parent) {
    setAttribute(Qt::WA_OpaquePaintEvent);
    setToolTip(
        tr("Space-time diagram: each arrow is one message from sender to receiver.\n"
           "Click to move the playhead; the wheel zooms in time."));
}

void TimelineView::setHistory(const History* history) {
    history_ = history;
    update();
}

void TimelineView::setPlayhead(std::int64_t t) {
    playhead_ = t;
    update();
}

void TimelineView::setSpan(std::int64_t ms) {
    span_ms_ = std::clamp<std::int64_t>(ms, 10, 600'000);
    update();
}

void TimelineView::setNodeVisible(NodeId node, bool visible) {
    if (visible) {
        hidden_nodes_.remove(node);
    } else {
        hidden_nodes_.insert(node);
    }
    update();
}

void TimelineView::setFamilyVisible(MsgFamily family, bool visible) {
    if (visible) {
        hidden_families_.remove(int(family));
    } else {
        hidden_families_.insert(int(family));
    }
    update();
}

std::vector<NodeId> TimelineView::lanes() const {
    std::vector<NodeId> out;
    if (history_ == nullptr) return out;
    for (NodeId id : history_->head().node_ids()) {
        if (!hidden_nodes_.contains(id)) out.push_back(id);
    }
    return out;
}

int TimelineView::laneY(int lane) const {
    const int n = std::max<int>(1, lane_count_);
    const int h = (height() - kTop - kBottom) / n;
    return kTop + h * lane + h / 2;
}

std::int64_t TimelineView::windowStart() const {
    // The playhead sits near the right edge: the diagram is the past, and
    // a replay never shows what has not happened yet.
    return playhead_ - span_ms_ * 9 / 10;
}

double TimelineView::xOf(std::int64_t t) const {
    const int g = LabPalette::instance().classroom() ? 120 : 90;
    return g + (width() - g - 10) * static_cast<double>(t - windowStart()) / span_ms_;
}

std::int64_t TimelineView::timeAt(double x) const {
    const int g = LabPalette::instance().classroom() ? 120 : 90;
    return windowStart() +
           static_cast<std::int64_t>((x - g) * span_ms_ / std::max(1, width() - g - 10));
}

bool TimelineView::event(QEvent* e) {
    if (e->type() != QEvent::ToolTip) return QWidget::event(e);
    auto* help = static_cast<QHelpEvent*>(e);
    const QString text = messageAt(help->pos());
    QToolTip::showText(help->globalPos(), text.isEmpty() ? toolTip() : text, this);
    return true;
}

QString TimelineView::messageAt(const QPointF& at) const {
    // The nearest arrow within a few pixels.
    const Flight* best = nullptr;
    double best_d = 6;
    for (const DrawnArrow& a : drawn_) {
        const QPointF d = a.line.p2() - a.line.p1();
        const double len2 = d.x() * d.x() + d.y() * d.y();
        double k = len2 > 0 ? QPointF::dotProduct(at - a.line.p1(), d) / len2 : 0;
        k = std::clamp(k, 0.0, 1.0);
        const QPointF c = a.line.p1() + d * k;
        const double dist = std::hypot(at.x() - c.x(), at.y() - c.y());
        if (dist < best_d) {
            best_d = dist;
            best = &a.flight;
        }
    }
    if (best == nullptr) return {};
    QString text = tr("%1 from node %2 to node %3, term %4")
                       .arg(QString::fromLatin1(to_string(best->type)))
                       .arg(best->from)
                       .arg(best->to)
                       .arg(best->term);
    if (best->type == MsgType::Append || best->type == MsgType::AppendResp) {
        text += tr(", index %1").arg(best->index);
        if (best->entries > 0) text += tr(", %1 entries").arg(best->entries);
    }
    if (best->reject) text += tr(", rejected");
    text += tr("\nsent at %1 ms").arg(best->sent_ms);
    if (best->done_ms < 0) {
        text += tr(", not delivered yet");
    } else if (best->dropped) {
        text += tr(", lost at %1 ms").arg(best->done_ms);
    } else {
        text += tr(", delivered at %1 ms (%2 ms in flight)")
                    .arg(best->done_ms)
                    .arg(best->done_ms - best->sent_ms);
    }
    return text;
}

void TimelineView::mousePressEvent(QMouseEvent* e) {
    if (e->button() == Qt::LeftButton) emit seekRequested(timeAt(e->position().x()));
}

void TimelineView::wheelEvent(QWheelEvent* e) {
    const double steps = e->angleDelta().y() / 120.0;
    setSpan(static_cast<std::int64_t>(span_ms_ * std::pow(0.8, steps)));
    e->accept();
}

void TimelineView::paintDownTime(QPainter& p, const std::map<NodeId, int>& lane_of, std::int64_t t0,
                                 std::int64_t t1) {
    // A grey band over a lane while its node is killed, a hatched one while
    // it is paused: a failover reads as "the band starts, then a new leader".
    const LabPalette& pal = LabPalette::instance();
    const ClusterState at_start = history_->state_at(t0);
    std::map<NodeId, std::pair<Liveness, std::int64_t>> open;  // state and since when
    for (const auto& [id, lane] : lane_of) {
        const NodeState* n = at_start.node(id);
        if (n != nullptr && n->liveness != Liveness::Alive) open[id] = {n->liveness, t0};
    }
    const int half = std::max(6, (laneY(1) - laneY(0)) / 3);
    auto band = [&](NodeId id, Liveness how, std::int64_t from, std::int64_t to) {
        const int y = laneY(lane_of.at(id));
        const QRectF r(QPointF(xOf(from), y - half), QPointF(xOf(to), y + half));
        p.setPen(Qt::NoPen);
        p.setBrush(how == Liveness::Killed ? QBrush(pal.killed().lighter(130))
                                           : QBrush(pal.killed(), Qt::BDiagPattern));
        p.drawRect(r);
        p.setPen(pal.faint());
        p.setFont(pal.font(pal.smallTextSize()));
        if (r.width() > 40) {
            p.drawText(r, Qt::AlignCenter, how == Liveness::Killed ? tr("down") : tr("paused"));
        }
    };
    const std::size_t begin = history_->count_until(t0);
    const std::size_t end = history_->count_until(t1);
    for (std::size_t i = begin; i < end; ++i) {
        const Event& e = history_->event(i);
        if (e.kind != EventKind::Fault || !lane_of.count(e.node)) continue;
        const bool down = e.what == "crash" || e.what == "kill" || e.what == "retire";
        const bool paused = e.what == "pause";
        const bool up = e.what == "start" || e.what == "restart" || e.what == "resume";
        auto it = open.find(e.node);
        if ((up || down || paused) && it != open.end()) {
            band(e.node, it->second.first, it->second.second, e.t_ms);
            open.erase(it);
        }
        if (down) open[e.node] = {Liveness::Killed, e.t_ms};
        if (paused) open[e.node] = {Liveness::Paused, e.t_ms};
    }
    for (const auto& [id, since] : open)
        band(id, since.first, since.second, t1);
}

void TimelineView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    const LabPalette& pal = LabPalette::instance();
    p.fillRect(rect(), pal.background());
    p.setRenderHint(QPainter::Antialiasing);
    drawn_.clear();
    const std::vector<NodeId> ids = lanes();
    lane_count_ = static_cast<int>(ids.size());
    if (history_ == nullptr || ids.empty()) {
        p.setPen(pal.faint());
        p.drawText(rect(), Qt::AlignCenter, tr("No events yet"));
        return;
    }
    const int gutter = pal.classroom() ? 120 : 90;
    const std::int64_t t0 = windowStart(), t1 = t0 + span_ms_;
    std::map<NodeId, int> lane_of;
    for (int i = 0; i < static_cast<int>(ids.size()); ++i)
        lane_of[ids[i]] = i;

    // Time axis: a tick at a round step, as many labels as fit side by side
    // (at most 10): classroom fonts are wider, and a narrow timeline has
    // room for fewer.
    p.setFont(pal.font(pal.smallTextSize()));
    const double label_w =
        QFontMetricsF(p.font()).horizontalAdvance(QStringLiteral("%1 ms").arg(t1)) + 16;
    const std::int64_t most = std::clamp<std::int64_t>(
        static_cast<std::int64_t>((width() - gutter) / std::max(1.0, label_w)), 2, 10);
    std::int64_t tick = 1;
    for (std::int64_t scale = 1; span_ms_ / tick > most; scale *= 10) {
        for (std::int64_t m : {1, 2, 5}) {
            tick = m * scale;
            if (span_ms_ / tick <= most) break;
        }
    }
    for (std::int64_t t = (t0 / tick) * tick; t <= t1; t += tick) {
        const double x = xOf(t);
        if (x < gutter) continue;
        p.setPen(pal.lane());
        p.drawLine(QPointF(x, kTop - 4), QPointF(x, height() - kBottom));
        p.setPen(pal.faint());
        if (x + label_w / 2 > width()) continue;  // a label cut at the edge reads wrong
        p.drawText(QRectF(x - 40, 2, 80, kTop - 6), Qt::AlignCenter,
                   QStringLiteral("%1 ms").arg(t));
    }

    // Lanes.
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const int y = laneY(static_cast<int>(i));
        p.setPen(QPen(pal.faint(), 1));
        p.drawLine(QPointF(gutter, y), QPointF(width() - 10, y));
        p.setPen(pal.ink());
        p.setFont(pal.font(pal.textSize(), true));
        p.drawText(QRect(6, y - 12, gutter - 12, 24), Qt::AlignLeft | Qt::AlignVCenter,
                   tr("Node %1").arg(ids[i]));
    }
    p.setClipRect(QRect(gutter, 0, width() - gutter, height()));
    paintDownTime(p, lane_of, t0, std::min(t1, playhead_));

    // Messages. A flood (thousands of arrows in the window) is drawn the
    // cheap way: one line per link, family and pixel column, solid,
    // without antialiasing or heads; it reads as a busy link either way,
    // and the paint stays bounded by the widget's width, not the event rate.
    const std::vector<const Flight*> flights =
        history_->flights_between(t0, std::min(t1, playhead_));
    const bool dense = flights.size() > kDenseFlights;
    std::unordered_set<std::uint64_t> drawn_columns;
    if (dense) p.setRenderHint(QPainter::Antialiasing, false);
    for (const Flight* f : flights) {
        const MsgFamily fam = family_of(f->type);
        if (hidden_families_.contains(int(fam))) continue;
        auto a = lane_of.find(f->from);
        auto b = lane_of.find(f->to);
        if (a == lane_of.end() || b == lane_of.end()) continue;
        const QPointF from(xOf(f->sent_ms), laneY(a->second));
        QPointF to(xOf(f->done_ms), laneY(b->second));
        if (dense) {
            const auto column = static_cast<std::uint64_t>(std::max(0.0, from.x())) & 0xffffff;
            const std::uint64_t key = column << 24 |
                                      (static_cast<std::uint64_t>(a->second) & 0xff) << 16 |
                                      (static_cast<std::uint64_t>(b->second) & 0xff) << 8 |
                                      static_cast<std::uint64_t>(f->type);
            if (!drawn_columns.insert(key).second) continue;
        }
        // Still in the air at the playhead: draw it as far as it has got.
        const bool in_flight = f->done_ms < 0 || f->done_ms > playhead_;
        if (in_flight) {
            const std::int64_t due = f->done_ms < 0 ? f->sent_ms + 10 : f->done_ms;
            const double k =
                due > f->sent_ms ? double(playhead_ - f->sent_ms) / double(due - f->sent_ms) : 1;
            to = QPointF(xOf(playhead_),
                         from.y() + (laneY(b->second) - from.y()) * std::clamp(k, 0.0, 1.0));
        }
        const QColor c = pal.message(fam);
        QPen pen(c, is_response(f->type) ? pal.lineWidth() * 0.8 : pal.lineWidth() * 1.2);
        if (is_response(f->type) && !dense) pen.setStyle(Qt::DashLine);
        if (f->dropped && !in_flight) {
            // Lost: the arrow stops halfway, ending in a cross.
            to = QPointF(std::max((from.x() + to.x()) / 2, from.x() + 8), (from.y() + to.y()) / 2);
        }
        p.setPen(pen);
        p.drawLine(from, to);
        drawn_.push_back({QLineF(from, to), *f});
        if (in_flight || dense) continue;  // no arrow head until it arrives
        if (f->dropped) {
            p.setPen(QPen(pal.cut(), pal.lineWidth() * 1.5));
            p.drawLine(to + QPointF(-4, -4), to + QPointF(4, 4));
            p.drawLine(to + QPointF(-4, 4), to + QPointF(4, -4));
            continue;
        }
        // Arrow head.
        const QLineF line(to, from);
        const double ang = std::atan2(-line.dy(), line.dx());
        const double s = pal.classroom() ? 9 : 6;
        const QPointF p1 = to + QPointF(std::cos(ang - 0.4) * s, -std::sin(ang - 0.4) * s);
        const QPointF p2 = to + QPointF(std::cos(ang + 0.4) * s, -std::sin(ang + 0.4) * s);
        p.setPen(Qt::NoPen);
        p.setBrush(c);
        p.drawPolygon(QPolygonF({to, p1, p2}));
    }

    p.setRenderHint(QPainter::Antialiasing);

    // Role changes and faults.
    const std::size_t begin = history_->count_until(t0 - 1);
    const std::size_t end = history_->count_until(std::min(t1, playhead_));
    p.setFont(pal.font(pal.smallTextSize(), true));
    // Labels that would overprint another on the same lane are left out;
    // the marker stays and the event list has the words. Leaders are
    // labelled first, so "Leader t2" is never the one that loses.
    std::map<int, std::vector<std::pair<double, double>>> taken;
    auto fits = [&](int lane, double x, const QString& text) {
        const double w = p.fontMetrics().horizontalAdvance(text) + 4;
        for (const auto& [a, b] : taken[lane]) {
            if (x < b && x + w > a) return false;
        }
        taken[lane].emplace_back(x, x + w);
        return true;
    };
    auto label = [&](int lane, double x, double y, const QString& text) {
        if (fits(lane, x, text)) p.drawText(QPointF(x, y), text);
    };
    const double marker_r = pal.classroom() ? 9 : 7;
    for (std::size_t i = begin; i < end; ++i) {
        const Event& e = history_->event(i);
        if (e.kind != EventKind::Role || e.to_role != Role::Leader || e.from_role == e.to_role)
            continue;
        auto lane = lane_of.find(e.node);
        if (lane != lane_of.end()) {
            fits(lane->second, xOf(e.t_ms) + marker_r + 2,
                 QStringLiteral("Leader t%1").arg(e.term));
        }
    }
    for (std::size_t i = begin; i < end; ++i) {
        const Event& e = history_->event(i);
        const double x = xOf(e.t_ms);
        if (e.kind == EventKind::Fault && e.node == kNoNode) {
            p.setPen(QPen(pal.cut(), 1.5, Qt::DashLine));
            p.drawLine(QPointF(x, kTop), QPointF(x, height() - kBottom));
            p.setPen(pal.cut());
            // Right of the line, or left of it when it would run off the edge.
            const QString text = QString::fromStdString(e.what + " " + e.text);
            const double w = QFontMetricsF(p.font()).horizontalAdvance(text);
            const double at = x + 3 + w > width() - 2 ? std::max<double>(gutter, x - 3 - w) : x + 3;
            p.drawText(QPointF(at, kTop + 10), text);
            continue;
        }
        auto lane = lane_of.find(e.node);
        if (lane == lane_of.end()) continue;
        const double y = laneY(lane->second);
        const bool roomy = laneY(1) - laneY(0) >= 34;
        if (e.kind == EventKind::Role && (e.from_role != e.to_role)) {
            const double r = pal.classroom() ? 9 : 7;
            p.setPen(QPen(pal.ink(), 1.5));
            p.setBrush(pal.role(e.to_role));
            p.drawEllipse(QPointF(x, y), r, r);
            p.setPen(pal.ink());
            const QString text =
                QStringLiteral("%1 t%2").arg(QString::fromLatin1(to_string(e.to_role))).arg(e.term);
            if (e.to_role == Role::Leader) {
                p.drawText(QPointF(x + r + 2, y - r - 1), text);  // its room is reserved
            } else if (roomy) {
                // Tight lanes: only leaders get a label, or the words overprint.
                label(lane->second, x + r + 2, y - r - 1, text);
            }
        } else if (e.kind == EventKind::Fault) {
            p.setPen(QPen(pal.cut(), pal.lineWidth() * 2));
            if (e.what == "crash" || e.what == "kill" || e.what == "retire") {
                p.drawLine(QPointF(x - 7, y - 7), QPointF(x + 7, y + 7));
                p.drawLine(QPointF(x - 7, y + 7), QPointF(x + 7, y - 7));
            } else {
                p.drawLine(QPointF(x, y - 9), QPointF(x, y + 9));
            }
            label(lane->second + 1000, x + 6, y + 18, QString::fromStdString(e.what));
        }
    }

    // Playhead.
    p.setClipping(false);
    const double px = xOf(playhead_);
    p.setPen(QPen(pal.ink(), 2));
    p.drawLine(QPointF(px, kTop - 6), QPointF(px, height() - kBottom));
}

}  // namespace raftlab::gui
