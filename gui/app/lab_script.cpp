#include "gui/app/lab_script.h"

#include <QAction>
#include <QComboBox>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QSlider>
#include <QStatusBar>
#include <cstdio>

#include "gui/app/client_panel.h"
#include "gui/app/guide_panel.h"
#include "gui/app/main_window.h"
#include "gui/live/lab_controller.h"
#include "gui/model/cluster_state.h"
#include "gui/views/cluster_view.h"

namespace raftlab::gui {

namespace {

const QStringList kSteps = {"leader",
                            "until",
                            "until-voters",
                            "until-caught-up",
                            "wait",
                            "kill-leader",
                            "pause-leader",
                            "isolate-leader",
                            "split",
                            "slow-follower",
                            "heal",
                            "add-node",
                            "freeze",
                            "rate",
                            "step",
                            "workload",
                            "select",
                            "shot",
                            "quit",
                            "delay",
                            "hide-heartbeats",
                            "guide-next",
                            "until-step"};

QStringList split_steps(const QString& script) {
    QStringList out;
    for (const QString& s : script.split(';')) {
        const QString t = s.trimmed();
        if (!t.isEmpty()) out << t;
    }
    return out;
}

}  // namespace

QString LabScript::check(const QString& script) {
    const QStringList steps = split_steps(script);
    for (int i = 0; i < steps.size(); ++i) {
        const QString verb = steps[i].section(' ', 0, 0);
        if (!kSteps.contains(verb)) {
            return QStringLiteral("--lab-script step %1 '%2': unknown; steps are %3")
                .arg(i + 1)
                .arg(steps[i], kSteps.join(", "));
        }
    }
    return {};
}

LabScript::LabScript(MainWindow* window, const QString& script, QObject* parent)
    : QObject(parent), window_(window), steps_(split_steps(script)) {
    poll_.setInterval(20);
}

void LabScript::start() {
    QTimer::singleShot(0, this, &LabScript::next);
}

void LabScript::waitUntil(std::function<bool()> done, int timeout_ms, const QString& what) {
    auto clock = std::make_shared<QElapsedTimer>();
    clock->start();
    poll_.disconnect();
    connect(&poll_, &QTimer::timeout, this, [this, done, clock, timeout_ms, what] {
        if (done()) {
            poll_.stop();
            next();
        } else if (clock->elapsed() > timeout_ms) {
            poll_.stop();
            std::fprintf(stderr, "raftlab: --lab-script: %s did not happen within %d ms\n",
                         qPrintable(what), timeout_ms);
            emit failed(what);
        }
    });
    poll_.start();
}

void LabScript::next() {
    if (at_ >= steps_.size()) {
        emit finished();
        return;
    }
    const QString step = steps_[at_++];
    const QStringList w = step.split(' ', Qt::SkipEmptyParts);
    const QString verb = w.value(0);
    const QString arg = w.value(1);
    LabActions& a = window_->actions();
    auto state = [this]() -> const ClusterState& { return window_->session().history().head(); };
    auto select_leader = [this, state] { window_->clusterView()->selectNode(state().leader()); };
    std::fprintf(stderr, "raftlab: --lab-script: %s\n", qPrintable(step));
    if (verb == "leader") {
        return waitUntil(
            [state] {
                const NodeId l = state().leader();
                if (l == kNoNode) return false;
                for (const auto& [id, n] : state().nodes())
                    if (n.liveness == Liveness::Alive && n.leader != l) return false;
                return true;
            },
            15000, step);
    }
    if (verb == "until") {
        Role role{};
        if (!role_from_string(arg.toStdString(), &role)) {
            emit failed(QStringLiteral("until: unknown role '%1'").arg(arg));
            return;
        }
        return waitUntil(
            [state, role] {
                for (const auto& [id, n] : state().nodes())
                    if (n.role == role && n.liveness == Liveness::Alive) return true;
                return false;
            },
            15000, step);
    }
    if (verb == "until-voters") {
        const int want = arg.toInt();
        return waitUntil([state, want] { return state().quorum().voters == want; }, 20000, step);
    }
    if (verb == "until-caught-up") {
        return waitUntil(
            [state] {
                const NodeState* l = state().node(state().leader());
                if (l == nullptr) return false;
                for (const auto& [id, n] : state().nodes())
                    if (n.liveness == Liveness::Alive && n.last_index() != l->last_index())
                        return false;
                return true;
            },
            20000, step);
    }
    if (verb == "until-step") {
        // The guide player has started step N (or the run is over).
        const int want = arg.toInt();
        return waitUntil(
            [this, want] {
                GuidePanel* g = window_->guidePanel();
                return g != nullptr && (g->currentStep() >= want || g->runOver());
            },
            60000, step);
    }
    if (verb == "wait") {
        QTimer::singleShot(arg.toInt(), this, &LabScript::next);
        return;
    }
    if (verb == "kill-leader" || verb == "pause-leader") {
        select_leader();
        (verb == "kill-leader" ? a.killNode : a.pauseNode)->trigger();
    } else if (verb == "delay") {
        // Every link, both ways: with slow motion this makes messages
        // visible in flight (loopback alone delivers in well under 1 ms).
        // `delay MS NODE`: only the links to and from NODE, which may be a
        // node still to join (its peers' rules for it wait for it), so a
        // learner's catch-up is slow enough to watch.
        std::vector<LinkRuleSpec> rules;
        const auto ids = state().node_ids();
        const NodeId only = w.value(2).toULongLong();
        const auto ms = static_cast<std::uint32_t>(arg.toUInt());
        for (NodeId a_id : ids) {
            if (only != kNoNode) {
                if (a_id == only) continue;
                rules.push_back({a_id, only, ms, 0, 0, false});
                rules.push_back({only, a_id, ms, 0, 0, false});
                continue;
            }
            for (NodeId b_id : ids)
                if (a_id != b_id) rules.push_back({a_id, b_id, ms, 0, 0, false});
        }
        if (window_->controller() != nullptr) {
            window_->controller()->setLinkRules(rules, QStringLiteral("every link delayed"));
        }
    } else if (verb == "hide-heartbeats") {
        a.hideHeartbeats->setChecked(true);
    } else if (verb == "select") {
        window_->clusterView()->selectNode(arg.toULongLong());
    } else if (verb == "isolate-leader") {
        a.isolateLeader->trigger();
    } else if (verb == "split") {
        a.split21->trigger();
    } else if (verb == "slow-follower") {
        a.slowFollower->trigger();
    } else if (verb == "guide-next") {
        a.guideNext->trigger();
    } else if (verb == "heal") {
        a.healAll->trigger();
    } else if (verb == "add-node") {
        a.addNode->trigger();
    } else if (verb == "freeze") {
        a.freezeClock->trigger();
    } else if (verb == "step") {
        a.stepClock->trigger();
    } else if (verb == "rate") {
        // Through the same combo box a person uses.
        if (auto* box = window_->findChild<QComboBox*>(QStringLiteral("labTimeRate"))) {
            const int i = box->findData(arg.toDouble());
            if (i >= 0) {
                box->setCurrentIndex(i);
                emit box->activated(i);
            }
        }
    } else if (verb == "workload") {
        // At the leader: puts sent to a follower are refused (NOT_LEADER).
        if (auto* panel = window_->findChild<ClientPanel*>()) {
            if (state().leader() != kNoNode) panel->setTarget(state().leader());
            panel->rateSlider()->setValue(arg.toInt());
        }
    } else if (verb == "shot") {
        const QString widget = w.value(2, QStringLiteral("window"));
        QWidget* target = window_;
        if (widget == "cluster") target = window_->clusterView();
        if (widget == "log" || widget == "timeline" || widget == "charts") {
            // As --screenshot does: a picture of a dock is not a 150-pixel
            // strip. Enlarge it, let the layout settle, then grab.
            QDockWidget* d = window_->dock(widget);
            if (d != nullptr) {
                d->raise();
                window_->resizeDocks({d}, {window_->height() * 11 / 20}, Qt::Vertical);
                target = d->widget();
            }
            QTimer::singleShot(150, this, [this, target, file = arg] {
                if (!target->grab().save(file, "PNG")) {
                    emit failed(QStringLiteral("could not write %1").arg(file));
                    return;
                }
                next();
            });
            return;
        }
        if (!target->grab().save(arg, "PNG")) {
            emit failed(QStringLiteral("could not write %1").arg(arg));
            return;
        }
    } else if (verb == "quit") {
        window_->close();
        emit finished();
        return;
    }
    // Let the action's effects reach the screen before the next step.
    QTimer::singleShot(30, this, &LabScript::next);
}

}  // namespace raftlab::gui
