// commit_index of every node over time (QtCharts), with the faults marked
// where they happened and a line at the playhead. A flat stretch is a
// cluster that cannot commit: no leader, or no quorum. Built from the
// History's commit changes only, thinned to a bounded number of points per
// node, so a long session draws as fast as a short one.
#pragma once

#include <QList>
#include <QPointF>
#include <QWidget>
#include <map>

#include "gui/model/event.h"

class QChart;
class QChartView;
class QLineSeries;
class QScatterSeries;
class QValueAxis;

namespace raftlab::gui {

class History;

class CommitChart : public QWidget {
    Q_OBJECT
  public:
    explicit CommitChart(QWidget* parent = nullptr);

    // Rebuilds every series from the history (call when it grew or reset).
    void setHistory(const History* history);
    void rebuild();
    // Rebuilds now if the chart is on screen, else when it is next shown:
    // a live session grows every frame, and a chart behind another tab
    // (the timeline's, usually) need not pay for a relayout of its axes.
    void refresh();
    void setPlayhead(std::int64_t t_ms);
    int pointCount() const;  // for tests: how many points the series hold

  protected:
    void showEvent(QShowEvent* event) override;

  private:
    bool stale_ = false;  // grew while hidden
    const History* history_ = nullptr;
    QChart* chart_;
    QChartView* view_;
    QValueAxis* x_;
    QValueAxis* y_;
    QLineSeries* playhead_;
    QScatterSeries* faults_;
    std::map<NodeId, QLineSeries*> series_;
    double y_max_ = 1;
    // What the events scanned so far say, kept between rebuilds: a live
    // history grows every frame, and a rebuild scans only the new events
    // (a rescan of 400,000 events every second was the GUI benchmark's
    // largest single stall).
    struct Scan {
        std::size_t next = 0;       // the next event to scan, counted since the history began
        std::size_t forgotten = 0;  // the history's forgotten() when last scanned
        std::map<NodeId, QList<QPointF>> points;  // step functions, thinned
        std::map<NodeId, Index> commit;
        std::map<NodeId, double> last_t;
        QList<QPointF> faults;
        double last_fault_t = -1e18;
        double y_max = 1;
    };
    Scan scan_;
    void scanNewEvents();
};

}  // namespace raftlab::gui
