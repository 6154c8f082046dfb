// "Node won't join" explains itself (the guide's troubleshooting section,
// issue 4): one test per reason a joining learner is not let in, each
// asserting the line its log prints. Real processes on free loopback ports.
#include <QtTest>
#include <fstream>

#include "node_harness.h"

using namespace raftlab;
using namespace raftlab::testing;

namespace {

// A learner's config in the guide's form: itself role 3, status `status`,
// plus `listed` as hints. `extra` is appended ([cluster] keys go first).
std::string learner_config(const std::string& dir, int self, const std::string& self_address,
                           const std::vector<std::pair<int, std::string>>& listed,
                           const std::string& cluster_extra = "", int status = 0) {
    std::string path = dir + "/n" + std::to_string(self) + ".toml";
    std::ofstream out(path);
    out << "[cluster]\nnode_id = " << self << "\nlisten_address = \"" << self_address << "\"\n"
        << cluster_extra << "initial_cluster = [\n";
    for (const auto& [id, addr] : listed)
        out << "  { id = " << id << ", address = \"" << addr << "\", role = 2, status = 2 },\n";
    out << "  { id = " << self << ", address = \"" << self_address
        << "\", role = 3, status = " << status << " },\n]\ndb_root_dir = \"./db\"\n";
    return path;
}

std::string loopback() {
    return "127.0.0.1:" + std::to_string(free_port());
}

}  // namespace

class TestGuideJoin : public QObject {
    Q_OBJECT

  private slots:
    // Nobody answers: the log names every address it tried.
    void leader_unreachable_names_the_addresses_tried() {
        QTemporaryDir tmp;
        std::string dir = tmp.path().toStdString();
        std::string dead1 = loopback(), dead2 = loopback();
        NodeProcess n4(learner_config(dir, 4, loopback(), {{1, dead1}, {2, dead2}}),
                       dir + "/n4.log", dir);
        QVERIFY(n4.start());
        QVERIFY2(wait_until(
                     [&] {
                         std::string log = n4.log();
                         return log.find("no listed node is reachable: " + dead1) !=
                                    std::string::npos &&
                                log.find(dead2) != std::string::npos;
                     },
                     10s),
                 n4.log().c_str());
        QVERIFY(n4.log_contains("Check that the leader is running"));
        QVERIFY(n4.running());  // it keeps retrying with a backoff
    }

    // A voter is up but alone: it has no quorum, hence no leader.
    void no_leader_without_a_quorum() {
        Cluster cluster;  // three voters; only node 1 is started
        QVERIFY(cluster.node(1).start());
        QTemporaryDir tmp;
        std::string dir = tmp.path().toStdString();
        NodeProcess n4(learner_config(dir, 4, loopback(), {{1, cluster.address(1)}}),
                       dir + "/n4.log", dir);
        QVERIFY(n4.start());
        QVERIFY2(wait_until(
                     [&] {
                         return n4.log_contains(cluster.address(1) +
                                                " knows no leader (no quorum of voters");
                     },
                     10s),
                 n4.log().c_str());
        QVERIFY(n4.running());
    }

    // Node 2 exists at one address; a new process claims id 2 at another.
    void id_already_a_member_with_another_address() {
        Cluster cluster;
        QVERIFY(cluster.start_all());
        QVERIFY(cluster.wait_leader());
        QTemporaryDir tmp;
        std::string dir = tmp.path().toStdString();
        std::string impostor = loopback();
        NodeProcess n2(learner_config(dir, 2, impostor, {{1, cluster.address(1)}}), dir + "/n2.log",
                       dir);
        QVERIFY(n2.start());
        QVERIFY2(wait_until(
                     [&] {
                         return n2.log_contains("node 2 is already a member with address " +
                                                cluster.address(2) + ", not " + impostor);
                     },
                     10s),
                 n2.log().c_str());
        QVERIFY(n2.log_contains("use a new node_id, or remove the old member first"));
        auto members = cluster.client().members();
        QVERIFY(members.error.ok());
        QCOMPARE(members.membership.members.at(2).address, cluster.address(2));
    }

    // One configuration change at a time (thesis §4.1). With both followers
    // stopped (SIGSTOP) and check_quorum off, the leader keeps leading but
    // cannot commit node 4's change; node 5, asking meanwhile, is told why.
    void another_configuration_change_in_progress() {
        ClusterOptions options;
        options.extra_toml = "[raft]\ncheck_quorum = false\n";
        Cluster cluster(options);
        QVERIFY(cluster.start_all());
        auto leader = cluster.wait_leader();
        QVERIFY(leader);
        for (auto id : cluster.ids())
            if (id != *leader) cluster.node(id).pause();
        QTemporaryDir tmp;
        std::string dir = tmp.path().toStdString();
        NodeProcess n4(learner_config(dir, 4, loopback(),
                                      {{static_cast<int>(*leader), cluster.address(*leader)}}),
                       dir + "/n4.log", dir);
        QVERIFY(n4.start());
        QVERIFY2(wait_until([&] { return n4.log_contains("did not commit within 3 s"); }, 15s),
                 n4.log().c_str());
        NodeProcess n5(learner_config(dir, 5, loopback(),
                                      {{static_cast<int>(*leader), cluster.address(*leader)}}),
                       dir + "/n5.log", dir);
        QVERIFY(n5.start());
        QVERIFY2(
            wait_until(
                [&] {
                    return n5.log_contains("the leader is busy with another configuration change");
                },
                10s),
            n5.log().c_str());
        // Once the followers run again, both get in (retries with backoff).
        for (auto id : cluster.ids())
            if (id != *leader) cluster.node(id).resume();
        QVERIFY2(wait_until([&] { return n5.log_contains("🎊 NODE 5 PROMOTED TO VOTER!"); }, 30s),
                 n5.log().c_str());
        QVERIFY(n4.log_contains("🎊 NODE 4 PROMOTED TO VOTER!"));
    }

    void cluster_id_mismatch() {
        Cluster cluster;
        QVERIFY(cluster.start_all());
        QVERIFY(cluster.wait_leader());
        QTemporaryDir tmp;
        std::string dir = tmp.path().toStdString();
        NodeProcess n4(learner_config(dir, 4, loopback(), {{1, cluster.address(1)}},
                                      "cluster_id = \"elsewhere\"\n"),
                       dir + "/n4.log", dir);
        QVERIFY(n4.start());
        QVERIFY2(wait_until(
                     [&] {
                         return n4.log_contains(
                             "node 4 asks to join cluster 'elsewhere' but this is cluster "
                             "'raftlab'; fix cluster_id in the joining node's config");
                     },
                     10s),
                 n4.log().c_str());
        auto members = cluster.client().members();
        QVERIFY(members.error.ok());
        QVERIFY(!members.membership.contains(4));
    }
};

QTEST_APPLESS_MAIN(TestGuideJoin)
#include "test_guide_join.moc"
