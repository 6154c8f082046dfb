// The scenario file parser: good files parse into the steps they say, and
// every bad file gets an error that names the file, the LINE and the STEP.
#include <QtTest>

#include "scenarios/runner/runner.h"
#include "scenarios/runner/scenario.h"

using namespace raftlab::scenario;

class TestScenarioParser : public QObject {
    Q_OBJECT

  private:
    // Parses `text` expecting an error; returns its message.
    static QString error_of(const std::string& text) {
        try {
            parse_scenario_text(text, "bad.toml");
        } catch (const ScenarioError& e) {
            return QString::fromStdString(e.what());
        }
        return QString();
    }

  private slots:
    void parses_steps_and_conditions() {
        const Scenario s = parse_scenario_text(R"(name = "demo"
purpose = "a demo"
needs = ["lab"]

[cluster]
nodes = 3
learners = [4]

[raft]
election_timeout_min_ms = 300

[[step]]
do = "start"

[[step]]
do = "wait-for"
condition = { what = "term", node = "leader", at_least = 2 }
timeout_ms = 1500

[[step]]
do = "partition"
groups = [[1], [2, 3]]

[[step]]
do = "get"
key = "x"
node = 2
consistency = "lease"
expect_value = "v"
)",
                                               "demo.toml");
        QCOMPARE(s.name, std::string("demo"));
        QVERIFY(s.wants("lab"));
        QCOMPARE(s.cluster.nodes, 3);
        QCOMPARE(s.cluster.learners, std::vector<std::uint64_t>{4});
        QVERIFY(s.cluster.raft_toml.find("election_timeout_min_ms = 300") != std::string::npos);
        QCOMPARE(s.steps.size(), size_t{4});
        QCOMPARE(s.steps[1].action, std::string("wait-for"));
        QCOMPARE(s.steps[1].line, 15);
        QCOMPARE(s.steps[1].condition.what, std::string("term"));
        QCOMPARE(s.steps[1].condition.node->name, std::string("leader"));
        QCOMPARE(*s.steps[1].condition.at_least, std::uint64_t{2});
        QCOMPARE(s.steps[1].timeout_ms, std::uint64_t{1500});
        QCOMPARE(s.steps[2].groups.size(), size_t{2});
        QCOMPARE(s.steps[2].groups[1][1].id, std::uint64_t{3});
        QCOMPARE(s.steps[3].consistency, std::string("lease"));
        QCOMPARE(*s.steps[3].expect_value, std::string("v"));
        QCOMPARE(s.steps[3].nodes.front().id, std::uint64_t{2});
    }

    void errors_name_line_and_step_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        const QString head = "name = \"x\"\n\n[[step]]\ndo = \"start\"\n\n";  // step 1, lines 3-4
        QTest::newRow("unknown action") << head + "[[step]]\ndo = \"kil\"\n"
                                        << "bad.toml:7: step 2 (kil): unknown action do = \"kil\"";
        QTest::newRow("typo in a key")
            << head + "[[step]]\ndo = \"kill\"\nnod = 2\n"
            << "bad.toml:8: step 2 (kill): unknown key \"nod\" in a kill step";
        QTest::newRow("unknown condition")
            << head + "[[step]]\ndo = \"wait-for\"\ncondition = \"leeder\"\n"
            << "bad.toml:8: step 2 (wait-for): unknown condition \"leeder\"";
        QTest::newRow("bad node reference")
            << head + "[[step]]\ndo = \"pause\"\nnode = 0\n"
            << "bad.toml:8: step 2 (pause): node = 0 is not a node id";
        QTest::newRow("condition field")
            << head + "[[step]]\ndo = \"expect\"\ncondition = { what = \"term\", atleast = 3 }\n"
            << "bad.toml:8: step 2 (expect): condition \"term\" has no field \"atleast\"";
        QTest::newRow("missing condition") << head + "[[step]]\ndo = \"wait-for\"\n"
                                           << "bad.toml:6: step 2 (wait-for): a wait-for step "
                                              "needs condition";
        QTest::newRow("bad consistency")
            << head + "[[step]]\ndo = \"get\"\nkey = \"k\"\nconsistency = \"strong\"\n"
            << "bad.toml:9: step 2 (get): consistency = \"strong\" is not a read level";
        QTest::newRow("negative count")
            << head + "[[step]]\ndo = \"workload\"\nclients = -1\n"
            << "bad.toml:8: step 2 (workload): clients must not be negative";
        QTest::newRow("syntax") << head + "[[step]]\ndo = \"kill\nnode = 1\n"
                                << "bad.toml:7: TOML syntax";
        QTest::newRow("no steps") << "name = \"x\"\n"
                                  << "bad.toml:1: the scenario has no steps";
        QTest::newRow("no name") << "[[step]]\ndo = \"start\"\n"
                                 << "bad.toml:1: the scenario has no name";
        QTest::newRow("unknown top-level") << "name = \"x\"\nnodes = 3\n"
                                           << "bad.toml:2: unknown top-level key \"nodes\"";
        QTest::newRow("partition without groups")
            << head + "[[step]]\ndo = \"partition\"\n"
            << "bad.toml:6: step 2 (partition): a partition needs groups";
    }
    void errors_name_line_and_step() {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        const QString error = error_of(text.toStdString());
        QVERIFY2(!error.isEmpty(), "the bad file parsed without an error");
        QVERIFY2(error.startsWith(expected), qPrintable("got: " + error));
    }

    void every_shipped_scenario_parses() {
        const auto shipped = shipped_scenarios(RAFTLAB_SCENARIO_LIBRARY_DIR);
        QVERIFY(shipped.size() >= 8);
        for (const auto& s : shipped) {
            try {
                Scenario parsed = parse_scenario_file(s.path);
                QVERIFY2(!parsed.purpose.empty(), s.path.c_str());
            } catch (const std::exception& e) {
                QFAIL(e.what());
            }
        }
    }

    void missing_file_is_named() {
        try {
            parse_scenario_file("/nonexistent/dir/x.toml");
            QFAIL("no error for a missing file");
        } catch (const ScenarioError& e) {
            QVERIFY(std::string(e.what()).find("/nonexistent/dir/x.toml") != std::string::npos);
        }
    }
};

QTEST_GUILESS_MAIN(TestScenarioParser)
#include "test_scenario_parser.moc"
