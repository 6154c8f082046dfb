// The guide player: the scale-out guide (or any scenario) one step at a
// time. It shows the step's narration in large type, what to look at, and
// whether the step's expectation held; Next runs one step, Run all the rest.
// It only shows what the ScenarioPlayer reports and posts requests to it.
#pragma once

#include <QWidget>
#include <set>

#include "gui/model/event.h"
#include "scenarios/runner/scenario.h"

class QLabel;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QAction;

namespace raftlab::gui {

class ScenarioPlayer;

class GuidePanel : public QWidget {
    Q_OBJECT
  public:
    // `next` and `run_all` are the window's actions (with their shortcuts).
    GuidePanel(ScenarioPlayer* player, QAction* next, QAction* run_all, QWidget* parent = nullptr);

    // What the person should look at for a step, in words and as nodes.
    struct Focus {
        QString where;           // "the cluster view: node 1 becomes Leader"
        std::set<NodeId> nodes;  // explicit node ids of the step
    };
    static Focus focusOf(const scenario::Step& step);

    int currentStep() const { return current_; }
    // How many steps have finished, and how many expectations held / failed.
    int stepsDone() const { return done_; }
    int expectationsHeld() const { return held_; }
    int expectationsFailed() const { return failed_; }
    bool runOver() const { return over_; }
    int exitCode() const { return exit_code_; }
    QString narrationText() const;
    QString expectationText() const;

  signals:
    // The nodes the current step is about (the window highlights them).
    void focusChanged(const std::set<raftlab::gui::NodeId>& nodes);

  private:
    void onWaiting(int index);
    void onStarted(int index);
    void onExpectation(int index, bool held, const QString& condition, const QString& seen);
    void onFinished(int code, const QStringList& failures);
    void markStep(int index, const QString& mark);
    void showStep(int index, bool running);

    ScenarioPlayer* player_;
    QAction* next_;
    QAction* run_all_;
    QLabel* title_;
    QLabel* step_label_;
    QLabel* narration_;
    QLabel* look_;
    QLabel* expectation_;
    QListWidget* steps_;
    QPlainTextEdit* log_;
    int current_ = 0;
    int done_ = 0;
    int held_ = 0;
    int failed_ = 0;
    bool over_ = false;
    int exit_code_ = -1;
};

}  // namespace raftlab::gui
