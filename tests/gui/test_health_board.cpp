// The health lights judge real simulator traces: a clean run with crashes
// keeps every safety light green; the same engine with a test-only bug
// switch turns the right light red with its evidence (raftlab-sim --bugs
// double_vote: two leaders in term 1; --bugs no_truncate: two entries
// applied at one index). Scenario engine records feed the linearizability
// light. And the window's Health dock shows the lights and opens evidence.
#include <QFile>
#include <QMessageBox>
#include <QPushButton>
#include <QtTest>

#include "gui/app/health_panel.h"
#include "gui/app/main_window.h"
#include "gui/live/health_board.h"
#include "gui/model/trace_parser.h"

using namespace raftlab::gui;

namespace {

HealthBoard judge(const QString& file) {
    HealthBoard board;
    QFile f(QStringLiteral(RAFTLAB_GUI_TEST_DATA "/") + file);
    if (!f.open(QIODevice::ReadOnly)) qFatal("cannot open %s", qPrintable(file));
    while (!f.atEnd()) {
        const QByteArray line = f.readLine();
        ParseResult r = parse_trace_line(std::string_view(line.constData(), line.size()));
        if (r.event) board.observe(*r.event);
    }
    return board;
}

}  // namespace

class TestHealthBoard : public QObject {
    Q_OBJECT
  private slots:
    void cleanRunStaysGreen() {
        const HealthBoard b = judge(QStringLiteral("sim_seed2_crashes.jsonl"));
        for (auto c : {HealthBoard::ElectionSafety, HealthBoard::LogMatching,
                       HealthBoard::LeaderCompleteness, HealthBoard::StateMachineSafety,
                       HealthBoard::Liveness}) {
            QVERIFY2(b.check(c).light == Light::Holds,
                     qPrintable(QString::fromStdString(b.check(c).name + ": " + b.check(c).summary +
                                                       " " + b.check(c).evidence)));
        }
        // Nobody judged a client history here.
        QCOMPARE(b.check(HealthBoard::Linearizability).light, Light::Unknown);
    }

    void doubleVoteBreaksElectionSafety() {
        const HealthBoard b = judge(QStringLiteral("sim_bug_double_vote.jsonl"));
        const HealthCheck& h = b.check(HealthBoard::ElectionSafety);
        QCOMPARE(h.light, Light::Violated);
        QVERIFY2(h.evidence.find("term 1") != std::string::npos, h.evidence.c_str());
        QVERIFY(h.at_ms >= 0);
    }

    void noTruncateBreaksStateMachineSafety() {
        const HealthBoard b = judge(QStringLiteral("sim_bug_no_truncate.jsonl"));
        const HealthCheck& h = b.check(HealthBoard::StateMachineSafety);
        QCOMPARE(h.light, Light::Violated);
        QVERIFY2(h.evidence.find("index 22") != std::string::npos, h.evidence.c_str());
        QCOMPARE(b.check(HealthBoard::ElectionSafety).light, Light::Holds);
    }

    void handMadeTwoLeadersAndALaggingLeader() {
        // Leader Completeness: node 2 leads term 2 with a log shorter than
        // what node 1 committed in term 1.
        HealthBoard b;
        auto line = [&](const char* json) {
            ParseResult r = parse_trace_line(json);
            QVERIFY2(r.event.has_value(), r.error.c_str());
            b.observe(*r.event);
        };
        line(R"({"t":1,"node":1,"kind":"role","from":"Candidate","to":"Leader","term":1})");
        line(R"({"t":2,"node":1,"kind":"persist","first":1,"last":5,"term":1})");
        line(R"({"t":3,"node":1,"kind":"persist","term":1,"commit":5})");
        line(R"({"t":10,"node":2,"kind":"role","from":"Candidate","to":"Leader","term":2})");
        const HealthCheck& h = b.check(HealthBoard::LeaderCompleteness);
        QCOMPARE(b.state().node(1)->commit_index, raftlab::gui::Index{5});
        QCOMPARE(h.light, Light::Violated);
        QVERIFY2(h.evidence.find("committed in term 1") != std::string::npos, h.evidence.c_str());
    }

    void scenarioRecordsJudgeLinearizability() {
        HealthBoard b;
        QJsonObject ok{{"kind", "expect"},
                       {"condition", "linearizable"},
                       {"held", true},
                       {"seen", "1000 operations, linearizable"}};
        b.record(ok);
        QCOMPARE(b.check(HealthBoard::Linearizability).light, Light::Holds);
        QJsonObject bad{
            {"kind", "violation"}, {"checker", "no-lost-writes"}, {"text", "key k lost write 7"}};
        b.record(bad);
        QCOMPARE(b.check(HealthBoard::Linearizability).light, Light::Violated);
        QJsonObject two{{"kind", "violation"},
                        {"checker", "election-safety"},
                        {"text", "nodes 1 and 2 both led term 3"}};
        b.record(two);
        QCOMPARE(b.check(HealthBoard::ElectionSafety).light, Light::Violated);
    }

    void windowShowsLightsAndEvidence() {
        MainWindow w;
        w.openTrace(QStringLiteral(RAFTLAB_GUI_TEST_DATA "/sim_bug_double_vote.jsonl"));
        QCOMPARE(w.health().check(HealthBoard::ElectionSafety).light, Light::Violated);
        QPushButton* b = w.healthPanel()->button(HealthBoard::ElectionSafety);
        QVERIFY(b->text().contains(QStringLiteral("VIOLATED")));
        b->click();
        auto* box = w.findChild<QMessageBox*>(QStringLiteral("healthEvidence"));
        QVERIFY(box != nullptr);
        QVERIFY2(box->text().contains(QStringLiteral("term 1")), qPrintable(box->text()));
        box->close();
        // A clean trace opened next is judged afresh.
        w.openTrace(QStringLiteral(RAFTLAB_GUI_TEST_DATA "/sim_seed2_crashes.jsonl"));
        QCOMPARE(w.health().check(HealthBoard::ElectionSafety).light, Light::Holds);
    }
};

QTEST_MAIN(TestHealthBoard)
#include "test_health_board.moc"
