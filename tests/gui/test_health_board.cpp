// The health lights judge real simulator traces: a clean run with crashes
// keeps every safety light green; the same engine with a test-only bug
// switch turns the right light red with its evidence (raftlab-sim --bugs
// double_vote: two leaders in term 1; --bugs no_truncate: two entries
// applied at one index). Scenario engine records feed the linearizability
// light, and so does lincheck over the lab's own client calls (a history
// with a read of a value nobody wrote turns it red). Applied entries read
// back from live nodes judge State Machine Safety (two nodes with different
// entries at one index turn it red). And the window's Health dock shows the
// lights and opens evidence.
#include <QFile>
#include <QMessageBox>
#include <QPushButton>
#include <QtTest>

#include "gui/app/health_panel.h"
#include "gui/app/main_window.h"
#include "gui/live/health_board.h"
#include "gui/model/trace_parser.h"

using namespace raftlab::gui;
namespace lincheck = raftlab::lincheck;

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

    void liveAppliedEntriesJudgeStateMachineSafety() {
        // Read back through Lab.ReadLog (AppliedAudit): nodes 1 and 2 agree
        // on indexes 1..3, so the light holds...
        HealthBoard b;
        QCOMPARE(b.check(HealthBoard::StateMachineSafety).light, Light::Unknown);
        std::vector<AppliedEntry> same;
        for (NodeId n : {NodeId(1), NodeId(2)})
            for (Index i = 1; i <= 3; ++i)
                same.push_back({n, i, 1, 1000 + i});
        b.observeApplied(same);
        QCOMPARE(b.check(HealthBoard::StateMachineSafety).light, Light::Holds);
        // ...the same node read twice is not a second opinion...
        b.observeApplied({{1, 3, 1, 1003}});
        QCOMPARE(b.check(HealthBoard::StateMachineSafety).light, Light::Holds);
        // ...and node 3 applying a different entry at index 2 (same term,
        // other data: only the hash tells) turns it red, with the evidence.
        b.observeApplied({{3, 2, 1, 0xBAD}});
        const HealthCheck& h = b.check(HealthBoard::StateMachineSafety);
        QCOMPARE(h.light, Light::Violated);
        QVERIFY2(h.evidence.find("node 1 applied index 2") != std::string::npos,
                 h.evidence.c_str());
        QVERIFY2(h.evidence.find("node 3 applied index 2") != std::string::npos,
                 h.evidence.c_str());
        QVERIFY(h.evidence.find(std::to_string(0xBAD)) != std::string::npos);
        // A different term at one index is just as red.
        HealthBoard t;
        t.observeApplied({{1, 5, 2, 7}, {2, 5, 3, 7}});
        QCOMPARE(t.check(HealthBoard::StateMachineSafety).light, Light::Violated);
    }

    void labClientHistoryJudgesLinearizability() {
        HealthBoard b;
        QCOMPARE(b.check(HealthBoard::Linearizability).light, Light::Unknown);
        QVERIFY(b.check(HealthBoard::Linearizability).evidence.find("Client panel") !=
                std::string::npos);
        // put k=v, then a linearizable get that reads it: linearizable.
        ClientHistory good;
        lincheck::Operation put{.kind = lincheck::OpKind::Put, .key = "k", .value = "v"};
        good.complete(good.invoke(put, 0), lincheck::Outcome::Ok, std::nullopt);
        lincheck::Operation get{.kind = lincheck::OpKind::Get, .key = "k"};
        good.complete(good.invoke(get, 0), lincheck::Outcome::Ok, std::string("v"));
        // A stale eventual read is not judged (it promises no more).
        const std::uint64_t weak = good.invoke(get, 2);
        QCOMPARE(weak, std::uint64_t{0});
        auto j = good.check(std::chrono::milliseconds(500));
        QCOMPARE(j.verdict, ClientHistory::Judgement::Linearizable);
        b.judgeClientHistory(j);
        QCOMPARE(b.check(HealthBoard::Linearizability).light, Light::Holds);
        QVERIFY(j.evidence.find("1 lease/eventual read(s) left out") != std::string::npos);
        // A broken history: after put k=v completed, a linearizable get
        // reads a value nobody wrote. Red, with lincheck's window.
        ClientHistory bad;
        bad.complete(bad.invoke(put, 0), lincheck::Outcome::Ok, std::nullopt);
        bad.complete(bad.invoke(get, 0), lincheck::Outcome::Ok, std::string("never-written"));
        j = bad.check(std::chrono::milliseconds(500));
        QCOMPARE(j.verdict, ClientHistory::Judgement::NotLinearizable);
        b.judgeClientHistory(j);
        const HealthCheck& h = b.check(HealthBoard::Linearizability);
        QCOMPARE(h.light, Light::Violated);
        QVERIFY2(h.evidence.find("never-written") != std::string::npos, h.evidence.c_str());
        // Due at once the first time, then not before `every`.
        ClientHistory due;
        due.complete(due.invoke(put, 0), lincheck::Outcome::Ok, std::nullopt);
        QVERIFY(due.checkIfDue(std::chrono::hours(1), std::chrono::milliseconds(500)));
        due.complete(due.invoke(put, 0), lincheck::Outcome::Ok, std::nullopt);
        QVERIFY(!due.checkIfDue(std::chrono::hours(1), std::chrono::milliseconds(500)));
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
