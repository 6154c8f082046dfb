// The checker itself: each invariant fails when fed a history that breaks it,
// and stays quiet on a good one. The bug-switch tests show the same for a
// broken core; these cover the invariants no switch reaches (Leader
// Append-Only, linearizable reads) and pin down each message.
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <set>
#include <sstream>

#include "tests/sim/sim_checker.h"
#include "tests/sim/sim_kv.h"
#include "tests/sim/sim_random_run.h"

using namespace raftlab;
using core::Entry;
using sim::Checker;

namespace {

Entry entry(core::Index index, core::Term term, const std::string& value) {
    Entry e;
    e.index = index;
    e.term = term;
    e.data = sim::make_set("k", value);
    return e;
}

std::unique_ptr<core::Raft> raft_with_log(std::vector<Entry> log) {
    core::Config cfg;
    cfg.id = 1;
    core::Restored r;
    core::Member m;
    m.id = 1;
    m.voter = true;
    m.status = core::NodeStatus::Active;
    r.bootstrap.members.emplace(1, m);
    r.hard_state.term = log.empty() ? 1 : log.back().term;
    r.entries = std::move(log);
    return std::make_unique<core::Raft>(cfg, r);
}

QString first(const Checker& c) {
    return c.failed() ? QString::fromStdString(c.violations().front().invariant) : QString();
}

}  // namespace

class TstSimChecker : public QObject {
    Q_OBJECT

  private slots:
    void election_safety();
    void leader_append_only();
    void log_matching();
    void log_matching_accepts_truncation();
    void state_machine_safety();
    void leader_completeness();
    void linearizable_read_stale_value();
    void linearizable_read_low_index();
    void linearizable_read_good();
    void trace_is_json_lines_in_the_documented_schema();
};

void TstSimChecker::election_safety() {
    Checker c;
    auto r = raft_with_log({});
    c.on_leader(10, 1, 3, *r);
    c.on_leader(20, 1, 3, *r);  // the same leader seen again: fine
    QVERIFY(!c.failed());
    c.on_leader(30, 2, 3, *r);
    QCOMPARE(first(c), QStringLiteral("Election Safety"));
}

void TstSimChecker::leader_append_only() {
    Checker c;
    c.on_leader_overwrite(5, 1, 2, 4, 7);
    QCOMPARE(first(c), QStringLiteral("Leader Append-Only"));
}

void TstSimChecker::log_matching() {
    Checker c;
    c.on_persist_entries(0, 1, {entry(1, 1, "a"), entry(2, 1, "b"), entry(3, 2, "c")});
    c.on_persist_entries(0, 2, {entry(1, 1, "a"), entry(2, 1, "b")});
    QVERIFY(!c.failed());
    // Node 3 has (3, 2) too, but a different entry before it.
    c.on_persist_entries(0, 3, {entry(1, 1, "a"), entry(2, 1, "X"), entry(3, 2, "c")});
    QCOMPARE(first(c), QStringLiteral("Log Matching"));
}

void TstSimChecker::log_matching_accepts_truncation() {
    Checker c;
    c.on_persist_entries(0, 1, {entry(1, 1, "a"), entry(2, 1, "b")});
    c.on_persist_entries(0, 2, {entry(1, 1, "a"), entry(2, 2, "z")});
    c.on_persist_entries(0, 1, {entry(2, 2, "z"), entry(3, 2, "y")});  // truncates (2, 1)
    c.on_compact(1, 2);
    c.on_persist_entries(0, 1, {entry(4, 2, "w")});
    c.on_persist_snapshot(0, 3, 3, 2);  // installs node 1's prefix up to (3, 2)
    c.on_persist_entries(0, 3, {entry(4, 2, "w")});
    QVERIFY2(!c.failed(), c.failed() ? c.violations().front().detail.c_str() : "");
    // A gap is the driver's fault, not Raft's.
    c.on_persist_entries(0, 2, {entry(9, 2, "q")});
    QCOMPARE(first(c), QStringLiteral("Driver Contract"));
}

void TstSimChecker::state_machine_safety() {
    Checker c;
    c.on_apply(1, 1, entry(1, 1, "a"));
    c.on_apply(2, 2, entry(1, 1, "a"));  // the same entry: fine
    QVERIFY(!c.failed());
    c.on_apply(3, 3, entry(1, 2, "b"));
    QCOMPARE(first(c), QStringLiteral("State Machine Safety"));
}

void TstSimChecker::leader_completeness() {
    Checker c;
    auto old_leader = raft_with_log({entry(1, 1, "a"), entry(2, 1, "b")});
    c.on_leader(0, 1, 1, *old_leader);
    c.on_apply(1, 1, entry(1, 1, "a"));
    c.on_apply(2, 1, entry(2, 1, "b"));  // committed in term 1
    QVERIFY(!c.failed());
    auto lacking = raft_with_log({entry(1, 1, "a")});
    c.on_leader(3, 2, 2, *lacking);
    QCOMPARE(first(c), QStringLiteral("Leader Completeness"));
}

void TstSimChecker::linearizable_read_stale_value() {
    Checker c;
    c.on_apply(1, 1, entry(1, 1, "v1"));
    c.on_apply(2, 1, entry(2, 1, "v2"));
    c.on_write_ack("k", 1);
    c.on_write_ack("k", 2);
    const auto base = c.read_baseline("k");
    c.on_read(3, 2, "k", base, 2, std::string("v1"));  // v2 was acknowledged first
    QCOMPARE(first(c), QStringLiteral("Linearizable Read"));
}

void TstSimChecker::linearizable_read_low_index() {
    Checker c;
    c.on_apply(1, 1, entry(1, 1, "v1"));
    c.on_write_ack("k", 1);
    c.on_read(2, 2, "k", c.read_baseline("k"), 0, std::nullopt);
    QCOMPARE(first(c), QStringLiteral("Linearizable Read"));
}

void TstSimChecker::linearizable_read_good() {
    Checker c;
    const auto before = c.read_baseline("k");  // invoked before any write
    c.on_apply(1, 1, entry(1, 1, "v1"));
    c.on_write_ack("k", 1);
    c.on_read(2, 2, "k", before, 0, std::nullopt);  // concurrent: may miss v1
    c.on_read(3, 2, "k", before, 1, std::string("v1"));
    c.on_read(4, 2, "k", c.read_baseline("k"), 1, std::string("v1"));
    QVERIFY2(!c.failed(), c.failed() ? c.violations().front().detail.c_str() : "");
    c.on_read(5, 2, "k", c.read_baseline("k"), 1, std::string("never-written"));
    QCOMPARE(first(c), QStringLiteral("Linearizable Read"));
}

// The lab replays simulator traces: every line must be one JSON object with
// the common fields and a kind documented in docs/testing.md, in time order.
void TstSimChecker::trace_is_json_lines_in_the_documented_schema() {
    const std::set<QString> kinds{"run",     "role",     "send",      "recv",        "drop",
                                  "persist", "apply",    "snapshot",  "note",        "fault",
                                  "config",  "transfer", "op_invoke", "op_complete", "violation"};
    for (const char* bugs : {"", "double_vote"}) {
        std::ostringstream out;
        sim::RunOptions o;
        o.seed = 1;
        o.steps = 300;
        if (*bugs) sim::set_bug(o.bugs, bugs);
        o.trace = &out;
        sim::run_random(o);
        std::istringstream in(out.str());
        std::int64_t last_t = 0;
        int lines = 0;
        std::set<QString> seen;
        for (std::string line; std::getline(in, line); ++lines) {
            QJsonParseError err;
            const auto doc = QJsonDocument::fromJson(QByteArray::fromStdString(line), &err);
            QVERIFY2(doc.isObject(),
                     qPrintable(QStringLiteral("line %1 is not a JSON object (%2): %3")
                                    .arg(lines + 1)
                                    .arg(err.errorString(), QString::fromStdString(line))));
            const QJsonObject obj = doc.object();
            const QString kind = obj.value("kind").toString();
            QVERIFY2(kinds.count(kind), qPrintable("undocumented kind: " + kind));
            seen.insert(kind);
            QVERIFY(obj.value("t").isDouble() && obj.value("t_ns").isDouble() &&
                    obj.value("node").isDouble());
            const auto t = static_cast<std::int64_t>(obj.value("t").toDouble());
            QCOMPARE(static_cast<std::int64_t>(obj.value("t_ns").toDouble()), t * 1000000);
            if (kind != "violation") {  // the verdict carries the time it happened
                QVERIFY2(t >= last_t, qPrintable(QString::fromStdString(line)));
                last_t = t;
            }
        }
        QVERIFY(lines > 1000);
        for (const char* k : {"run", "role", "send", "recv", "persist", "apply", "op_invoke",
                              "op_complete", "fault"}) {
            QVERIFY2(seen.count(k), k);
        }
        QCOMPARE(seen.count("violation"), std::size_t{*bugs ? 1u : 0u});
    }
}

QTEST_APPLESS_MAIN(TstSimChecker)
#include "tst_sim_checker.moc"
