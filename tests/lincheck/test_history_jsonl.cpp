// JSON Lines history I/O: round trips, the schema's edge cases, and errors
// that name the line and say what to fix.
#include <QtTest>
#include <sstream>

#include "history_builder.h"
#include "random_history.h"
#include "scenarios/lincheck/checker.h"
#include "scenarios/lincheck/history_jsonl.h"

using namespace raftlab::lincheck;

namespace {

LoadedHistory load(const std::string& text) {
    std::istringstream in(text);
    return load_history_jsonl(in, "t.jsonl");
}

bool same(const Operation& a, const Operation& b) {
    // A get's value and a CAS's swapped flag are answers: only an ok outcome carries them.
    const bool answered = a.outcome == Outcome::Ok;
    const bool value_same = a.kind == OpKind::Get && !answered ? true : a.value == b.value;
    const bool swapped_same = a.kind == OpKind::Cas && !answered ? true : a.swapped == b.swapped;
    return a.id == b.id && a.client == b.client && a.kind == b.kind && a.key == b.key &&
           value_same && a.expected == b.expected && swapped_same && a.invoke_ns == b.invoke_ns &&
           a.outcome == b.outcome &&
           (a.outcome == Outcome::Unknown || a.complete_ns == b.complete_ns);
}

std::string joined(const std::vector<std::string>& errors) {
    std::string s;
    for (const auto& e : errors)
        s += e + "\n";
    return s;
}

}  // namespace

class HistoryJsonlTest : public QObject {
    Q_OBJECT
  private slots:
    void recordsLookAsDocumented() {
        Operation put{.id = 17,
                      .client = 3,
                      .kind = OpKind::Put,
                      .key = "k1",
                      .value = "v9",
                      .invoke_ns = 100,
                      .complete_ns = 250};
        QCOMPARE(op_invoke_record(put),
                 std::string(R"({"t_ns":100,"kind":"op_invoke","client":3,"op_id":17,)"
                             R"("op":"put","key":"k1","value":"v9"})"));
        QCOMPARE(op_complete_record(put),
                 std::string(R"({"t_ns":250,"kind":"op_complete","op_id":17,"outcome":"ok"})"));
        Operation get{.id = 18, .kind = OpKind::Get, .key = "k1", .invoke_ns = 1, .complete_ns = 2};
        QCOMPARE(op_complete_record(get),
                 std::string(R"({"t_ns":2,"kind":"op_complete","op_id":18,"outcome":"ok",)"
                             R"("value":null})"));
        Operation cas{.id = 19,
                      .kind = OpKind::Cas,
                      .key = "k",
                      .value = "b",
                      .expected = "a",
                      .swapped = true};
        QCOMPARE(op_invoke_record(cas),
                 std::string(R"({"t_ns":0,"kind":"op_invoke","client":0,"op_id":19,)"
                             R"("op":"cas","key":"k","expected":"a","value":"b"})"));
        QVERIFY(op_complete_record(cas).find(R"("swapped":true)") != std::string::npos);
    }

    void roundTripKeepsEveryField() {
        History h = test::simulated_register_history({.seed = 9,
                                                      .operations = 2000,
                                                      .keys = 10,
                                                      .clients = 8,
                                                      .unknown_percent = 5,
                                                      .failed_percent = 5});
        // Values that need escaping survive too.
        const std::string weird = "we\"ird\\key\n\t\x01 ünï";
        h.push_back({.id = 100001,
                     .client = 1,
                     .kind = OpKind::Put,
                     .key = weird,
                     .value = weird,
                     .invoke_ns = 1,
                     .complete_ns = 2});
        h.push_back({.id = 100002,
                     .client = 1,
                     .kind = OpKind::Get,
                     .key = weird,
                     .value = weird,
                     .invoke_ns = 3,
                     .complete_ns = 4});
        std::ostringstream out;
        write_history_jsonl(out, h);
        const auto loaded = load(out.str());
        QVERIFY2(loaded.ok(), joined(loaded.errors).c_str());
        QCOMPARE(loaded.history.size(), h.size());
        std::map<std::uint64_t, const Operation*> by_id;
        for (const auto& op : loaded.history)
            by_id[op.id] = &op;
        for (const auto& op : h) {
            QVERIFY(by_id.count(op.id));
            QVERIFY2(same(op, *by_id[op.id]), describe(op).c_str());
        }
        QCOMPARE(check(loaded.history).verdict, Verdict::Ok);
    }

    void otherRecordsAreSkipped() {
        const auto l = load(R"({"t":5,"node":1,"kind":"role","role":"leader","term":2}
{"t_ns":1,"kind":"op_invoke","client":1,"op_id":1,"op":"put","key":"k","value":"a"}

{"t_ns":9,"kind":"fault","what":"cut 1->2"}
{"t_ns":2,"kind":"op_complete","op_id":1,"outcome":"ok"}
)");
        QVERIFY2(l.ok(), joined(l.errors).c_str());
        QCOMPARE(l.history.size(), std::size_t(1));
        QCOMPARE(l.other_records, std::size_t(2));
    }

    void simulatorMillisecondsAreAccepted() {
        const auto l = load(R"({"t":3,"kind":"op_invoke","client":1,"op_id":1,"op":"get","key":"k"}
{"t":4,"kind":"op_complete","op_id":1,"outcome":"ok","value":"x"})");
        QVERIFY2(l.ok(), joined(l.errors).c_str());
        QCOMPARE(l.history[0].invoke_ns, std::int64_t(3'000'000));
        QCOMPARE(l.history[0].complete_ns, std::int64_t(4'000'000));
        QCOMPARE(l.history[0].value, std::optional<std::string>("x"));
    }

    void neverCompletedBecomesUnknown() {
        const auto l = load(
            R"({"t_ns":1,"kind":"op_invoke","client":1,"op_id":7,"op":"put","key":"k","value":"a"})");
        QVERIFY(l.ok());
        QCOMPARE(l.never_completed, std::size_t(1));
        QCOMPARE(l.history[0].outcome, Outcome::Unknown);
    }

    void errorsNameTheLineAndTheFix() {
        const auto l = load(R"(this is not json
{"t_ns":1,"kind":"op_invoke","client":1,"op_id":1,"op":"frobnicate","key":"k"}
{"t_ns":1,"kind":"op_invoke","client":1,"op_id":2,"op":"put","key":"k"}
{"t_ns":2,"kind":"op_complete","op_id":99,"outcome":"ok"}
{"t_ns":1,"kind":"op_invoke","client":1,"op_id":3,"op":"get","key":"k"}
{"t_ns":2,"kind":"op_complete","op_id":3,"outcome":"ok"}
{"t_ns":0,"kind":"op_invoke","client":1,"op_id":4,"op":"get","key":"k"}
{"t_ns":-5,"kind":"op_complete","op_id":4,"outcome":"ok","value":null}
{"t_ns":1,"kind":"op_invoke","client":1,"op_id":4,"op":"get","key":"k"}
{"kind":"op_complete","op_id":4,"outcome":"maybe"}
)");
        const std::string all = joined(l.errors);
        qInfo("%s", all.c_str());
        QCOMPARE(l.errors.size(), std::size_t(8));
        QVERIFY(l.errors[0].starts_with("t.jsonl:1: not a JSON object"));
        QVERIFY(l.errors[1].starts_with("t.jsonl:2:") &&
                l.errors[1].find("frobnicate") != std::string::npos);
        QVERIFY(l.errors[2].find("\"value\"") != std::string::npos);
        QVERIFY(l.errors[3].find("no op_invoke") != std::string::npos);
        QVERIFY(l.errors[4].starts_with("t.jsonl:6:") &&
                l.errors[4].find("null if missing") != std::string::npos);
        QVERIFY(l.errors[5].find("before its invocation") != std::string::npos);
        QVERIFY(l.errors[6].find("reuses op_id 4") != std::string::npos);
        QVERIFY(l.errors[7].starts_with("t.jsonl:10:") &&
                l.errors[7].find("t_ns") != std::string::npos);
    }

    void missingFileIsReported() {
        const auto l = load_history_file("/nonexistent/raftlab/history.jsonl");
        QCOMPARE(l.errors.size(), std::size_t(1));
        QVERIFY(l.errors[0].find("/nonexistent/raftlab/history.jsonl") != std::string::npos);
    }
};

QTEST_APPLESS_MAIN(HistoryJsonlTest)
#include "test_history_jsonl.moc"
