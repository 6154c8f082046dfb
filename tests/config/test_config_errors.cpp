// Every bad input is refused with a message naming the file, the field and
// the fix (issue 3, "Bad input gets a clear error").
#include <QTest>

#include "engine/config/config.h"

using namespace raftlab;

namespace {

// A valid base; each case replaces one piece of it.
std::string cluster(const std::string& members, const std::string& extra = "",
                    const std::string& node_id = "2") {
    return "[cluster]\nnode_id = " + node_id +
           "\nlisten_address = \"0.0.0.0:9082\"\ninitial_cluster = [\n" + members +
           "]\ndb_root_dir = \"./db\"\n" + extra;
}

const std::string kSelf = "    { id = 2, address = \"0.0.0.0:9082\", role = 3, status = 0 },\n";
const std::string kLeader = "    { id = 1, address = \"0.0.0.0:9081\", role = 2, status = 2 },\n";

std::string good_with(const std::string& extra) {
    return cluster(kLeader + kSelf, extra);
}

}  // namespace

class ConfigErrorsTest : public QObject {
    Q_OBJECT
  private slots:
    void refused_data() {
        QTest::addColumn<QString>("toml");
        QTest::addColumn<QString>("field");  // must appear in the message
        QTest::addColumn<QString>("fix");    // must appear in the message

        QTest::newRow("malformed TOML")
            << QString::fromStdString(
                   "[cluster]\nnode_id = 2\nlisten_address = \"0.0.0.0:9082\nx = 1\n")
            << "line 3"
            << "fix the syntax";
        QTest::newRow("unknown role number")
            << QString::fromStdString(cluster(
                   kLeader + "    { id = 2, address = \"0.0.0.0:9082\", role = 7, status = 0 },\n"))
            << "cluster.initial_cluster[1].role = 7 is not a NodeRole"
            << "use 0=Follower, 1=Candidate, 2=Leader, 3=Learner or a name like \"learner\"";
        QTest::newRow("PreCandidate is not configurable")
            << QString::fromStdString(cluster(
                   kLeader + "    { id = 2, address = \"0.0.0.0:9082\", role = 4, status = 0 },\n"))
            << "cluster.initial_cluster[1].role = 4"
            << "3=Learner";
        QTest::newRow("unknown role name")
            << QString::fromStdString(cluster(kLeader + "    { id = 2, address = \"0.0.0.0:9082\", "
                                                        "role = \"observer\", status = 0 },\n"))
            << "cluster.initial_cluster[1].role = \"observer\""
            << "a name like \"learner\"";
        QTest::newRow("unknown status")
            << QString::fromStdString(cluster(
                   kLeader + "    { id = 2, address = \"0.0.0.0:9082\", role = 3, status = 5 },\n"))
            << "cluster.initial_cluster[1].status = 5 is not a NodeStatus"
            << "0=PROMOTABLE, 1=READ_ONLY, 2=ACTIVE";
        QTest::newRow("duplicate ids")
            << QString::fromStdString(
                   cluster(kLeader + kSelf +
                           "    { id = 1, address = \"127.0.0.1:9083\", role = 0, status = 2 },\n"))
            << "cluster.initial_cluster[2].id = 1 is listed twice"
            << "unique id";
        QTest::newRow("duplicate addresses (0.0.0.0 is 127.0.0.1)")
            << QString::fromStdString(
                   cluster(kLeader +
                           "    { id = 2, address = \"127.0.0.1:9081\", role = 3, status = 0 },\n"))
            << "cluster.initial_cluster[1].address = \"127.0.0.1:9081\" is used by another member"
            << "its own host:port";
        QTest::newRow("node_id missing from its own initial_cluster")
            << QString::fromStdString(cluster(kLeader, "", "2"))
            << "cluster.initial_cluster has no entry for this node (node_id = 2)"
            << "add { id = 2, address = \"0.0.0.0:9082\", role = 3, status = 0 }";
        QTest::newRow("address without port")
            << QString::fromStdString(cluster(
                   kLeader + "    { id = 2, address = \"localhost\", role = 3, status = 0 },\n"))
            << "cluster.initial_cluster[1].address = \"localhost\" is not a host:port address"
            << "\"127.0.0.1:9081\"";
        QTest::newRow("port out of range")
            << QString::fromStdString(cluster(
                   kLeader +
                   "    { id = 2, address = \"127.0.0.1:70000\", role = 3, status = 0 },\n"))
            << "cluster.initial_cluster[1].address"
            << "write it like";
        QTest::newRow("bad listen address")
            << QString::fromStdString(
                   "[cluster]\nnode_id = 1\nlisten_address = \"9081\"\ninitial_cluster = [ { id = "
                   "1, address = \"127.0.0.1:9081\", role = 2, status = 2 } ]\n")
            << "cluster.listen_address = \"9081\""
            << "write it like";
        QTest::newRow("zero heartbeat")
            << QString::fromStdString(good_with("[raft]\nheartbeat_interval_ms = 0\n"))
            << "raft.heartbeat_interval_ms = 0 is out of range"
            << "use a value from 1";
        QTest::newRow("negative election timeout")
            << QString::fromStdString(good_with("[raft]\nelection_timeout_min_ms = -5\n"))
            << "raft.election_timeout_min_ms = -5 is out of range"
            << "use a value from 1";
        QTest::newRow("zero tick")
            << QString::fromStdString(good_with("[raft]\ntick_ms = 0\n")) << "raft.tick_ms = 0"
            << "use a value from 1";
        QTest::newRow("timing shorter than a tick")
            << QString::fromStdString(
                   good_with("[raft]\ntick_ms = 100\nheartbeat_interval_ms = 50\n"))
            << "raft.heartbeat_interval_ms = 50 is shorter than one tick"
            << "use 50";
        QTest::newRow("heartbeat not below election min")
            << QString::fromStdString(good_with("[raft]\nheartbeat_interval_ms = 200\n"))
            << "raft.heartbeat_interval_ms = 200 must be below raft.election_timeout_min_ms = 200"
            << "e.g. 50 with 200";
        QTest::newRow("election min not below max")
            << QString::fromStdString(good_with("[raft]\nelection_timeout_min_ms = 400\n"))
            << "raft.election_timeout_min_ms = 400 must be below raft.election_timeout_max_ms = 400"
            << "e.g. 200 and 400";
        QTest::newRow("lease not below election min")
            << QString::fromStdString(good_with("[raft]\nlease_ms = 250\n"))
            << "raft.lease_ms = 250 must be below raft.election_timeout_min_ms = 200"
            << "e.g. 150 with 200";
        QTest::newRow("tick too coarse")
            << QString::fromStdString(good_with(
                   "[raft]\ntick_ms = 150\nheartbeat_interval_ms = 150\nelection_timeout_min_ms = "
                   "200\nelection_timeout_max_ms = 300\nlease_ms = 150\n"))
            << "raft.tick_ms = 150 is too coarse"
            << "use a smaller tick_ms";
        QTest::newRow("typo in [raft]")
            << QString::fromStdString(good_with("[raft]\nheartbeat_interval = 50\n"))
            << "raft.heartbeat_interval is not a known key"
            << "valid keys in raft are tick_ms, heartbeat_interval_ms";
        QTest::newRow("typo in [cluster]")
            << QString::fromStdString("[cluster]\nnode_id = 1\nlisten_adress = \"127.0.0.1:1\"\n")
            << "cluster.listen_adress is not a known key"
            << "listen_address";
        QTest::newRow("typo in a member")
            << QString::fromStdString(cluster(
                   kLeader + "    { id = 2, adress = \"0.0.0.0:9082\", role = 3, status = 0 },\n"))
            << "cluster.initial_cluster[1].adress is not a known key"
            << "id, address, role, status";
        QTest::newRow("unknown section")
            << QString::fromStdString(good_with("[rafts]\ntick_ms = 10\n"))
            << "rafts is not a known key"
            << "valid sections are cluster, raft, limits, lab";
        QTest::newRow("missing [cluster]")
            << QString("[raft]\ntick_ms = 10\n") << "cluster section is missing"
            << "add [cluster]";
        QTest::newRow("node_id as a string")
            << QString::fromStdString(cluster(kLeader + kSelf, "", "\"2\""))
            << "cluster.node_id = \"2\" must be an integer"
            << "without quotes";
        QTest::newRow("self voter not ACTIVE")
            << QString::fromStdString(cluster(
                   kLeader + "    { id = 2, address = \"0.0.0.0:9082\", role = 0, status = 0 },\n"))
            << "cluster.initial_cluster[1].status = 0 (PROMOTABLE) contradicts role 0"
            << "use status = 2 to bootstrap";
        QTest::newRow("self learner ACTIVE")
            << QString::fromStdString(cluster(
                   kLeader + "    { id = 2, address = \"0.0.0.0:9082\", role = 3, status = 2 },\n"))
            << "cluster.initial_cluster[1].status = 2 (ACTIVE) contradicts role 3"
            << "use status = 0";
        QTest::newRow("lonely learner")
            << QString::fromStdString(cluster(kSelf))
            << "cluster.initial_cluster lists only this node, as a learner"
            << "add the existing cluster's members";
        QTest::newRow("value limit above rpc limit")
            << QString::fromStdString(good_with("[limits]\nmax_value_bytes = 8000000\n"))
            << "limits.max_rpc_bytes = 4194304 cannot carry one entry"
            << "raise it to at least";
        QTest::newRow("lab off loopback")
            << QString::fromStdString(
                   good_with("[lab]\nenabled = true\naddress = \"10.0.0.1:9181\"\n"))
            << "lab.address = \"10.0.0.1:9181\" is not a loopback address"
            << "use 127.0.0.1";
        QTest::newRow("lab on the node's port")
            << QString::fromStdString(
                   good_with("[lab]\nenabled = true\naddress = \"127.0.0.1:9082\"\n"))
            << "lab.address = \"127.0.0.1:9082\" is the node's own listen_address"
            << "a port of its own";
        QTest::newRow("lab without address")
            << QString::fromStdString(good_with("[lab]\nenabled = true\n"))
            << "lab.address is missing while lab.enabled = true"
            << "add address";
        QTest::newRow("bool as string")
            << QString::fromStdString(good_with("[raft]\npre_vote = \"yes\"\n"))
            << "raft.pre_vote = \"yes\" must be a boolean"
            << "write true or false";
        QTest::newRow("empty cluster_id")
            << QString::fromStdString(good_with("").replace(0, 9, "[cluster]\ncluster_id = \"\""))
            << "cluster.cluster_id = \"\" must be 1 to 128 characters"
            << "the same on every node";
    }

    void refused() {
        QFETCH(QString, toml);
        QFETCH(QString, field);
        QFETCH(QString, fix);
        try {
            config::parse_node_config(toml.toStdString(), "n2.toml");
            QFAIL("accepted a bad config");
        } catch (const config::ConfigError& e) {
            const QString what = QString::fromUtf8(e.what());
            QVERIFY2(what.startsWith("n2.toml"), qPrintable(what));
            QVERIFY2(what.contains(field), qPrintable("field missing in: " + what));
            QVERIFY2(what.contains(fix), qPrintable("fix missing in: " + what));
            QVERIFY2(!e.fix().empty(), qPrintable(what));
        }
    }

    void syntaxErrorHasLineAndColumn() {
        try {
            config::parse_node_config("[cluster]\nnode_id = = 1\n", "bad.toml");
            QFAIL("accepted bad TOML");
        } catch (const config::ConfigError& e) {
            const QString what = QString::fromUtf8(e.what());
            QVERIFY2(what.startsWith("bad.toml:2: "), qPrintable(what));
            QVERIFY2(what.contains("line 2, column"), qPrintable(what));
            QCOMPARE(e.line(), 2);
        }
    }

    void typeErrorHasLine() {
        try {
            config::parse_node_config(good_with("[raft]\n\ntick_ms = \"10\"\n"), "n2.toml");
            QFAIL("accepted a string tick");
        } catch (const config::ConfigError& e) {
            QCOMPARE(e.field(), std::string("raft.tick_ms"));
            QCOMPARE(e.line(), 11);  // [cluster] takes 8 lines, then [raft], a blank line
        }
    }

    void missingFile() {
        try {
            config::load_node_config("/nonexistent/raftlab/n9.toml");
            QFAIL("loaded a missing file");
        } catch (const config::ConfigError& e) {
            const QString what = QString::fromUtf8(e.what());
            QVERIFY2(what.contains("/nonexistent/raftlab/n9.toml") &&
                         what.contains("cannot be opened") && what.contains("check the path"),
                     qPrintable(what));
        }
    }
};

QTEST_APPLESS_MAIN(ConfigErrorsTest)
#include "test_config_errors.moc"
