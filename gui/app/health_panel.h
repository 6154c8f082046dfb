// The health lights: one row per checker (Election Safety, Log Matching,
// Leader Completeness, State Machine Safety, liveness, linearizability),
// green ✓ when it holds, vermillion ✗ when violated, grey ? while nothing
// has been judged. Shape and word say it too, never colour alone. A click
// opens the evidence.
#pragma once

#include <QWidget>
#include <array>

#include "gui/live/health_board.h"

class QPushButton;

namespace raftlab::gui {

class HealthPanel : public QWidget {
    Q_OBJECT
  public:
    explicit HealthPanel(QWidget* parent = nullptr);
    // Redraws the lights from the board.
    void show(const HealthBoard& board) { show(board.checks()); }
    void show(const std::array<HealthCheck, HealthBoard::kCount>& checks);
    QPushButton* button(HealthBoard::Check c) const { return buttons_[c]; }
    // The evidence text a click shows.
    QString evidence(HealthBoard::Check c) const;

  protected:
    void changeEvent(QEvent* e) override;

  private:
    std::array<QPushButton*, HealthBoard::kCount> buttons_{};
    std::array<HealthCheck, HealthBoard::kCount> shown_{};
};

}  // namespace raftlab::gui
