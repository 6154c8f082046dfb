#include "gui/views/client_chart.h"

#include <QChart>
#include <QChartView>
#include <QLineSeries>
#include <QVBoxLayout>
#include <QValueAxis>
#include <algorithm>
#include <map>
#include <vector>

#include "gui/model/history.h"

namespace raftlab::gui {

namespace {
constexpr std::int64_t kBucketMs = 1000;
constexpr std::size_t kMaxBuckets = 600;
}  // namespace

ClientChart::ClientChart(QWidget* parent) : QWidget(parent) {
    chart_ = new QChart;
    chart_->setTitle(tr("Client load: writes/s (left), latency p50 / p99 in ms (right)"));
    x_ = new QValueAxis;
    x_->setTitleText(tr("time (ms)"));
    x_->setLabelFormat(QStringLiteral("%.0f"));
    y_writes_ = new QValueAxis;
    y_writes_->setTitleText(tr("writes/s"));
    y_writes_->setLabelFormat(QStringLiteral("%.0f"));
    y_ms_ = new QValueAxis;
    y_ms_->setTitleText(tr("latency (ms)"));
    chart_->addAxis(x_, Qt::AlignBottom);
    chart_->addAxis(y_writes_, Qt::AlignLeft);
    chart_->addAxis(y_ms_, Qt::AlignRight);
    // Okabe–Ito blue for throughput; orange and vermillion (dashed) for
    // the latencies, so the three differ in more than hue.
    writes_ = new QLineSeries;
    writes_->setName(tr("writes/s"));
    writes_->setPen(QPen(QColor(0x00, 0x72, 0xB2), 2.5));
    p50_ = new QLineSeries;
    p50_->setName(tr("latency p50"));
    p50_->setPen(QPen(QColor(0xE6, 0x9F, 0x00), 2));
    p99_ = new QLineSeries;
    p99_->setName(tr("latency p99"));
    p99_->setPen(QPen(QColor(0xD5, 0x5E, 0x00), 2, Qt::DashLine));
    chart_->addSeries(writes_);
    writes_->attachAxis(x_);
    writes_->attachAxis(y_writes_);
    for (QLineSeries* s : {p50_, p99_}) {
        chart_->addSeries(s);
        s->attachAxis(x_);
        s->attachAxis(y_ms_);
    }
    auto* view = new QChartView(chart_);
    view->setRenderHint(QPainter::Antialiasing);
    auto* col = new QVBoxLayout(this);
    col->setContentsMargins(0, 0, 0, 0);
    col->addWidget(view);
}

void ClientChart::setHistory(const History* history) {
    history_ = history;
    rebuild();
}

void ClientChart::refresh() {
    if (isVisible()) {
        rebuild();
    } else {
        stale_ = true;
    }
}

void ClientChart::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (stale_) rebuild();
}

void ClientChart::rebuild() {
    stale_ = false;
    QList<QPointF> writes, p50, p99;
    peak_writes_ = 0;
    if (history_ == nullptr || history_->size() == 0) {
        scan_ = Scan{};
        writes_->clear();
        p50_->clear();
        p99_->clear();
        return;
    }
    const std::int64_t end = history_->end_ms();
    const std::int64_t first_bucket =
        std::max<std::int64_t>(history_->start_ms() / kBucketMs,
                               end / kBucketMs - static_cast<std::int64_t>(kMaxBuckets) + 1);
    const std::size_t forgotten = history_->forgotten();
    const std::size_t taken = forgotten + history_->size();
    if (scan_.next > taken) scan_ = Scan{};  // a new history
    for (std::size_t i = std::max(scan_.next, forgotten) - forgotten; i < history_->size(); ++i) {
        const Event& e = history_->event(i);
        if (e.kind != EventKind::Client) continue;
        const std::int64_t b = e.t_ms / kBucketMs;
        if (e.latency_us >= 0) {
            scan_.latency_ms[b].push_back(e.latency_us / 1000.0);
        } else if ((e.what == "put" || e.what == "delete" || e.what == "cas") &&
                   e.text.rfind("ok", 0) == 0) {
            ++scan_.acked[b];  // acknowledged by the node that served it
        }
    }
    scan_.next = taken;
    // Only the drawn window is kept.
    scan_.acked.erase(scan_.acked.begin(), scan_.acked.lower_bound(first_bucket));
    scan_.latency_ms.erase(scan_.latency_ms.begin(), scan_.latency_ms.lower_bound(first_bucket));
    const auto& acked = scan_.acked;
    auto& lat = scan_.latency_ms;
    double max_ms = 1;
    for (std::int64_t b = first_bucket; b <= end / kBucketMs; ++b) {
        const double t = static_cast<double>(b * kBucketMs + kBucketMs / 2);
        const auto a = acked.find(b);
        const double w = a != acked.end() ? a->second : 0;
        writes.append(QPointF(t, w));
        peak_writes_ = std::max(peak_writes_, w);
        auto it = lat.find(b);
        if (it == lat.end() || it->second.empty()) continue;
        auto& v = it->second;
        std::sort(v.begin(), v.end());
        const double m50 = v[v.size() / 2];
        const double m99 = v[std::min(v.size() - 1, v.size() * 99 / 100)];
        p50.append(QPointF(t, m50));
        p99.append(QPointF(t, m99));
        max_ms = std::max(max_ms, m99);
    }
    writes_->replace(writes);
    p50_->replace(p50);
    p99_->replace(p99);
    x_->setRange(static_cast<double>(first_bucket * kBucketMs), static_cast<double>(end));
    y_writes_->setRange(0, std::max(10.0, peak_writes_ * 1.1));
    y_writes_->applyNiceNumbers();
    y_ms_->setRange(0, max_ms * 1.1);
    y_ms_->applyNiceNumbers();
}

int ClientChart::writePoints() const {
    return static_cast<int>(writes_->count());
}

int ClientChart::latencyPoints() const {
    return static_cast<int>(p99_->count());
}

}  // namespace raftlab::gui
