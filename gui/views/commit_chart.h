// commit_index of every node over time (QtCharts), with the faults marked
// where they happened and a line at the playhead. A flat stretch is a
// cluster that cannot commit: no leader, or no quorum. Built from the
// History's commit changes only, thinned to a bounded number of points per
// node, so a long session draws as fast as a short one.
#pragma once

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
    void setPlayhead(std::int64_t t_ms);
    int pointCount() const;  // for tests: how many points the series hold

  private:
    const History* history_ = nullptr;
    QChart* chart_;
    QChartView* view_;
    QValueAxis* x_;
    QValueAxis* y_;
    QLineSeries* playhead_;
    QScatterSeries* faults_;
    std::map<NodeId, QLineSeries*> series_;
    double y_max_ = 1;
};

}  // namespace raftlab::gui
