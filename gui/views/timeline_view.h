// A space-time (Lamport) diagram: one horizontal lane per node, time to the
// right, each message an arrow from its sender's lane at the send time to
// its receiver's lane at the delivery time. Role changes and faults are
// markers on the lanes. The window follows the playhead; the wheel zooms,
// a click moves the playhead there. Filters hide nodes and message families.
#pragma once

#include <QLineF>
#include <QSet>
#include <QWidget>
#include <map>
#include <vector>

#include "gui/model/event.h"
#include "gui/model/history.h"

namespace raftlab::gui {

class History;
}  // namespace raftlab::gui
class QPainter;
namespace raftlab::gui {

class TimelineView : public QWidget {
    Q_OBJECT
  public:
    explicit TimelineView(QWidget* parent = nullptr);

    void setHistory(const History* history);
    void setPlayhead(std::int64_t t_ms);
    void setSpan(std::int64_t ms);
    void zoomIn() { setSpan(span_ms_ * 2 / 3); }
    void zoomOut() { setSpan(span_ms_ * 3 / 2); }
    std::int64_t span() const { return span_ms_; }
    void setNodeVisible(NodeId node, bool visible);
    void setFamilyVisible(MsgFamily family, bool visible);
    QSize sizeHint() const override { return {900, 240}; }
    QSize minimumSizeHint() const override { return {300, 120}; }

    // What the arrow under `pos` was ("" if none), as the tooltip says it.
    QString messageAt(const QPointF& pos) const;
    // The arrows of the last paint (for tests): how many, and where.
    int arrowCount() const { return static_cast<int>(drawn_.size()); }
    QPointF arrowMidpoint(int i) const { return drawn_[i].line.center(); }

  signals:
    void seekRequested(std::int64_t t_ms);

  protected:
    bool event(QEvent* e) override;  // tooltips: what an arrow was
    void paintEvent(QPaintEvent* e) override;
    void mousePressEvent(QMouseEvent* e) override;
    void wheelEvent(QWheelEvent* e) override;

  private:
    std::vector<NodeId> lanes() const;
    void paintDownTime(QPainter& p, const std::map<NodeId, int>& lane_of, std::int64_t t0,
                       std::int64_t t1);
    double xOf(std::int64_t t) const;
    std::int64_t timeAt(double x) const;
    std::int64_t windowStart() const;
    int laneY(int lane) const;
    int lane_count_ = 1;  // lanes in the last paint (laneY runs per message)

    const History* history_ = nullptr;
    std::int64_t playhead_ = 0;
    std::int64_t span_ms_ = 200;
    QSet<quint64> hidden_nodes_;
    QSet<int> hidden_families_;
    // The arrows of the last paint, for tooltips.
    struct DrawnArrow {
        QLineF line;
        Flight flight;  // a copy: the history may grow and move its flights
    };
    std::vector<DrawnArrow> drawn_;
};

}  // namespace raftlab::gui
