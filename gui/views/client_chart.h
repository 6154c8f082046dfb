// Client load over time (QtCharts): writes per second acknowledged by the
// nodes (their Watch streams' client requests, or a trace's client lines),
// and the latency p50/p99 of the lab's own client calls (the Client panel),
// per one-second bucket. Only the newest 600 buckets (10 minutes) are drawn,
// so memory and drawing stay bounded in a long session.
#pragma once

#include <QWidget>
#include <cstdint>
#include <map>
#include <vector>

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
    // Rebuilds now if the chart is on screen, else when it is next shown:
    // a live session grows every frame, and a chart behind another tab
    // (the timeline's, usually) need not pay for a relayout of its axes.
    void refresh();
    // For tests: the points drawn in the writes/s and p99 series.
    int writePoints() const;
    int latencyPoints() const;
    double peakWritesPerSecond() const { return peak_writes_; }

  protected:
    void showEvent(QShowEvent* event) override;

  private:
    bool stale_ = false;  // grew while hidden
    const History* history_ = nullptr;
    QChart* chart_;
    QValueAxis* x_;
    QValueAxis* y_writes_;
    QValueAxis* y_ms_;
    QLineSeries* writes_;
    QLineSeries* p50_;
    QLineSeries* p99_;
    double peak_writes_ = 0;
    // Per-bucket counts of the events scanned so far, kept between
    // rebuilds so a growing live history is scanned once (see CommitChart).
    struct Scan {
        std::size_t next = 0;  // the next event to scan, counted since the history began
        std::map<std::int64_t, int> acked;
        std::map<std::int64_t, std::vector<double>> latency_ms;
    };
    Scan scan_;
};

}  // namespace raftlab::gui
