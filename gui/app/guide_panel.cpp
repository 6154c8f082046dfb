#include "gui/app/guide_panel.h"

#include <QAction>
#include <QFont>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include "gui/live/scenario_player.h"
#include "scenarios/runner/runner.h"

namespace raftlab::gui {

namespace {

QString nodes_text(const std::vector<scenario::NodeRef>& refs) {
    QStringList out;
    for (const auto& r : refs)
        out << (r.id ? QStringLiteral("node %1").arg(r.id) : QString::fromStdString(r.name));
    return out.join(QStringLiteral(", "));
}

// One line per step, in the scenario's own words.
QString describe(const scenario::Step& s) {
    const QString what = QString::fromStdString(s.action);
    if (s.action == "wait-for" || s.action == "expect") {
        return QStringLiteral("%1 %2").arg(
            s.action == "expect" ? QStringLiteral("expect") : QStringLiteral("wait for"),
            QString::fromStdString(s.condition.text()));
    }
    if (s.action == "put")
        return QStringLiteral("put %1 = %2")
            .arg(QString::fromStdString(s.key), QString::fromStdString(s.value.value_or("")));
    if (s.action == "get") return QStringLiteral("get %1").arg(QString::fromStdString(s.key));
    if (s.action == "workload")
        return QStringLiteral("workload %1: %2 clients, at most %3 ops")
            .arg(QString::fromStdString(s.workload_action))
            .arg(s.clients)
            .arg(s.max_ops);
    if (s.action == "note") return QStringLiteral("note");
    QString line = what;
    if (!s.nodes.empty()) line += QStringLiteral(" ") + nodes_text(s.nodes);
    if (!s.as.empty())
        line += QStringLiteral(" (call it \"%1\")").arg(QString::fromStdString(s.as));
    return line;
}

}  // namespace

GuidePanel::Focus GuidePanel::focusOf(const scenario::Step& s) {
    Focus f;
    for (const auto& r : s.nodes)
        if (r.id) f.nodes.insert(r.id);
    if (s.condition.node && s.condition.node->id) f.nodes.insert(s.condition.node->id);
    const std::string& a = s.action;
    const std::string& c = s.condition.what;
    if (a == "start" || a == "restart")
        f.where = QObject::tr(
            "the cluster view: the node appears, a Follower whose election timer "
            "ring drains");
    else if (a == "join")
        f.where = QObject::tr(
            "the cluster view: a new Learner (rounded square) and its catch-up "
            "bar; the quorum banner does not count it yet");
    else if (a == "kill" || a == "stop")
        f.where = QObject::tr(
            "the cluster view: the node turns grey and crossed out; the others' "
            "timer rings run out");
    else if (a == "pause" || a == "resume")
        f.where = QObject::tr("the cluster view: the pause badge");
    else if (a == "partition" || a == "heal" || a == "delay" || a == "loss")
        f.where = QObject::tr("the links: cut links are dashed vermillion; the Timeline tab");
    else if (a == "workload" || a == "put" || a == "get")
        f.where = QObject::tr("the Charts tab: commit_index climbs on every node; the log view");
    else if (c == "leader")
        f.where = QObject::tr(
            "the cluster view: a Candidate's votes, then the double ring of "
            "the Leader");
    else if (c == "members")
        f.where = QObject::tr(
            "the quorum banner and the Nodes table's Status column: the "
            "learner is promoted to voter (★)");
    else if (c == "role")
        f.where = QObject::tr("the node's role inside its shape");
    else if (c == "key")
        f.where = QObject::tr("the node's applied index: the write reached it");
    else if (c == "linearizable" || c == "no-lost-writes" || c == "no-violation")
        f.where = QObject::tr("the Health lights: every light should be green");
    else if (c == "workload-done")
        f.where = QObject::tr("the Charts tab: writes/s, and commit_index on every node");
    else
        f.where = QObject::tr("the cluster view");
    return f;
}

GuidePanel::GuidePanel(ScenarioPlayer* player, QAction* next, QAction* run_all, QWidget* parent)
    : QWidget(parent), player_(player), next_(next), run_all_(run_all) {
    setObjectName(QStringLiteral("guidePanel"));
    auto* v = new QVBoxLayout(this);
    const scenario::Scenario& sc = player_->scenario();
    title_ = new QLabel(QStringLiteral("<b>%1</b><br>%2")
                            .arg(QString::fromStdString(sc.name).toHtmlEscaped(),
                                 QString::fromStdString(sc.purpose).toHtmlEscaped()));
    title_->setWordWrap(true);
    v->addWidget(title_);

    step_label_ = new QLabel(tr("Press Next to start"));
    QFont big = step_label_->font();
    big.setPointSizeF(big.pointSizeF() * 1.3);
    big.setBold(true);
    step_label_->setFont(big);
    v->addWidget(step_label_);

    narration_ = new QLabel;
    narration_->setObjectName(QStringLiteral("guideNarration"));
    narration_->setWordWrap(true);
    QFont n = narration_->font();
    n.setPointSizeF(n.pointSizeF() * 1.2);
    narration_->setFont(n);
    narration_->setMinimumHeight(60);
    v->addWidget(narration_);

    look_ = new QLabel;
    look_->setWordWrap(true);
    // Okabe–Ito yellow behind black text: a marker pen, readable projected.
    look_->setStyleSheet(QStringLiteral(
        "QLabel { background: #F0E442; color: black; padding: 6px; border-radius: 4px; }"));
    v->addWidget(look_);

    expectation_ = new QLabel;
    expectation_->setWordWrap(true);
    expectation_->setObjectName(QStringLiteral("guideExpectation"));
    v->addWidget(expectation_);

    auto* buttons = new QHBoxLayout;
    for (QAction* a : {next_, run_all_}) {
        auto* b = new QPushButton(a->text());
        b->setToolTip(a->toolTip());
        connect(b, &QPushButton::clicked, a, &QAction::trigger);
        connect(a, &QAction::changed, b, [a, b] { b->setEnabled(a->isEnabled()); });
        b->setEnabled(a->isEnabled());
        buttons->addWidget(b);
    }
    v->addLayout(buttons);

    steps_ = new QListWidget;
    steps_->setObjectName(QStringLiteral("guideSteps"));
    for (const auto& s : sc.steps)
        steps_->addItem(QStringLiteral("   %1. %2").arg(s.index).arg(describe(s)));
    v->addWidget(steps_, 2);

    log_ = new QPlainTextEdit;
    log_->setReadOnly(true);
    log_->setMaximumBlockCount(400);
    log_->setPlaceholderText(tr("The runner's narration appears here"));
    v->addWidget(log_, 1);

    connect(player_, &ScenarioPlayer::waitingBefore, this, &GuidePanel::onWaiting);
    connect(player_, &ScenarioPlayer::stepStarted, this, &GuidePanel::onStarted);
    connect(player_, &ScenarioPlayer::expectation, this, &GuidePanel::onExpectation);
    connect(player_, &ScenarioPlayer::runFinished, this, &GuidePanel::onFinished);
    connect(player_, &ScenarioPlayer::narration, log_, &QPlainTextEdit::appendPlainText);
    if (!sc.steps.empty()) showStep(1, false);
}

QString GuidePanel::narrationText() const {
    return narration_->text();
}

QString GuidePanel::expectationText() const {
    return expectation_->text();
}

void GuidePanel::markStep(int index, const QString& mark) {
    if (index < 1 || index > steps_->count()) return;
    QListWidgetItem* item = steps_->item(index - 1);
    item->setText(mark + item->text().mid(2));
}

void GuidePanel::showStep(int index, bool running) {
    const auto& steps = player_->scenario().steps;
    if (index < 1 || index > static_cast<int>(steps.size())) return;
    const scenario::Step& s = steps[index - 1];
    step_label_->setText(tr("Step %1 of %2 — %3")
                             .arg(index)
                             .arg(steps.size())
                             .arg(describe(s))
                             .append(running ? tr("  (running)") : tr("  (press Next)")));
    // A step without its own words keeps the last narration on screen: the
    // guide's text for "join node 2" also covers the wait that follows it.
    if (!s.say.empty()) narration_->setText(QString::fromStdString(s.say));
    const Focus f = focusOf(s);
    look_->setText(tr("Look at: %1").arg(f.where));
    steps_->setCurrentRow(index - 1);
    emit focusChanged(f.nodes);
}

void GuidePanel::onWaiting(int index) {
    if (current_ > 0) {
        ++done_;
        if (!steps_->item(current_ - 1)->text().startsWith(QStringLiteral("✗")))
            markStep(current_, QStringLiteral("✓ "));
    }
    showStep(index, false);
}

void GuidePanel::onStarted(int index) {
    current_ = index;
    markStep(index, QStringLiteral("▶ "));
    showStep(index, true);
    const auto& s = player_->scenario().steps[index - 1];
    if (s.action == "wait-for") {
        expectation_->setText(tr("⏳ waiting up to %1 s for %2")
                                  .arg(s.timeout_ms / 1000.0)
                                  .arg(QString::fromStdString(s.condition.text())));
    }
}

void GuidePanel::onExpectation(int index, bool held, const QString& condition,
                               const QString& seen) {
    (held ? held_ : failed_)++;
    markStep(index, held ? QStringLiteral("✓ ") : QStringLiteral("✗ "));
    // Shape and words, not only colour: ✓ holds, ✗ does not.
    expectation_->setText(
        (held ? tr("<span style='color:#009E73'><b>✓ holds:</b></span> %1")
              : tr("<span style='color:#D55E00'><b>✗ does not hold:</b></span> %1"))
            .arg(condition.toHtmlEscaped()) +
        (seen.isEmpty() ? QString() : QStringLiteral("<br><i>%1</i>").arg(seen.toHtmlEscaped())));
}

void GuidePanel::onFinished(int code, const QStringList& failures) {
    over_ = true;
    exit_code_ = code;
    if (current_ > 0 && code == scenario::kPassed) {
        ++done_;
        markStep(current_, QStringLiteral("✓ "));
    }
    step_label_->setText(code == scenario::kPassed ? tr("Done: every expectation held")
                         : code == scenario::kNeedsLabPlane
                             ? tr("Stopped: the nodes lack the Lab service")
                             : tr("Stopped: %1 problem(s)").arg(failures.size()));
    if (!failures.isEmpty()) {
        look_->setText(tr("Why: %1").arg(failures.join(QStringLiteral("\n"))));
    } else {
        look_->setText(tr("Look at: the Health lights and the timeline of the whole run"));
    }
    next_->setEnabled(false);
    run_all_->setEnabled(false);
    emit focusChanged({});
}

}  // namespace raftlab::gui
