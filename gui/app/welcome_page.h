// What `raftlab` shows with nothing loaded: the ways to use the lab, in
// plain words, and a button for the one that works today (replay).
#pragma once

#include <QWidget>

class QLabel;

namespace raftlab::gui {

class WelcomePage : public QWidget {
    Q_OBJECT
  public:
    explicit WelcomePage(QWidget* parent = nullptr);
    void setProblem(const QString& text);  // e.g. a trace that failed to load

  signals:
    void openTraceRequested();

  private:
    QLabel* problem_;
};

}  // namespace raftlab::gui
