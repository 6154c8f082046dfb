#include "gui/app/welcome_page.h"

#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace raftlab::gui {

WelcomePage::WelcomePage(QWidget* parent) : QWidget(parent) {
    auto* col = new QVBoxLayout(this);
    col->setContentsMargins(48, 36, 48, 36);
    auto* title =
        new QLabel(tr("<h1>Raft Lab</h1>"
                      "<p style='font-size:13pt'>Watch Raft elect a leader, replicate a "
                      "log, lose a node and heal — one message at a time.</p>"));
    title->setWordWrap(true);
    col->addWidget(title);

    auto* modes = new QLabel(
        tr("<h3>Ways to use the lab</h3>"
           "<table cellspacing='8'>"
           "<tr><td><b>Replay a trace</b></td><td><code>raftlab --replay TRACE.jsonl</code> or "
           "<i>File ▸ Open trace</i> (Ctrl+O). A trace is recorded by the cluster simulator "
           "(<code>raftlab-sim --seed N --trace</code>) or by a lab session. No processes run; "
           "scrub through time with the slider at the bottom.</td></tr>"
           "<tr><td><b>Live cluster</b></td><td><code>raftlab</code> will start a local 3-node "
           "cluster of real <code>raftlab-node</code> processes that you can kill, pause and "
           "partition. <i>Not available yet</i> — it needs the nodes' Lab.Watch stream and the "
           "scenario engine.</td></tr>"
           "<tr><td><b>The scale-out guide</b></td><td><code>raftlab --guide</code> will walk "
           "from one node to three, step by step. <i>Not available yet.</i></td></tr>"
           "<tr><td><b>Headless</b></td><td><code>raftlab-scenario run FILE</code> runs the same "
           "scenarios without a window and prints a narrated timeline.</td></tr>"
           "</table>"));
    modes->setWordWrap(true);
    modes->setTextFormat(Qt::RichText);
    col->addWidget(modes);

    auto* open = new QPushButton(tr("Open a trace…"));
    open->setMaximumWidth(220);
    connect(open, &QPushButton::clicked, this, &WelcomePage::openTraceRequested);
    col->addWidget(open);
    problem_ = new QLabel;
    problem_->setWordWrap(true);
    problem_->setStyleSheet(QStringLiteral("color: #D55E00; font-weight: bold"));
    problem_->hide();
    col->addWidget(problem_);
    col->addStretch(1);
}

void WelcomePage::setProblem(const QString& text) {
    problem_->setText(text);
    problem_->setVisible(!text.isEmpty());
}

}  // namespace raftlab::gui
