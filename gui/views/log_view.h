// Each node's log as a row of entries, RaftScope's picture: colour is the
// entry's term, a solid entry is committed and a hollow dashed one is not,
// hatched entries live in a snapshot. Markers show the applied index, the
// snapshot boundary and, on each follower's row, the leader's match_index
// (m) and next_index (n) for it. Only the visible columns are asked of the
// model, so a 1,000,000-entry log scrolls as fast as a short one.
#pragma once

#include <QAbstractScrollArea>

namespace raftlab::gui {

class LogModel;

class LogView : public QAbstractScrollArea {
    Q_OBJECT
  public:
    explicit LogView(QWidget* parent = nullptr);

    void setModel(LogModel* model);
    // Keep the newest entries in sight as the log grows (until the person
    // scrolls left, which turns following off).
    void setFollowing(bool follow);
    // Outlines one node's row (the node selected elsewhere); 0 = none.
    void setHighlightedNode(quint64 id);
    bool following() const { return following_; }
    // The first index shown at the left edge.
    qint64 firstVisibleIndex() const;
    void scrollToIndex(qint64 index);
    QSize sizeHint() const override;

  protected:
    void paintEvent(QPaintEvent* e) override;
    void resizeEvent(QResizeEvent* e) override;
    bool viewportEvent(QEvent* e) override;

  private:
    void updateScrollBar();
    int cellWidth() const;
    int rowHeight() const;
    int gutter() const;
    int visibleColumns() const;
    QRect cellRect(int row, qint64 column) const;

    LogModel* model_ = nullptr;
    bool following_ = true;
    bool adjusting_ = false;
    quint64 highlighted_ = 0;
};

}  // namespace raftlab::gui
