// The scale-out guide's flow with real processes: node 1 alone with data,
// node 2 and node 3 join as learners through JoinCluster, catch up, and are
// promoted to voters automatically. Also: a joining node that cannot reach
// anyone says so, naming the addresses it tried.
#include <QtTest>
#include <fstream>

#include "node_harness.h"

using namespace raftlab;
using namespace raftlab::testing;

namespace {

struct GuideNode {
    std::string config;
    std::unique_ptr<NodeProcess> proc;
};

// Writes a config in the guide's form: `self` is a learner if `learner`.
std::string write_config(const std::string& dir, int self,
                         const std::vector<std::pair<int, std::string>>& listed, bool learner,
                         const std::string& extra = "") {
    std::string path = dir + "/n" + std::to_string(self) + ".toml";
    std::ofstream out(path);
    out << "[cluster]\nnode_id = " << self << "\nlisten_address = \"";
    for (auto& [id, addr] : listed) {
        if (id == self) out << addr;
    }
    out << "\"\ninitial_cluster = [\n";
    for (auto& [id, addr] : listed) {
        bool self_learner = id == self && learner;
        out << "  { id = " << id << ", address = \"" << addr
            << "\", role = " << (self_learner ? 3 : (id == 1 ? 2 : 1))
            << ", status = " << (self_learner ? 0 : 2) << " },\n";
    }
    out << "]\ndb_root_dir = \"./db\"\n" << extra;
    return path;
}

}  // namespace

class TestNodeJoin : public QObject {
    Q_OBJECT

  private slots:
    void guide_flow_one_to_three_nodes() {
        QTemporaryDir tmp;
        std::string dir = tmp.path().toStdString();
        std::vector<std::pair<int, std::string>> addr;
        for (int i = 1; i <= 3; ++i)
            addr.push_back({i, "0.0.0.0:" + std::to_string(free_port())});
        auto dial = [&](int i) { return "127.0.0.1:" + addr[i - 1].second.substr(8); };
        // Small snapshot threshold: the joining nodes catch up by snapshot first.
        std::string extra = "[raft]\nsnapshot_threshold = 100\n";
        NodeProcess n1(write_config(dir, 1, {addr[0]}, false, extra), dir + "/n1.log", dir);
        NodeProcess n2(write_config(dir, 2, {addr[0], addr[1]}, true, extra), dir + "/n2.log", dir);
        NodeProcess n3(write_config(dir, 3, addr, true, extra), dir + "/n3.log", dir);

        QVERIFY(n1.start());
        QVERIFY2(wait_until([&] { return n1.log_contains("Leader"); }, 10s), n1.log().c_str());
        api::RemoteClient client({dial(1), dial(2), dial(3)});
        for (int i = 0; i < 300; ++i) {
            auto r = client.put("key" + std::to_string(i), "value" + std::to_string(i));
            QVERIFY2(r.error.ok(), r.error.message.c_str());
        }
        QVERIFY(n2.start());
        QVERIFY2(wait_until([&] { return n2.log_contains("🎊 NODE 2 PROMOTED TO VOTER!"); }, 15s),
                 n2.log().c_str());
        QVERIFY(n2.log_contains("JoinCluster accepted"));
        QVERIFY(n2.log_contains("installed snapshot via InstallSnapshot"));
        QVERIFY(n2.log_contains("Learner → Follower"));
        QVERIFY(n1.log_contains("2 voters, an even number"));

        QVERIFY(n3.start());
        QVERIFY2(wait_until([&] { return n3.log_contains("🎊 NODE 3 PROMOTED TO VOTER!"); }, 15s),
                 n3.log().c_str());

        // Every key readable on node 3's own state.
        api::RemoteClient c3({dial(3)});
        QVERIFY(wait_until(
            [&] {
                auto r = c3.scan("key", 1000, api::Consistency::Eventual, dial(3));
                return r.error.ok() && r.items.size() == 300;
            },
            10s));
        core::NodeId leader = 0;
        auto members = client.members(&leader);
        QVERIFY(members.error.ok());
        QCOMPARE(members.membership.voters().size(), std::size_t(3));
        QCOMPARE(leader, core::NodeId(1));  // no leader change during expansion
    }

    void join_without_a_reachable_leader_says_why() {
        QTemporaryDir tmp;
        std::string dir = tmp.path().toStdString();
        std::string dead = "127.0.0.1:" + std::to_string(free_port());
        std::string self = "127.0.0.1:" + std::to_string(free_port());
        NodeProcess n2(write_config(dir, 2, {{1, dead}, {2, self}}, true), dir + "/n2.log", dir);
        QVERIFY(n2.start());
        QVERIFY2(wait_until(
                     [&] {
                         return n2.log_contains(
                             "cannot join the cluster yet: no listed node is "
                             "reachable: " +
                             dead);
                     },
                     10s),
                 n2.log().c_str());
        QVERIFY(n2.running());  // it keeps retrying
    }
};

QTEST_APPLESS_MAIN(TestNodeJoin)
#include "test_node_join.moc"
