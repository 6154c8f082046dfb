// Client load over time (QtCharts): writes per second acknowledged by the
// nodes (their Watch streams' client requests, or a trace's client lines),
// and the latency p50/p99 of the lab's own client calls (the Client panel),
// per one-second bucket. Only the newest 600 buckets (10 minutes) are drawn,
// so memory and drawing stay bounded in a long session.
#pragma once

#include <QWidget>

class QChart;
class QLineSeries;
class QValueAxis;

namespace raftlab::gui {

class History;

class ClientChart : public QWidget {
    Q_OBJECT
  public:
    explicit ClientChart(QWidget* parent = nullptr);
    void setHistory(const History* history);
    void rebuild();
    // For tests: the points drawn in the writes/s and p99 series.
    int writePoints() const;
    int latencyPoints() const;
    double peakWritesPerSecond() const { return peak_writes_; }

  private:
    const History* history_ = nullptr;
    QChart* chart_;
    QValueAxis* x_;
    QValueAxis* y_writes_;
    QValueAxis* y_ms_;
    QLineSeries* writes_;
    QLineSeries* p50_;
    QLineSeries* p99_;
    double peak_writes_ = 0;
};

}  // namespace raftlab::gui
