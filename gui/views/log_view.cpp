#include "gui/views/log_view.h"

#include <QHelpEvent>
#include <QPainter>
#include <QScrollBar>
#include <QToolTip>

#include "gui/models/log_model.h"
#include "gui/models/model_roles.h"
#include "gui/views/palette.h"

namespace raftlab::gui {

namespace {
constexpr int kHeader = 24;  // index numbers on top
constexpr int kFooter = 4;
constexpr int kRowGap = 20;  // room under a row for its markers
}  // namespace

LogView::LogView(QWidget* parent) : QAbstractScrollArea(parent) {
    setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOn);
    viewport()->setBackgroundRole(QPalette::Base);
    viewport()->setMouseTracking(true);
    connect(horizontalScrollBar(), &QScrollBar::valueChanged, this, [this](int v) {
        if (!adjusting_) following_ = v >= horizontalScrollBar()->maximum();
        viewport()->update();
    });
    connect(verticalScrollBar(), &QScrollBar::valueChanged, viewport(),
            qOverload<>(&QWidget::update));
}

QSize LogView::sizeHint() const {
    return {900, 260};
}

int LogView::cellWidth() const {
    return LabPalette::instance().classroom() ? 38 : 26;
}
int LogView::rowHeight() const {
    return LabPalette::instance().classroom() ? 40 : 26;
}
int LogView::gutter() const {
    return LabPalette::instance().classroom() ? 210 : 150;
}

int LogView::visibleColumns() const {
    return std::max(1, (viewport()->width() - gutter() - 8) / cellWidth());
}

void LogView::setModel(LogModel* model) {
    model_ = model;
    auto refresh = [this] {
        updateScrollBar();
        viewport()->update();
    };
    connect(model, &QAbstractItemModel::dataChanged, this, refresh);
    connect(model, &QAbstractItemModel::columnsInserted, this, refresh);
    connect(model, &QAbstractItemModel::columnsRemoved, this, refresh);
    connect(model, &QAbstractItemModel::modelReset, this, refresh);
    refresh();
}

void LogView::setFollowing(bool follow) {
    following_ = follow;
    updateScrollBar();
    viewport()->update();
}

void LogView::setHighlightedNode(quint64 id) {
    highlighted_ = id;
    viewport()->update();
}

qint64 LogView::firstVisibleIndex() const {
    return horizontalScrollBar()->value() + 1;
}

void LogView::scrollToIndex(qint64 index) {
    following_ = false;
    horizontalScrollBar()->setValue(static_cast<int>(index - 1));
}

void LogView::updateScrollBar() {
    if (model_ == nullptr) return;
    adjusting_ = true;
    const int columns = model_->columnCount();
    QScrollBar* h = horizontalScrollBar();
    h->setRange(0, std::max(0, columns - visibleColumns() + 1));
    h->setPageStep(visibleColumns());
    if (following_) h->setValue(h->maximum());
    const int content = kHeader + model_->rowCount() * (rowHeight() + kRowGap) + kFooter;
    verticalScrollBar()->setRange(0, std::max(0, content - viewport()->height()));
    verticalScrollBar()->setPageStep(viewport()->height());
    adjusting_ = false;
}

void LogView::resizeEvent(QResizeEvent* e) {
    QAbstractScrollArea::resizeEvent(e);
    updateScrollBar();
}

QRect LogView::cellRect(int row, qint64 column) const {
    const qint64 first = horizontalScrollBar()->value();
    const int x = gutter() + static_cast<int>(column - first) * cellWidth();
    const int y = kHeader + row * (rowHeight() + kRowGap) - verticalScrollBar()->value();
    return QRect(x + 1, y, cellWidth() - 3, rowHeight());
}

bool LogView::viewportEvent(QEvent* e) {
    if (e->type() == QEvent::ToolTip && model_ != nullptr) {
        auto* help = static_cast<QHelpEvent*>(e);
        const qint64 first = horizontalScrollBar()->value();
        const int col = (help->pos().x() - gutter()) / cellWidth();
        const int y = help->pos().y() - kHeader + verticalScrollBar()->value();
        const int row = y / (rowHeight() + kRowGap);
        if (help->pos().x() >= gutter() && y >= 0 && row < model_->rowCount()) {
            const QString tip =
                model_->index(row, static_cast<int>(first + col)).data(Qt::ToolTipRole).toString();
            if (!tip.isEmpty()) {
                QToolTip::showText(help->globalPos(), tip, viewport());
                return true;
            }
        }
        QToolTip::hideText();
        return true;
    }
    return QAbstractScrollArea::viewportEvent(e);
}

void LogView::paintEvent(QPaintEvent*) {
    QPainter p(viewport());
    const LabPalette& pal = LabPalette::instance();
    p.fillRect(viewport()->rect(), pal.background());
    if (model_ == nullptr || model_->rowCount() == 0) {
        p.setPen(pal.faint());
        p.setFont(pal.font(pal.textSize()));
        p.drawText(viewport()->rect(), Qt::AlignCenter, tr("No log entries yet"));
        return;
    }
    p.setRenderHint(QPainter::Antialiasing);
    const qint64 first = horizontalScrollBar()->value();
    const qint64 columns = model_->columnCount();
    const qint64 last = std::min<qint64>(columns, first + visibleColumns());
    const int cw = cellWidth();

    // Index numbers on top: every column if there is room, else every fifth.
    p.setFont(pal.font(pal.smallTextSize()));
    p.setPen(pal.faint());
    const qint64 step = cw >= 26 && (first + last) < 10000 ? 1 : 5;
    for (qint64 c = first; c < last; ++c) {
        if ((c + 1) % step != 0 && c != first) continue;
        const QRect r = cellRect(0, c);
        p.drawText(QRect(r.left() - 20, 2, r.width() + 40, kHeader - 4), Qt::AlignCenter,
                   QString::number(c + 1));
    }

    const NodeId leader = model_->state().leader();
    const NodeState* lead = model_->state().node(leader);
    for (int row = 0; row < model_->rowCount(); ++row) {
        const NodeState* n = model_->nodeAt(row);
        if (n == nullptr) continue;
        const QRect rowRect(0, cellRect(row, first).top(), viewport()->width(), rowHeight());
        // Lane and name.
        p.setPen(Qt::NoPen);
        p.setBrush(pal.lane());
        p.drawRoundedRect(QRect(4, rowRect.top() - 3, viewport()->width() - 8, rowHeight() + 6), 4,
                          4);
        if (n->id == highlighted_) {
            p.setPen(QPen(QColor(0x00, 0x72, 0xB2), 2));
            p.setBrush(Qt::NoBrush);
            p.drawRoundedRect(QRect(4, rowRect.top() - 3, viewport()->width() - 8, rowHeight() + 6),
                              4, 4);
            p.setPen(Qt::NoPen);
        }
        const bool killed = n->liveness == Liveness::Killed;
        p.setBrush(killed ? pal.killed() : pal.role(n->role));
        p.drawEllipse(QRect(10, rowRect.center().y() - 6, 12, 12));
        p.setPen(pal.ink());
        p.setFont(pal.font(pal.textSize(), true));
        p.drawText(QRect(28, rowRect.top(), gutter() - 30, rowHeight() / 2 + 2),
                   Qt::AlignLeft | Qt::AlignVCenter, tr("Node %1").arg(n->id));
        p.setFont(pal.font(pal.smallTextSize()));
        p.drawText(QRect(28, rowRect.top() + rowHeight() / 2, gutter() - 30, rowHeight() / 2),
                   Qt::AlignLeft | Qt::AlignVCenter,
                   killed ? tr("killed") : QString::fromLatin1(to_string(n->role)));

        for (qint64 c = first; c < last; ++c) {
            const QModelIndex idx = model_->index(row, static_cast<int>(c));
            if (!idx.data(ExistsRole).toBool()) continue;
            const Term term = idx.data(TermRole).value<quint64>();
            const QRect r = cellRect(row, c);
            const QColor colour = term == 0 ? pal.faint() : pal.term(term);
            if (idx.data(CompactedRole).toBool()) {
                // In the snapshot: the entry is gone from the log, its effect is kept.
                p.setPen(QPen(colour.darker(130), 1));
                p.setBrush(QBrush(colour.lighter(120), Qt::BDiagPattern));
            } else if (idx.data(CommittedRole).toBool()) {
                p.setPen(QPen(colour.darker(150), 1));
                p.setBrush(colour);
            } else {
                p.setPen(QPen(colour.darker(120), pal.lineWidth() * 1.2, Qt::DashLine));
                p.setBrush(Qt::white);
            }
            p.drawRoundedRect(r, 3, 3);
            p.setPen(pal.ink());
            if (term == 0) {
                // Term unknown: in a snapshot (hatched already), or appended
                // before the lab watched this node.
                if (!idx.data(CompactedRole).toBool()) p.drawText(r, Qt::AlignCenter, "?");
                continue;
            }
            p.setFont(pal.font(pal.smallTextSize(), idx.data(CommittedRole).toBool()));
            p.drawText(r, Qt::AlignCenter, QString::number(term));
        }

        // Markers under the row.
        const int base = rowRect.bottom() + 2;
        auto marker_x = [&](Index i) {
            return cellRect(row, static_cast<qint64>(i) - 1).center().x();
        };
        auto visible = [&](Index i) { return i >= Index(first + 1) && i <= Index(last); };
        p.setFont(pal.font(pal.smallTextSize() - 0.5));
        if (n->applied_index > 0 && visible(n->applied_index)) {
            // "applied ▲" to the left of the mark, so the leader's m and n
            // markers to its right stay readable.
            const int x = marker_x(n->applied_index);
            p.setPen(Qt::NoPen);
            p.setBrush(pal.ink());
            p.drawPolygon(
                QPolygon({QPoint(x, base), QPoint(x - 5, base + 8), QPoint(x + 5, base + 8)}));
            p.setPen(pal.ink());
            p.drawText(QRect(x - 90, base, 83, 12), Qt::AlignRight | Qt::AlignVCenter,
                       tr("applied"));
        }
        if (n->snapshot_index > 0 && visible(n->snapshot_index)) {
            const int x = cellRect(row, static_cast<qint64>(n->snapshot_index) - 1).right() + 2;
            p.setPen(QPen(QColor(0xCC, 0x79, 0xA7), 3));
            p.drawLine(x, rowRect.top() - 4, x, rowRect.bottom() + 4);
        }
        if (lead != nullptr && n->id != leader && n->liveness != Liveness::Killed) {
            auto it = lead->progress.find(n->id);
            if (it != lead->progress.end()) {
                const QColor lc = pal.role(Role::Leader).darker(130);
                p.setPen(QPen(lc, 2));
                if (it->second.match_index > 0 && visible(it->second.match_index)) {
                    const QRect r = cellRect(row, static_cast<qint64>(it->second.match_index) - 1);
                    p.drawLine(r.right() + 1, r.top() - 3, r.right() + 1, r.bottom() + 3);
                    p.drawText(QPoint(r.right() - 9, base + 11), QStringLiteral("m"));
                }
                if (visible(it->second.next_index) || Index(last) + 1 == it->second.next_index) {
                    const QRect r = cellRect(row, static_cast<qint64>(it->second.next_index) - 1);
                    const int x = r.left() + 3;
                    p.drawLine(x, base + 7, x + 10, base + 7);
                    p.drawLine(x, base + 7, x + 4, base + 3);
                    p.drawLine(x, base + 7, x + 4, base + 11);
                    p.drawText(QPoint(x + 12, base + 11), QStringLiteral("n"));
                }
            }
        }
    }
}

}  // namespace raftlab::gui
