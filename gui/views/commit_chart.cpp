#include "gui/views/commit_chart.h"

#include <QChart>
#include <QChartView>
#include <QLineSeries>
#include <QScatterSeries>
#include <QVBoxLayout>
#include <QValueAxis>
#include <algorithm>

#include "gui/model/history.h"
#include "gui/views/palette.h"

namespace raftlab::gui {

namespace {
// Enough to be smooth at any window width, few enough to redraw at once.
constexpr std::size_t kMaxPointsPerNode = 2000;
}  // namespace

CommitChart::CommitChart(QWidget* parent) : QWidget(parent) {
    chart_ = new QChart;
    chart_->setTitle(tr("commit_index per node"));
    chart_->legend()->setAlignment(Qt::AlignRight);
    chart_->setMargins(QMargins(4, 4, 4, 4));
    x_ = new QValueAxis;
    x_->setTitleText(tr("time (ms)"));
    x_->setLabelFormat(QStringLiteral("%d"));
    y_ = new QValueAxis;
    y_->setTitleText(QStringLiteral("commit_index"));
    y_->setLabelFormat(QStringLiteral("%d"));
    chart_->addAxis(x_, Qt::AlignBottom);
    chart_->addAxis(y_, Qt::AlignLeft);

    faults_ = new QScatterSeries;
    faults_->setName(tr("fault"));
    faults_->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
    faults_->setMarkerSize(9);
    faults_->setColor(LabPalette::instance().cut());
    chart_->addSeries(faults_);
    faults_->attachAxis(x_);
    faults_->attachAxis(y_);

    playhead_ = new QLineSeries;
    playhead_->setName(tr("playhead"));
    playhead_->setPen(QPen(Qt::black, 1.5));
    chart_->addSeries(playhead_);
    playhead_->attachAxis(x_);
    playhead_->attachAxis(y_);

    view_ = new QChartView(chart_);
    view_->setRenderHint(QPainter::Antialiasing);
    auto* col = new QVBoxLayout(this);
    col->setContentsMargins(0, 0, 0, 0);
    col->addWidget(view_);
}

void CommitChart::setHistory(const History* history) {
    history_ = history;
    rebuild();
}

void CommitChart::refresh() {
    if (isVisible()) {
        rebuild();
    } else {
        stale_ = true;
    }
}

void CommitChart::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (stale_) rebuild();
}

void CommitChart::rebuild() {
    stale_ = false;
    if (history_ == nullptr || history_->size() == 0) {
        for (auto& [id, s] : series_) {
            chart_->removeSeries(s);
            delete s;
        }
        series_.clear();
        faults_->clear();
        scan_ = Scan{};
        return;
    }

    scanNewEvents();
    std::map<NodeId, QList<QPointF>> points = scan_.points;
    const auto& commit = scan_.commit;
    const double span = std::max<double>(1, history_->end_ms() - history_->start_ms());
    y_max_ = scan_.y_max;
    faults_->replace(scan_.faults);
    const LabPalette& pal = LabPalette::instance();
    int k = 0;
    // Series are kept and refilled (replace() is one update); adding and
    // removing series re-lays out the whole chart, which a live session
    // would pay every second.
    for (auto it = series_.begin(); it != series_.end();) {
        if (points.count(it->first)) {
            ++it;
            continue;
        }
        chart_->removeSeries(it->second);
        delete it->second;
        it = series_.erase(it);
    }
    for (auto& [id, pts] : points) {
        ++k;
        pts.append(
            QPointF(static_cast<double>(history_->end_ms()), static_cast<double>(commit.at(id))));
        auto found = series_.find(id);
        if (found != series_.end()) {
            found->second->replace(pts);
            continue;
        }
        auto* s = new QLineSeries;
        s->setName(tr("node %1").arg(id));
        // Term colours are distinct and colour-blind safe; reuse them per node.
        s->setPen(QPen(pal.term(static_cast<Term>(k)), 2));
        s->replace(pts);
        chart_->addSeries(s);
        s->attachAxis(x_);
        s->attachAxis(y_);
        series_[id] = s;
    }
    // Ticks at round times (1, 2 or 5 x 10^k ms), not at fifths of the trace.
    double step = 1;
    while (span / step > 8)
        step *= (QString::number(step).startsWith('2') ? 2.5 : 2);
    // The interval before the range: a range set under the old interval
    // lays out a label for every old tick of the new range (the first
    // live rebuild spent 70 ms of the UI thread shaping thousands of them).
    x_->setTickType(QValueAxis::TicksDynamic);
    x_->setTickAnchor(0);
    x_->setTickInterval(step);
    x_->setRange(static_cast<double>(history_->start_ms()),
                 static_cast<double>(history_->end_ms()));
    y_->setRange(0, y_max_ * 1.05);
    y_->applyNiceNumbers();
    y_max_ = y_->max();
}

void CommitChart::scanNewEvents() {
    const std::size_t forgotten = history_->forgotten();
    const std::size_t taken = forgotten + history_->size();
    // A new history, or one that forgot what was not scanned yet: start over.
    if (scan_.next > taken || scan_.next < forgotten) scan_ = Scan{};
    if (scan_.next < forgotten) scan_.next = forgotten;
    if (forgotten > scan_.forgotten) {
        // The oldest events are gone: so are their points.
        const double start = static_cast<double>(history_->start_ms());
        for (auto& [id, pts] : scan_.points) {
            while (!pts.isEmpty() && pts.first().x() < start)
                pts.removeFirst();
        }
        while (!scan_.faults.isEmpty() && scan_.faults.first().x() < start)
            scan_.faults.removeFirst();
        scan_.forgotten = forgotten;
    }
    // Step functions: (t, old) then (t, new) at every change of commit_index.
    const double span = std::max<double>(1, history_->end_ms() - history_->start_ms());
    const double min_gap = span / kMaxPointsPerNode;
    for (std::size_t i = scan_.next - forgotten; i < history_->size(); ++i) {
        const Event& e = history_->event(i);
        // Fault markers are thinned like the lines and handed over at once:
        // appending to a series one point at a time redraws it every time.
        if (e.kind == EventKind::Fault && e.node != kNoNode &&
            e.t_ms - scan_.last_fault_t >= min_gap) {
            scan_.faults.append(QPointF(static_cast<double>(e.t_ms), 0));
            scan_.last_fault_t = static_cast<double>(e.t_ms);
        }
        Index next = 0;
        if (e.kind == EventKind::Persist && e.has(kCommit)) next = e.commit;
        if (e.kind == EventKind::Apply && e.what.empty()) next = e.index;
        if (e.node == kNoNode) continue;
        Index& commit = scan_.commit[e.node];
        if (next <= commit) continue;
        const double t = static_cast<double>(e.t_ms);
        auto& pts = scan_.points[e.node];
        // Thin: within one pixel-ish of the previous change, move that point up instead.
        if (!pts.isEmpty() && t - scan_.last_t[e.node] < min_gap) {
            pts.last().setY(static_cast<double>(next));
        } else {
            pts.append(QPointF(t, static_cast<double>(commit)));
            pts.append(QPointF(t, static_cast<double>(next)));
            scan_.last_t[e.node] = t;
        }
        commit = next;
        scan_.y_max = std::max<double>(scan_.y_max, static_cast<double>(next));
    }
    scan_.next = taken;
}

void CommitChart::setPlayhead(std::int64_t t) {
    playhead_->replace(
        {QPointF(static_cast<double>(t), 0), QPointF(static_cast<double>(t), y_max_ * 1.05)});
}

int CommitChart::pointCount() const {
    int n = 0;
    for (const auto& [id, s] : series_)
        n += s->count();
    return n;
}

}  // namespace raftlab::gui
