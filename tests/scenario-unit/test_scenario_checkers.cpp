// The checkers can fail: each one is fed a history or trace that breaks its
// property and must say so with the evidence, and a clean one must pass.
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>

#include "scenarios/runner/checkers.h"

using namespace raftlab::scenario;
using raftlab::lincheck::Operation;
using raftlab::lincheck::OpKind;
using raftlab::lincheck::Outcome;

namespace {

Operation put(std::uint64_t id, const std::string& key, const std::string& value,
              std::int64_t invoke, std::int64_t complete, Outcome outcome = Outcome::Ok) {
    Operation op;
    op.id = id;
    op.kind = OpKind::Put;
    op.key = key;
    op.value = value;
    op.invoke_ns = invoke;
    op.complete_ns = complete;
    op.outcome = outcome;
    return op;
}

void write_file(const QString& path, const std::string& text) {
    std::ofstream out(path.toStdString());
    out << text;
}

}  // namespace

class TestScenarioCheckers : public QObject {
    Q_OBJECT

  private slots:
    void election_safety_catches_two_leaders_in_one_term() {
        ElectionSafety s;
        QVERIFY(!s.observe_leader(1, 2, 100));
        QVERIFY(!s.observe_leader(1, 2, 200));  // the same leader seen again
        QVERIFY(!s.observe_leader(2, 3, 300));  // a new term, a new leader
        auto v = s.observe_leader(3, 3, 400);
        QVERIFY(v.has_value());
        QCOMPARE(v->checker, std::string("election-safety"));
        QVERIFY2(v->text.find("two leaders in term 3: node 2") != std::string::npos,
                 v->text.c_str());
        QVERIFY(v->text.find("node 3") != std::string::npos);
    }

    void liveness_fires_only_with_a_live_quorum() {
        LivenessWatchdog w(1000);
        QVERIFY(!w.update(0, false, false));  // quorum down: not counted
        QVERIFY(!w.update(5000, false, false));
        QVERIFY(!w.update(6000, false, true));  // counting starts here
        QVERIFY(!w.update(6900, false, true));
        auto v = w.update(7100, false, true);
        QVERIFY(v.has_value());
        QCOMPARE(v->checker, std::string("liveness"));
        QVERIFY(!w.update(9000, false, true));  // fires once per leaderless stretch
        QVERIFY(!w.update(9100, true, true));
    }

    void lost_write_is_caught() {
        // put a=1 acknowledged, then put a=2 acknowledged after it; the end
        // value 1 means the second acknowledged write was lost.
        raftlab::lincheck::History h = {put(1, "a", "1", 0, 10), put(2, "a", "2", 20, 30)};
        auto v = check_no_lost_writes(h, {{"a", std::string("1")}});
        QCOMPARE(v.size(), size_t{1});
        QVERIFY2(v[0].text.find("was lost") != std::string::npos, v[0].text.c_str());
        QVERIFY(check_no_lost_writes(h, {{"a", std::string("2")}}).empty());
        // Concurrent writes may land in either order.
        raftlab::lincheck::History c = {put(1, "a", "1", 0, 30), put(2, "a", "2", 10, 20)};
        QVERIFY(check_no_lost_writes(c, {{"a", std::string("1")}}).empty());
        // An unknown write may land after everything.
        raftlab::lincheck::History u = {put(1, "a", "1", 0, 10, Outcome::Unknown),
                                        put(2, "a", "2", 20, 30)};
        QVERIFY(check_no_lost_writes(u, {{"a", std::string("1")}}).empty());
        // A missing key after an acknowledged write, and a value nobody wrote.
        QCOMPARE(check_no_lost_writes(h, {{"a", std::nullopt}}).size(), size_t{1});
        QCOMPARE(check_no_lost_writes(h, {{"a", std::string("zzz")}}).size(), size_t{1});
        // A delete: put a=1, then delete a, both acknowledged; missing is
        // the right end...
        Operation del = put(3, "a", "", 40, 50);
        del.kind = OpKind::Delete;
        del.value.reset();
        raftlab::lincheck::History d = {put(1, "a", "1", 0, 10), del};
        QVERIFY(check_no_lost_writes(d, {{"a", std::nullopt}}).empty());
        // ...but ending as 1 lost the acknowledged delete,
        auto lost = check_no_lost_writes(d, {{"a", std::string("1")}});
        QCOMPARE(lost.size(), size_t{1});
        QVERIFY2(lost[0].text.find("was lost") != std::string::npos, lost[0].text.c_str());
        // and a put acknowledged after the delete cannot end missing.
        d.push_back(put(4, "a", "2", 60, 70));
        lost = check_no_lost_writes(d, {{"a", std::nullopt}});
        QCOMPARE(lost.size(), size_t{1});
        QVERIFY2(lost[0].text.find("ends as missing") != std::string::npos, lost[0].text.c_str());
    }

    void check_catches_a_forged_two_leader_trace() {
        QTemporaryDir dir;
        const QString path = dir.filePath("forged.jsonl");
        write_file(path,
                   R"({"t_ns":1000,"t":0,"kind":"run","scenario":"forged"}
{"t_ns":2000,"t":0,"kind":"role","node":1,"from":"Candidate","to":"Leader","term":3,"leader":1}
{"t_ns":2500,"t":0,"kind":"state","node":2,"role":0,"term":3,"leader":1}
{"t_ns":3000,"t":0,"kind":"role","node":2,"from":"Candidate","to":"Leader","term":3,"leader":2}
)");
        TraceCheckResult r = check_trace_file(path.toStdString());
        QVERIFY(!r.ok());
        QCOMPARE(r.violations.size(), size_t{1});
        QVERIFY2(
            r.violations[0].text.find("forged.jsonl:4: two leaders in term 3") != std::string::npos,
            r.violations[0].text.c_str());
    }

    void check_passes_a_clean_trace_and_judges_its_operations() {
        QTemporaryDir dir;
        const QString good = dir.filePath("good.jsonl");
        write_file(good,
                   R"({"t_ns":2000,"kind":"role","node":1,"from":"Candidate","to":"Leader","term":1}
{"t_ns":2100,"kind":"state","node":1,"role":2,"term":1}
{"t_ns":9000,"kind":"role","node":2,"from":"Candidate","to":"Leader","term":2}
{"t_ns":10000,"kind":"op_invoke","client":1,"op_id":1,"op":"put","key":"k","value":"a"}
{"t_ns":11000,"kind":"op_complete","op_id":1,"outcome":"ok"}
{"t_ns":12000,"kind":"op_invoke","client":2,"op_id":2,"op":"get","key":"k"}
{"t_ns":13000,"kind":"op_complete","op_id":2,"outcome":"ok","value":"a"}
)");
        TraceCheckResult r = check_trace_file(good.toStdString());
        QVERIFY(r.ok());
        QCOMPARE(r.operations, size_t{2});
        QCOMPARE(r.leader_observations, size_t{3});

        // The same, but the read returns a value that was overwritten before
        // it began: a stale read.
        const QString stale = dir.filePath("stale.jsonl");
        write_file(
            stale,
            R"({"t_ns":10000,"kind":"op_invoke","client":1,"op_id":1,"op":"put","key":"k","value":"a"}
{"t_ns":11000,"kind":"op_complete","op_id":1,"outcome":"ok"}
{"t_ns":12000,"kind":"op_invoke","client":1,"op_id":2,"op":"put","key":"k","value":"b"}
{"t_ns":13000,"kind":"op_complete","op_id":2,"outcome":"ok"}
{"t_ns":14000,"kind":"op_invoke","client":2,"op_id":3,"op":"get","key":"k"}
{"t_ns":15000,"kind":"op_complete","op_id":3,"outcome":"ok","value":"a"}
)");
        TraceCheckResult s = check_trace_file(stale.toStdString());
        QVERIFY(!s.ok());
        QVERIFY(!s.linearizable);
        QVERIFY(!s.lincheck_report.empty());
    }

    void check_names_bad_lines() {
        QTemporaryDir dir;
        const QString path = dir.filePath("broken.jsonl");
        write_file(path, "{\"t_ns\":1,\"kind\":\"run\"}\nnot json\n");
        TraceCheckResult r = check_trace_file(path.toStdString());
        QVERIFY(!r.ok());
        QVERIFY(!r.problems.empty());
        QVERIFY2(r.problems[0].find("broken.jsonl:2") != std::string::npos, r.problems[0].c_str());
    }
};

QTEST_GUILESS_MAIN(TestScenarioCheckers)
#include "test_scenario_checkers.moc"
